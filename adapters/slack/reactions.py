"""Reactions: a ✅ on a message marks its thread solved. Slack's ``reaction_added`` names only the message, so its
thread is looked up with ``conversations.replies`` (which takes any message of a thread and returns it parent
first; the history scopes cover it)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.send import call_api
from bot.errors import DeliveryError

__all__ = ["CHECK_MARKS", "reacted_thread"]

log = logging.getLogger(__name__)

# Reactions that mark a thread solved: Slack's names of the core's check marks (bot.features.threads.solve), so no
# other reaction costs a conversations.replies call.
CHECK_MARKS = frozenset({"white_check_mark", "heavy_check_mark", "ballot_box_with_check"})


async def reacted_thread(client: AsyncWebClient, event: Mapping[str, Any]) -> str | None:
    """The thread (its parent's ts) of the message a check-mark reaction is on; None for any other reaction, or
    when Slack will not show the message."""
    item = event.get("item") or {}
    if item.get("type") != "message" or event.get("reaction") not in CHECK_MARKS or not event.get("user"):
        return None
    try:
        found = await call_api(client.conversations_replies(channel=item["channel"], ts=item["ts"], limit=1))
    except DeliveryError as exc:
        log.warning("Slack refused to show a reacted message's thread: %s", exc.code)
        return None
    messages = found.get("messages") or [{}]
    return str(messages[0].get("thread_ts") or item["ts"])
