"""The Discord adapter: discord.py app commands, buttons and modals over the core.

:func:`for_app` builds the adapter for a started bot from the settings; :mod:`adapters.discord.app` is the adapter.
"""

from __future__ import annotations

import logging

from adapters.discord.app import DiscordAdapter
from bot.app import BotApp
from bot.settings import Settings

__all__ = ["DiscordAdapter", "for_app"]

log = logging.getLogger(__name__)


def for_app(app: BotApp, settings: Settings, token: str, *, guild_ready_timeout: float = 2.0) -> DiscordAdapter:
    """A Discord adapter wired to a started :class:`BotApp` and the settings (``guild_ready_timeout``: see
    :class:`DiscordAdapter`)."""

    if settings.roles.platform_roles and not settings.discord_guild_ids:
        log.warning("roles.platform_roles is set but discord_guild_ids is empty: Discord roles will count for nothing")

    return DiscordAdapter(
        app.dispatcher.handle,
        token,
        guild_ids=settings.discord_guild_ids,
        commands=app.registry.slash_commands(),
        message_content=settings.discord_message_content,
        help_channels=settings.discord_help_channels,
        shard_count=settings.discord_shard_count,
        shard_ids=settings.discord_shard_ids,
        start_form=app.dispatcher.start_form,
        guild_ready_timeout=guild_ready_timeout,
    )
