"""Answering a Discord interaction (a slash command, a button press, a modal submission) with the core's replies.

Who and where an interaction comes from becomes a core origin (:func:`interaction_origin`); the replies meant for
the interaction answer it (a form's page as a modal, the rest as messages only the user sees), and the ones aimed
at a channel, another user or a DM are posted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import Any

import aiohttp
import discord

from adapters.discord.modals import open_later, show_page
from adapters.discord.send import answer, refused
from adapters.discord.translate import DEFAULT_FILE_LIMIT, origin_of, reply_messages
from bot.events import Origin, Reply, Visibility

__all__ = ["defer", "file_limit", "interaction_origin", "public", "respond", "role_names_of"]

Post = Callable[[Reply, str], Awaitable[None]]


def interaction_origin(interaction: discord.Interaction[Any], guilds: Iterable[str]) -> Origin:
    """The core origin of ``interaction``: it can open modals (a form page of five inputs)."""
    member_roles = [str(r.id) for r in getattr(interaction.user, "roles", [])[1:]]
    payload = {
        "channel_id": str(interaction.channel_id or ""),
        "guild_id": str(interaction.guild_id) if interaction.guild_id else None,
        "member": {"user": {"id": str(interaction.user.id), "username": interaction.user.name}, "roles": member_roles},
    }
    return origin_of(payload, role_names_of(interaction.user), modals=True, guilds=guilds)


def role_names_of(user: discord.abc.User) -> list[str]:
    """The names of a member's roles (none for a user outside a server)."""
    return [r.name for r in getattr(user, "roles", [])[1:]]  # the first role is @everyone


def file_limit(interaction: discord.Interaction[Any]) -> int:
    """The upload limit Discord gave with the interaction (it depends on the server's boosts)."""
    return int(getattr(interaction, "filesize_limit", 0) or DEFAULT_FILE_LIMIT)


def public(reply: Reply) -> Reply:
    """``reply`` shown to everyone where it is sent (a DM, a channel)."""
    return replace(reply, visibility=Visibility.PUBLIC)


async def defer(interaction: discord.Interaction[Any]) -> bool:
    """Tell Discord the answer is coming; False when it is too late (or failed) to answer this interaction at all."""
    try:
        await interaction.response.defer(ephemeral=True, thinking=True)
    except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
        refused("a deferred answer", exc)
        return False
    return True


async def respond(
    interaction: discord.Interaction[Any], origin: Origin, replies: list[Reply], post: Post, *, live: bool = True
) -> None:
    """Answer the interaction with the replies meant for it; ``post`` those aimed at a channel, a user or a DM.

    ``live`` is False when the interaction can no longer be answered (the deferral came too late). Once Discord
    refuses an answer, the rest of the replies tied to the interaction are skipped (the user got the fallback
    where it could be sent), but the ones aimed elsewhere (a staff notice, "A question for a human", a DM)
    are still sent.
    """
    for reply in replies:
        if reply.form is not None and not live:
            continue  # a form opens only in answer to the interaction
        if reply.form is not None and reply.form_page is not None and not interaction.response.is_done():
            await show_page(interaction, reply.form, reply.form_page)
            continue
        if reply.form is not None:
            reply = open_later(reply, Visibility.EPHEMERAL)
        to_origin = reply.channel is None and reply.user in (None, origin.user)
        if live and reply.visibility is Visibility.DM and to_origin:
            reply = replace(reply, visibility=Visibility.EPHEMERAL)  # private to this user already
        if reply.channel is not None or reply.user is not None or reply.visibility is Visibility.DM:
            await post(reply, origin.user)
        elif live:
            live = await answer(interaction, reply_messages(reply, file_limit(interaction)))
    if live and not interaction.response.is_done():
        await answer(interaction, reply_messages(Reply("Done.", visibility=Visibility.EPHEMERAL)))
