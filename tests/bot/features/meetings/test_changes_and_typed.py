"""What a new user hit (issue #17): moves onto taken times, changing past meetings, two meetings on a day, cancelled
meetings, and answering a reminder or a Reflect post by typing where its buttons cannot be pressed (the console)."""

from __future__ import annotations

from datetime import timedelta

from bot.main.wiring import BotApp
from bot.when import plain
from tests.bot.features.meetings.test_meetings import FAY, NOV3, NOV10, OCT27, START, bodies, setup_group
from tests.conftest import Chat, Clock


async def listed(chat: Chat) -> list[str]:
    return plain((await chat.say("meetings list", user="ann", channel="maps"))[0].text).splitlines()


async def test_a_move_onto_a_taken_time_is_refused(chat: Chat, clock: Clock) -> None:
    """Moving onto a taken time is refused, saying how to free it (not "`meetings move` changes its time")."""
    await setup_group(chat, clock, "ann")
    before = await listed(chat)
    assert bodies(await chat.say("meetings move 2026-11-03 2026-11-10 18:00", **FAY)) == (
        "Tue 10 Nov 2026 18:00 EST already has a meeting: move or cancel that one first "
        "(`meetings cancel 2026-11-10 18:00`), or pick another time."
    )
    assert await listed(chat) == before
    assert bodies(await chat.say("meetings cancel 2026-11-10", **FAY)) == (
        "The meeting of Tue 10 Nov 2026 18:00 EST is cancelled."
    )
    assert bodies(await chat.say("meetings move 2026-11-03 2026-11-10 18:00", **FAY)) == (  # a cancelled one is free
        "Meeting moved from Tue 03 Nov 2026 18:00 EST to Tue 10 Nov 2026 18:00 EST. "
        "Members are reminded of the new time."
    )


async def test_a_time_the_clocks_skip_is_said_where_the_meeting_lands(chat: Chat, clock: Clock) -> None:
    """02:30 on the night New York's clocks go forward does not exist: added or moved there, the meeting is at 03:30
    and the reply says so (it said only the new time, easy to miss); a time that exists says nothing more, and one
    that happens twice (the clocks go back) says the meeting is at the first."""
    await setup_group(chat, clock, "ann")
    assert bodies(await chat.say("meetings add 2027-03-14 02:30", **FAY)) == (
        "Meeting added: Sun 14 Mar 2027 03:30 EDT, 90 minutes. "
        "(02:30 does not exist that night: the clocks go forward, so the meeting is at 03:30.)"
    )
    assert bodies(await chat.say("meetings move 2027-03-14 2027-03-14 04:00", **FAY)) == (
        "Meeting moved from Sun 14 Mar 2027 03:30 EDT to Sun 14 Mar 2027 04:00 EDT. "
        "Members are reminded of the new time."
    )
    assert bodies(await chat.say("meetings move 2027-03-14 2027-03-14 02:15", **FAY)).endswith(
        "(02:15 does not exist that night: the clocks go forward, so the meeting is at 03:15.)"
    )
    assert bodies(await chat.say("meetings add 2026-11-01 01:30", **FAY)) == (  # New York falls back at 02:00
        "Meeting added: Sun 01 Nov 2026 01:30 EDT, 90 minutes. (01:30 happens twice that night: the clocks go "
        "back, and the meeting is at the first, Sun 01 Nov 2026 01:30 EDT.)"
    )


async def test_two_meetings_on_a_day_are_told_apart_by_their_time(chat: Chat, clock: Clock) -> None:
    """With 18:00 and 20:00 on one day, cancel and move ask for the time, and take it."""
    await setup_group(chat, clock, "ann")
    assert bodies(await chat.say("meetings add 2026-11-10 20:00", **FAY)).startswith("Meeting added: Tue 10 Nov")
    assert bodies(await chat.say("meetings cancel 2026-11-10", **FAY)) == (
        "Maps Circle has more than one meeting on 2026-11-10 (at 18:00, 20:00); "
        "give the time too, e.g. `meetings cancel 2026-11-10 HH:MM`."
    )
    assert bodies(await chat.say("meetings move 2026-11-10 20:00 21:00", **FAY)) == (
        "Meeting moved from Tue 10 Nov 2026 20:00 EST to Tue 10 Nov 2026 21:00 EST. "
        "Members are reminded of the new time."
    )
    assert bodies(await chat.say("meetings move 2026-11-10 21:00 2026-11-12 19:00", **FAY)) == (
        "Meeting moved from Tue 10 Nov 2026 21:00 EST to Thu 12 Nov 2026 19:00 EST. "
        "Members are reminded of the new time."
    )
    assert bodies(await chat.say("meetings add 2026-11-10 20:00", **FAY)).startswith("Meeting added: Tue 10 Nov")
    assert bodies(await chat.say("meetings cancel 2026-11-10 20:00", **FAY)) == (
        "The meeting of Tue 10 Nov 2026 20:00 EST is cancelled."
    )
    assert bodies(await chat.say("meetings cancel 2026-11-10 19:00", **FAY)) == (
        "Maps Circle has no scheduled meeting on 2026-11-10 19:00. `meetings list` shows the coming ones."
    )
    assert (await listed(chat))[2:] == [
        "• Tue 10 Nov 2026 18:00 EST, 90 min, at Room 2",
        "• Thu 12 Nov 2026 19:00 EST, 90 min",  # added without a place, so it has none
    ]


async def test_past_and_started_meetings_cannot_be_moved_or_cancelled(chat: Chat, clock: Clock) -> None:
    """A meeting that has taken place (or is under way) stays as it was: the report still counts it held."""
    await setup_group(chat, clock, "ann")
    clock.now = NOV3 + timedelta(minutes=30)  # the first has taken place, the second is under way
    for command in ("meetings cancel 2026-10-27", "meetings move 2026-10-27 2026-11-20 18:00"):
        assert bodies(await chat.say(command, **FAY)) == (
            "The meeting of Tue 27 Oct 2026 18:00 EDT has already started or taken place; "
            "only coming meetings can be moved or cancelled."
        )
    assert "Tue 03 Nov 2026 18:00 EST has already started" in bodies(
        await chat.say("meetings cancel 2026-11-03", **FAY)
    )
    report = plain((await chat.say("meetings report", **FAY))[0].text)
    assert report.splitlines()[-1].startswith("Meetings held: 2 ·")


async def test_a_cancelled_meeting_is_said_to_be_cancelled(chat: Chat, clock: Clock) -> None:
    """Moving or cancelling a cancelled meeting says it is cancelled, not that there is none."""
    await setup_group(chat, clock, "ann")
    await chat.say("meetings cancel 2026-11-10", **FAY)
    for command in ("meetings cancel 2026-11-10", "meetings move 2026-11-10 19:00"):
        assert bodies(await chat.say(command, **FAY)) == (
            "The meeting of Tue 10 Nov 2026 18:00 EST has been cancelled; `meetings add` sets a new one."
        ), command


async def test_going_and_cant_typed_count_as_the_buttons_do(chat: Chat, app: BotApp, clock: Clock) -> None:
    """`meetings going` answers for the next meeting, `meetings cant DATE` for that day's; `meetings who` shows both."""
    await setup_group(chat, clock, "ann", "bo")
    assert bodies(await chat.say("meetings going", user="ann", channel="maps")) == (
        "See you Tue 27 Oct 2026 18:00 EDT! (`meetings cant` changes your answer.)"
    )
    assert bodies(await chat.say("meetings cant 2026-11-03", user="bo", channel="maps")) == (
        "Thanks for letting the group know. "
        "You will get no more reminders for the meeting of Tue 03 Nov 2026 18:00 EST."
    )
    assert plain((await chat.say("meetings who", **FAY))[0].text) == (
        "Going (1): ann\nCan't make it (0): nobody\nNo answer yet (2): bo, fay"
    )
    await chat.say("meetings going", user="stranger", channel="maps")  # in the channel, not in the group
    assert plain((await chat.say("meetings who", **FAY))[0].text) == (
        "Going (2): ann, stranger (guest: not in the group)\nCan't make it (0): nobody\nNo answer yet (2): bo, fay"
    )
    await chat.say("meetings cant", user="stranger", channel="maps")
    assert plain((await chat.say("meetings who 2026-11-03", **FAY))[0].text) == (
        "Going (0): nobody\nCan't make it (1): bo\nNo answer yet (2): ann, fay"
    )
    await chat.say("meetings cant", user="ann", channel="maps")  # changed their mind: the last answer counts
    assert plain((await chat.say("meetings who", **FAY))[0].text).startswith(
        "Going (0): nobody\nCan't make it (2): ann, stranger (guest: not in the group)"
    )
    clock.now = OCT27 + timedelta(minutes=5)
    assert bodies(await chat.say("meetings going 2026-10-27", user="bo", channel="maps")) == (
        "The meeting of Tue 27 Oct 2026 18:00 EDT has already started or was cancelled."
    )
    clock.now = NOV10 + timedelta(hours=2)
    assert bodies(await chat.say("meetings going", user="bo", channel="maps")) == (
        "There is no coming meeting. `meetings list` shows the plan."
    )
    assert "Usage: `meetings going" in bodies(await chat.say("meetings going 2026-11-10 18:00 x", **FAY))


async def test_reflect_typed_opens_the_plus_delta_form_step_by_step(chat: Chat, app: BotApp, clock: Clock) -> None:
    """`meetings reflect` asks the Plus/Delta questions one by one; the answer counts in the report as a press would."""
    await setup_group(chat, clock, "ann", schedule="--weeks 2")
    clock.now = START
    assert bodies(await chat.say("meetings reflect", user="ann", channel="maps")) == (
        "No meeting is open for reflections now: they open when a meeting starts and close a day after it ends."
    )
    clock.now = OCT27 + timedelta(minutes=95)
    ann = {"user": "ann", "channel": "maps"}
    first = bodies(await chat.say("meetings reflect", **ann))
    assert first.startswith("Plus/Delta (1/3): What worked? (plus)\n(optional: answer 'skip' or '-' to leave it empty)")
    assert bodies(await chat.say("The map exercise", **ann)).startswith("Plus/Delta (2/3): What would you change?")
    assert bodies(await chat.say("skip", **ann)).startswith("Plus/Delta (3/3): How was it overall? (1 low, 5 high)")
    assert (
        bodies(await chat.say("5", **ann))
        == "Thanks, your reflection is saved; the facilitator sees it with the others."
    )
    clock.now = NOV3 + timedelta(hours=2)
    report = plain((await chat.say("meetings report", **FAY))[0].text)
    assert report.splitlines()[0] == (
        "• Tue 27 Oct 2026 18:00 EDT: going 0, can't 0, checked in 0, reflections 1, rating 5.0"
    )
    assert bodies(await chat.say("meetings reflect 2026-10-27", **ann)) == (
        "Reflections on the meeting of Tue 27 Oct 2026 18:00 EDT are closed."
    )
