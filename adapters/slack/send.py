"""Sending replies to Slack: messages, modals, files, and what to do when Slack says no.

Every Web API call goes through :func:`call_api`, which turns Slack's refusals and network failures into
:class:`bot.errors.DeliveryError` with Slack's own error code, so a refusal is handled (and logged) in one place.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import zlib
from collections.abc import Awaitable
from dataclasses import replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.translate import BUTTON_VALUE_LIMIT, escape, form_to_view, notification_text, reply_blocks
from bot.adapter import Delivery, Target
from bot.errors import DeliveryError
from bot.events import Attachment, Form, FormPage, Origin, Reply, Visibility
from bot.forms import form_from_json, form_to_json
from bot.forms.engine import continue_button
from bot.routing import Channels, route

__all__ = ["MAX_FILE_BYTES", "OPEN_FORM_ACTION", "Sender", "call_api", "decode_form", "encode_form"]

log = logging.getLogger(__name__)

# https://api.slack.com/messaging/files: one file may be up to 1 GB.
MAX_FILE_BYTES = 1024**3
OPEN_FORM_ACTION = "slack:open-form"
# Codes a later retry can get past; anything else (channel_not_found, invalid_blocks, not_in_channel...) is final.
_TRANSIENT = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)

_NO_CHANNELS = Channels({})  # replies reaching an adapter name real channels: there is nothing left to map
_FALLBACK = "Sorry, Slack would not show my reply here ({code}). Please try again, or ask me in a direct message."
_CONTINUE = "This form asks for details best kept private. Press the button to fill it in; only you will see it."
_OPEN_BUTTON = "Open the form"
_FORM_TOO_BIG = "This form cannot be opened from here. Please use the slash command instead."
_FILE_TOO_BIG = "{name} is too large to send on Slack ({size}; the limit is {limit})."
_FILE_FAILED = "Sorry, I could not send {name} ({code})."


async def call_api(call: Awaitable[Any]) -> Any:
    """Await one Web API call; Slack's refusals and network failures become :class:`DeliveryError`."""
    try:
        return await call
    except SlackApiError as exc:
        code = str(exc.response.get("error") or f"http_{exc.response.status_code}")
        permanent = code not in _TRANSIENT and exc.response.status_code < 500
        raise DeliveryError("slack", code, permanent=permanent) from exc
    except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise DeliveryError("slack", type(exc).__name__, permanent=False) from exc


def _size(size: int) -> str:
    if size >= 1024**2:
        return f"{size / 1024**2:.1f} MB"
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"


def encode_form(form: Form, channel: str) -> str | None:
    """A form packed into a button value (compressed), or None when it does not fit Slack's 2000 characters."""
    raw = json.dumps({"form": form_to_json(form), "channel": channel}).encode()
    value = base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode()
    return value if len(value) <= BUTTON_VALUE_LIMIT else None


def decode_form(value: str) -> tuple[Form, str] | None:
    """Inverse of :func:`encode_form`; None for a value that is not one."""
    try:
        data = json.loads(zlib.decompress(base64.urlsafe_b64decode(value.encode())))
        return form_from_json(data["form"]), str(data["channel"])
    except (binascii.Error, zlib.error, ValueError, KeyError, TypeError):
        return None


def _open_button(form: Form, page: FormPage | None, channel: str) -> tuple[str, str | None]:
    """The action id and value of the "Open the form" button: the core's button that shows ``page``, or (a form the
    core keeps no draft of) the whole form packed into the value, None when it does not fit."""
    if page is not None:
        button = continue_button(page, _OPEN_BUTTON)
        return button.action_id, button.value
    return OPEN_FORM_ACTION, encode_form(form, channel)


class Sender:
    """Posts replies with one client; see :meth:`send`."""

    def __init__(self, client: AsyncWebClient, *, max_file_bytes: int = MAX_FILE_BYTES) -> None:
        self.client = client
        self.max_file_bytes = max_file_bytes

    async def deliver(self, origin: Origin, delivery: Delivery, trigger_id: str | None = None) -> None:
        """Send a reply to someone's event; a refusal is logged once and the user gets a short fallback."""
        try:
            await self.send(delivery, origin, trigger_id)
        except DeliveryError as exc:
            log.warning("Slack refused a reply in %s: %s", origin.channel, exc.code)
            await self._fallback(origin, _FALLBACK.format(code=exc.code))

    async def _fallback(self, origin: Origin, text: str) -> None:
        try:
            await self._private(origin, Reply(text), [])
        except DeliveryError as exc:
            log.info("the fallback reply in %s failed too: %s", origin.channel, exc.code)

    async def send(self, delivery: Delivery, origin: Origin | None = None, trigger_id: str | None = None) -> None:
        """Show one delivery where its target says: a channel, a DM, privately, or in answer (maybe in a thread).

        A reply with a form opens it as a modal (or offers a button that does), for ``origin``'s user.

        Raises:
            DeliveryError: Slack refused the message, or could not be reached.
        """
        reply, target = delivery.reply, delivery.target
        origin = origin or Origin("slack", target.channel or "", target.user or "")
        if reply.form is not None:
            await self._form(origin, reply, trigger_id)
            return
        blocks = [b.to_dict() for b in reply_blocks(reply)]
        await self._post(target, notification_text(reply), blocks)
        if reply.attachment is not None:
            await self._upload(origin, delivery, reply.attachment)

    async def _post(self, target: Target, text: str, blocks: list[dict[str, Any]]) -> None:
        chat = self.client
        if target.kind == "ephemeral" and target.channel and target.user:
            await call_api(
                chat.chat_postEphemeral(
                    channel=target.channel, user=target.user, text=text, blocks=blocks, thread_ts=target.thread
                )
            )
            return
        # A DM goes to the user's id (Slack opens the conversation); so does a private reply with no channel.
        channel = (target.user if target.kind in ("dm", "ephemeral") else target.channel or target.user) or ""
        await call_api(chat.chat_postMessage(channel=channel, text=text, blocks=blocks, thread_ts=target.thread))

    async def _private(self, origin: Origin, reply: Reply, blocks: list[dict[str, Any]]) -> None:
        """Only ``origin.user`` sees it: an ephemeral message in a channel, a plain one in a DM."""
        blocks = blocks or [b.to_dict() for b in reply_blocks(reply)]
        for delivery in route(origin, replace(reply, visibility=Visibility.EPHEMERAL), _NO_CHANNELS):
            await self._post(delivery.target, notification_text(reply), blocks)

    async def _form(self, origin: Origin, reply: Reply, trigger_id: str | None) -> None:
        """A modal when there is a trigger id; otherwise a private message with a button that opens it."""
        assert reply.form is not None
        if trigger_id is not None:
            try:
                await self.open_form(trigger_id, reply.form, origin.channel, reply.form_page)
                return
            except DeliveryError as exc:
                log.info("could not open a modal (%s); offering a button instead", exc.code)
        action_id, value = _open_button(reply.form, reply.form_page, origin.channel)
        if value is None:
            log.warning("form %s does not fit in a button value", reply.form.form_id)
            await self._private(origin, Reply(_FORM_TOO_BIG), [])
            return
        intro = f"{reply.text}\n\n{_CONTINUE}" if reply.text else _CONTINUE
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": escape(intro)}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": _OPEN_BUTTON},
                        "action_id": action_id,
                        "value": value,
                        "style": "primary",
                    }
                ],
            },
        ]
        await self._private(origin, Reply(intro), blocks)

    async def open_form(self, trigger_id: str, form: Form, channel: str, page: FormPage | None = None) -> None:
        """Open ``form`` (``page`` of it, when given) as a modal."""
        view = form_to_view(form, channel, page)
        await call_api(self.client.views_open(trigger_id=trigger_id, view=view))

    async def _upload(self, origin: Origin, delivery: Delivery, attachment: Attachment) -> None:
        """Upload a file (files upload v2) to where the reply went; private replies' files go by DM."""
        reply, target = delivery.reply, delivery.target
        data = attachment.payload
        if len(data) > self.max_file_bytes:
            text = _FILE_TOO_BIG.format(
                name=attachment.filename, size=_size(len(data)), limit=_size(self.max_file_bytes)
            )
            await self._private(origin, Reply(text), [])
            return
        if target.kind in ("reply", "channel") and target.channel:
            channel, thread = target.channel, target.thread
        else:
            channel, thread = await self._dm_channel(target.user or origin.user), None
        try:
            await call_api(
                self.client.files_upload_v2(
                    channel=channel,
                    content=data,
                    filename=attachment.filename,
                    title=attachment.filename,
                    initial_comment=notification_text(reply),
                    thread_ts=thread,
                ),
            )
        except DeliveryError as exc:
            log.warning("Slack refused the file %s: %s", attachment.filename, exc.code)
            await self._fallback(origin, _FILE_FAILED.format(name=attachment.filename, code=exc.code))

    async def _dm_channel(self, user: str) -> str:
        """The id of the bot's DM with ``user`` (files go to conversation ids, not user ids)."""
        opened = await call_api(self.client.conversations_open(users=user))
        return str(opened["channel"]["id"])
