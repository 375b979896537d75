"""Two meetings on one day: every command that picks a meeting by date takes DATE [HH:MM], and the hint to give the
time names the command typed (it named `meetings cancel`, so a facilitator following it from `meetings who`
cancelled a meeting)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.when import plain
from tests.bot.features.meetings.test_meetings import FAY, NOV10, bodies, setup_group
from tests.conftest import Chat, Clock

TWO = "Maps Circle has more than one meeting on 2026-11-10 (at 18:00, 20:00); give the time too, e.g. "


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("meetings who 2026-11-10", "`meetings who 2026-11-10 HH:MM`."),
        ("meetings going 2026-11-10", "`meetings going 2026-11-10 HH:MM`."),
        ("meetings cant 2026-11-10", "`meetings cant 2026-11-10 HH:MM`."),
        ("meetings move 2026-11-10 19:00", "`meetings move 2026-11-10 HH:MM 19:00`."),
        ("meetings move 2026-11-10 2026-11-11 19:00", "`meetings move 2026-11-10 HH:MM 2026-11-11 19:00`."),
        ("meetings cancel 2026-11-10", "`meetings cancel 2026-11-10 HH:MM`."),
    ],
)
async def test_the_hint_names_the_command_typed(chat: Chat, clock: Clock, typed: str, hint: str) -> None:
    """Each command asks for the time with itself as the example, and changes nothing."""
    await setup_group(chat, clock, "ann")
    await chat.say("meetings add 2026-11-10 20:00", **FAY)
    before = bodies(await chat.say("meetings list", **FAY))
    assert bodies(await chat.say(typed, **FAY)) == TWO + hint
    assert bodies(await chat.say("meetings list", **FAY)) == before


async def test_who_and_reflect_take_the_time(chat: Chat, clock: Clock) -> None:
    """`meetings who DATE HH:MM` shows that meeting (it was refused as one argument too many); `meetings reflect`
    asks for the time with itself as the example and takes it."""
    await setup_group(chat, clock, "ann")
    await chat.say("meetings add 2026-11-10 20:00", **FAY)
    await chat.say("meetings going 2026-11-10 20:00", user="ann", channel="maps")
    who = await chat.say("meetings who 2026-11-10 20:00", **FAY)
    assert plain(who[0].title) == "Who is coming: Tue 10 Nov 2026 20:00 EST"
    assert plain(who[0].text) == "Going (1): ann\nCan't make it (0): nobody\nNo answer yet (1): fay"
    assert plain((await chat.say("meetings who 2026-11-10 18:00", **FAY))[0].text) == (
        "Going (0): nobody\nCan't make it (0): nobody\nNo answer yet (2): ann, fay"
    )
    clock.now = NOV10 + timedelta(hours=4)
    ann = {"user": "ann", "channel": "maps"}
    assert bodies(await chat.say("meetings reflect 2026-11-10", **ann)) == TWO + "`meetings reflect 2026-11-10 HH:MM`."
    assert bodies(await chat.say("meetings reflect 2026-11-10 20:00", **ann)).startswith("Plus/Delta (1/3)")
