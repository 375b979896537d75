"""Adapters wired to a running :class:`~bot.main.wiring.BotApp`: the glue that needs both, kept out of ``adapters/``."""

from __future__ import annotations

import logging

from adapters.discord.app import DiscordAdapter
from bot.main.wiring import BotApp
from bot.settings import Settings

__all__ = ["discord_adapter"]

log = logging.getLogger(__name__)


def discord_adapter(app: BotApp, settings: Settings, token: str, *, guild_ready_timeout: float = 2.0) -> DiscordAdapter:
    """A Discord adapter wired to a started :class:`BotApp` and the settings (``guild_ready_timeout``: see
    :class:`DiscordAdapter`)."""

    if settings.roles.platform_roles and not settings.discord_guild_ids:
        log.warning("roles.platform_roles is set but discord_guild_ids is empty: Discord roles will count for nothing")

    if settings.watched_channels("discord") and not settings.discord_message_content:
        log.warning(
            "Discord help channels are watched without the message-content intent: only messages and forum posts "
            "that mention the bot are seen there (see README, Help channels)"
        )

    return DiscordAdapter(
        app.dispatcher.handle,
        token,
        guild_ids=settings.discord_guild_ids,
        commands=app.registry.slash_commands(),
        message_content=settings.discord_message_content,
        help_channels=settings.watched_channels("discord"),
        shard_count=settings.discord_shard_count,
        shard_ids=settings.discord_shard_ids,
        start_form=app.dispatcher.start_form,
        guild_ready_timeout=guild_ready_timeout,
    )
