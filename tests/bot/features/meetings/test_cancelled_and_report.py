"""A member answering for a cancelled meeting is told what they can do (it told them `meetings add`, a facilitator
command), and `meetings report` refuses what it does not take (it ignored `pdf` and showed the report)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.bot.features.meetings.test_meetings import FAY, NOV3, bodies, setup_group
from tests.conftest import Chat, Clock

CANCELLED = "The meeting of Tue 10 Nov 2026 18:00 EST has been cancelled; "


@pytest.mark.parametrize("typed", ["meetings going 2026-11-10", "meetings cant 2026-11-10"])
async def test_a_member_answering_a_cancelled_meeting_is_pointed_to_the_coming_ones(
    chat: Chat, clock: Clock, typed: str
) -> None:
    """The member is told it was cancelled and that `meetings list` shows the coming ones; so is a facilitator who
    only answers."""
    await setup_group(chat, clock, "ann")
    await chat.say("meetings cancel 2026-11-10", **FAY)
    assert bodies(await chat.say(typed, user="ann", channel="maps")) == (
        CANCELLED + "`meetings list` shows the coming ones."
    )
    assert bodies(await chat.say(typed, **FAY)) == CANCELLED + "`meetings list` shows the coming ones."


async def test_meetings_report_refuses_what_it_does_not_take(chat: Chat, clock: Clock) -> None:
    """`meetings report pdf` says what the command takes instead of showing the report; `csv` in capitals works."""
    await setup_group(chat, clock, "ann")
    clock.now = NOV3 + timedelta(hours=2)
    replies = await chat.say("meetings report pdf", **FAY)
    assert [(r.title, r.attachment) for r in replies] == [(None, None)]
    assert bodies(replies) == (
        "`meetings report` takes nothing (the report here) or `csv` (the table as a file), not 'pdf'."
    )
    (exported,) = await chat.say("meetings report CSV", **FAY)
    assert bodies([exported]) == "2 meetings exported." and exported.attachment is not None
