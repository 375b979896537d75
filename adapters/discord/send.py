"""Sending to Discord and what to do when Discord refuses: one log line with Discord's code, a short fallback.

``deliver`` sends the messages of one reply to a channel or a user and raises :class:`bot.errors.DeliveryError`
(permanent for a 4xx other than 429, retryable for 429, 5xx and network failures) so the scheduler can retry;
``refused`` logs a failed send once, without a traceback. Interaction answers use ``answer``, which falls back to a
short private message when Discord refused the real one and the interaction can still be answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord

from adapters.discord.translate import NO_PINGS, nonce_for
from bot.adapter import Target
from bot.errors import DeliveryError

__all__ = [
    "FALLBACK",
    "answer",
    "deliver",
    "delivery_error",
    "fallback",
    "is_empty",
    "messageable",
    "refused",
    "reply_to",
]

log = logging.getLogger(__name__)

FALLBACK = "Sorry, Discord would not take my answer. The problem has been logged; please try again later."
_UNKNOWN_INTERACTION = 10062  # too late: nothing can be sent for this interaction any more
_NETWORK = (aiohttp.ClientError, OSError, asyncio.TimeoutError)


def is_empty(kwargs: dict[str, Any]) -> bool:
    """A message with nothing to show (Discord refuses those with 50006)."""
    return not any(kwargs.get(key) for key in ("content", "embed", "view", "file"))


def _code(exc: BaseException) -> str:
    if isinstance(exc, discord.HTTPException):
        return f"{exc.status}/{exc.code}" if exc.code else str(exc.status)
    if isinstance(exc, discord.RateLimited):
        return "429"
    return type(exc).__name__


def refused(where: str, exc: BaseException) -> None:
    """Log a failed send once, with Discord's status and error code, no traceback and no message text."""
    text = exc.text if isinstance(exc, discord.HTTPException) else ""
    log.warning("Discord refused %s: %s %s", where, _code(exc), text.splitlines()[0] if text else "")


def delivery_error(exc: BaseException) -> DeliveryError:
    """A :class:`DeliveryError` for a failed send: permanent unless a retry can help (429, 5xx, network)."""
    if isinstance(exc, discord.HTTPException):
        permanent = 400 <= exc.status < 500 and exc.status != 429
    else:
        permanent = not isinstance(exc, (discord.RateLimited, *_NETWORK))
    return DeliveryError("discord", _code(exc), permanent=permanent)


async def deliver(target: discord.abc.Messageable, messages: Sequence[dict[str, Any]], key: str | None) -> None:
    """Send ``messages`` to ``target``; with ``key``, each carries a nonce Discord uses to drop a repeat.

    Raises:
        DeliveryError: Discord refused a message, or could not be reached.
    """
    for part, kwargs in enumerate(messages):
        kwargs = {k: v for k, v in kwargs.items() if k != "ephemeral"}
        if is_empty(kwargs):
            continue
        if key is not None:
            kwargs["nonce"] = nonce_for(key, part)  # discord.py adds enforce_nonce
        try:
            await target.send(**kwargs)
        except (discord.HTTPException, discord.RateLimited, *_NETWORK) as exc:
            raise delivery_error(exc) from exc


async def messageable(client: discord.Client, target: Target) -> discord.abc.Messageable | None:
    """The channel (``channel`` targets) or user (DMs) to send to; None when the target names neither.

    Raises:
        DeliveryError: the id is not a number, not a text channel, or Discord could not be reached.
    """
    try:
        if target.kind == "channel" and target.channel is not None:
            channel_id = int(target.channel)
            found = client.get_channel(channel_id) or await client.fetch_channel(channel_id)
            if not isinstance(found, discord.abc.Messageable):
                raise DeliveryError("discord", "not-a-text-channel", permanent=True)
            return found
        if target.user is not None:
            return await client.fetch_user(int(target.user))
    except ValueError:
        raise DeliveryError("discord", "invalid-id", permanent=True) from None
    except (discord.HTTPException, *_NETWORK) as exc:
        raise delivery_error(exc) from exc
    return None


async def answer(interaction: discord.Interaction[Any], messages: Sequence[dict[str, Any]]) -> bool:
    """Answer an interaction with ``messages`` (the first as its response, the rest as follow-ups).

    A refused message is logged once; the user then gets :data:`FALLBACK` privately if anything can still be sent.
    Returns whether every message was sent.
    """
    for kwargs in messages:
        if is_empty(kwargs):
            continue
        try:
            if interaction.response.is_done():
                await interaction.followup.send(**kwargs)
            else:
                await interaction.response.send_message(**kwargs)
        except (discord.HTTPException, *_NETWORK) as exc:
            refused("an interaction answer", exc)
            if not (isinstance(exc, discord.HTTPException) and exc.code == _UNKNOWN_INTERACTION):
                await fallback(interaction)
            return False
    return True


async def reply_to(message: discord.Message, messages: Sequence[dict[str, Any]]) -> bool:
    """Answer a message with ``messages`` (the first as a reply to it); on a refusal, log once and say sorry."""
    try:
        for part, kwargs in enumerate(messages):
            kwargs = {k: v for k, v in kwargs.items() if k != "ephemeral"}
            if is_empty(kwargs):
                continue
            if part == 0:
                await message.reply(mention_author=False, **kwargs)
            else:
                await message.channel.send(**kwargs)
    except (discord.HTTPException, *_NETWORK) as exc:
        refused("a reply to a message", exc)
        try:
            await message.channel.send(FALLBACK, allowed_mentions=NO_PINGS)
        except (discord.HTTPException, *_NETWORK) as again:
            log.debug("the fallback reply failed too: %s", _code(again))
        return False
    return True


async def fallback(interaction: discord.Interaction[Any]) -> None:
    """Tell the user privately that the answer could not be shown, if the interaction can still be answered."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(FALLBACK, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(FALLBACK, ephemeral=True, allowed_mentions=NO_PINGS)
    except (discord.HTTPException, *_NETWORK) as exc:
        log.debug("the fallback answer failed too: %s", _code(exc))
