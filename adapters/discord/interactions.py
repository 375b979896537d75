"""What the Discord adapter reads from discord.py objects (who, where, which roles, what limits), and the invite link.

Small pure helpers kept out of :mod:`adapters.discord.app` so that module stays about the event flow.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import aiohttp
import discord

from adapters.discord.modals import open_later, show_page
from adapters.discord.send import answer, refused
from adapters.discord.translate import DEFAULT_FILE_LIMIT, origin_of, reply_messages
from bot.adapter import Delivery
from bot.events import Origin, Reply, Visibility
from bot.routing import Channels, route

__all__ = [
    "PERMISSIONS",
    "defer",
    "file_limit",
    "interaction_origin",
    "interaction_payload",
    "invite_url",
    "private",
    "public",
    "raise_from",
    "respond",
    "role_names",
    "role_names_of",
]

log = logging.getLogger(__name__)

Send = Callable[[Delivery], Awaitable[None]]
_NO_CHANNELS = Channels({})  # logical channels were resolved by the core before the replies came back

# Exactly what the bot needs: read and send messages and threads, embed links, attach files (exports), and manage
# threads: tagging a member's forum post "Solved" or "Needs a human" is for its author or Manage Threads.
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    manage_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
)


def invite_url(application_id: int) -> str:
    """The OAuth2 link that adds the bot with its commands and exactly the permissions it needs."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=("bot", "applications.commands"))


async def defer(interaction: discord.Interaction[Any]) -> bool:
    """Tell Discord the answer is coming; False when it is too late (or failed) to answer this interaction at all."""
    try:
        await interaction.response.defer(ephemeral=True, thinking=True)
    except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
        refused("a deferred answer", exc)
        return False
    return True


def raise_from(login: asyncio.Future[None]) -> None:
    """Raise what ended the connection; a refused privileged intent (close 4014) says how to fix it."""
    try:
        login.result()
    except discord.ConnectionClosed as exc:
        if exc.code == 4014:
            raise discord.PrivilegedIntentsRequired(exc.shard_id) from None
        raise


def interaction_payload(interaction: discord.Interaction[Any]) -> dict[str, Any]:
    """What :func:`origin_of` reads of an interaction; ``thread`` when it came from a thread or forum post (Discord
    sends the thread as the interaction's channel)."""
    member_roles = [str(r.id) for r in getattr(interaction.user, "roles", [])[1:]]
    channel = interaction.channel
    thread = None
    if isinstance(channel, discord.Thread):
        thread = {"id": str(channel.id), "parent_id": str(channel.parent_id)}
    return {
        "channel_id": str(interaction.channel_id or ""),
        "guild_id": str(interaction.guild_id) if interaction.guild_id else None,
        "member": {"user": {"id": str(interaction.user.id), "username": interaction.user.name}, "roles": member_roles},
        "thread": thread,
    }


def interaction_origin(interaction: discord.Interaction[Any], guilds: frozenset[str]) -> Origin:
    """Who pressed, typed or submitted, and where (``guilds``: the servers whose roles count)."""
    return origin_of(interaction_payload(interaction), role_names(interaction), modals=True, guilds=guilds)


def role_names(interaction: discord.Interaction[Any]) -> list[str]:
    return role_names_of(interaction.user)


def role_names_of(user: discord.abc.User) -> list[str]:
    return [r.name for r in getattr(user, "roles", [])[1:]]  # the first role is @everyone


def file_limit(interaction: discord.Interaction[Any]) -> int:
    """The upload limit Discord gave with the interaction (it depends on the server's boosts)."""
    return int(getattr(interaction, "filesize_limit", 0) or DEFAULT_FILE_LIMIT)


def public(reply: Reply) -> Reply:
    return replace(reply, visibility=Visibility.PUBLIC)


def private(reply: Reply) -> Reply:
    return replace(reply, visibility=Visibility.EPHEMERAL)


async def respond(
    interaction: discord.Interaction[Any], origin: Origin, replies: list[Reply], send: Send, *, live: bool = True
) -> None:
    """Answer the interaction with the replies meant for it; ``send`` those routed to a channel or a DM.

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
        for delivery in route(origin, reply, _NO_CHANNELS):
            target, each = delivery.target, delivery.reply
            if live and target.kind == "dm" and target.user == origin.user and each.visibility is Visibility.DM:
                target, each = replace(target, kind="ephemeral"), private(each)  # the answer is private already
            if target.kind in ("channel", "dm"):
                await send(Delivery(target, each))
            elif live:
                live = await answer(interaction, reply_messages(each, file_limit(interaction)))
    if live and not interaction.response.is_done():
        await answer(interaction, reply_messages(Reply("Done.", visibility=Visibility.EPHEMERAL)))
