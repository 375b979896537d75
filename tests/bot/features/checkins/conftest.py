"""What the check-in tests share: a group "Maps Circle" in #maps (Berlin) run by fay, with ann and bo; its first
check-in; answering it step by step."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.events import Reply
from tests.conftest import Chat, texts

FAY = {"user": "fay", "role": "facilitator", "channel": "maps"}
# Tuesday 3 March 2026, 18:00 in Berlin is 17:00 UTC.
FIRST = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


async def setup_group(chat: Chat, *extra: str) -> None:
    await chat.say("checkin create Maps Circle --tz Europe/Berlin", **FAY)
    out = texts(await chat.say("checkin schedule tue 18:00 --weeks 6 " + " ".join(extra), **FAY))
    assert "first check-in is Tue 03 Mar 2026 18:00 CET" in out, out
    for user in ("ann", "bo"):
        await chat.say("checkin join", user=user, channel="maps")


async def answer(chat: Chat, user: str, *lines: str) -> list[Reply]:
    replies = await chat.say("checkin answer", user=user, channel="maps")
    for line in lines:
        replies = await chat.say(line, user=user, channel="maps")
    return replies


def titled(replies: list[Reply], start: str) -> list[Reply]:
    return [r for r in replies if (r.title or "").startswith(start)]
