"""Forum tags: the core names tags for a thread (``Reply.tags``: "Solved", "Needs a human"); on Discord they are
applied to a forum post when its forum defines a tag of that name (case aside), and never otherwise.

A thread holds at most five tags (Discord refuses more with 50035): tags already applied are kept first, and new
ones are added while there is room. A refusal is logged once, like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord

from adapters.discord.send import refused
from bot.events import Reply

__all__ = ["MAX_TAGS", "apply_tags"]

log = logging.getLogger(__name__)

MAX_TAGS = 5  # https://discord.com/developers/docs/resources/channel#modify-channel-json-params-thread (applied_tags)


def _wanted(replies: Sequence[Reply]) -> list[str]:
    return [name.casefold() for reply in replies for name in reply.tags]


async def apply_tags(channel: Any, replies: Sequence[Reply]) -> None:
    """Apply the tags ``replies`` name to ``channel`` when it is a post of a forum that has them."""
    names = _wanted(replies)
    if not names or not isinstance(channel, discord.Thread) or not isinstance(channel.parent, discord.ForumChannel):
        return
    current = list(channel.applied_tags)
    have = {tag.id for tag in current}
    new = [t for t in channel.parent.available_tags if t.name.casefold() in names and t.id not in have]
    if not new:
        return
    try:
        await channel.edit(applied_tags=[*current, *new][:MAX_TAGS])
    except discord.HTTPException as exc:
        refused("forum tags", exc)
