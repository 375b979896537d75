"""Meetings end to end through the dispatcher and the scheduler, on SQLite and PostgreSQL, with an injected clock."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.events import Reply, Visibility
from bot.main.wiring import BotApp
from bot.when import plain
from storage.checkins import get_group_by_channel
from storage.meetings import NewMeeting, add_meetings
from tests.conftest import Chat, Clock, DbTarget, make_settings

FAY = {"user": "fay", "role": "facilitator", "channel": "maps"}
START = datetime(2026, 10, 21, 12, 0, tzinfo=UTC)  # a Wednesday
OCT27 = datetime(2026, 10, 27, 22, 0, tzinfo=UTC)  # Tue 18:00 EDT
NOV3 = datetime(2026, 11, 3, 23, 0, tzinfo=UTC)  # Tue 18:00 EST: New York left summer time on 1 November
NOV10 = datetime(2026, 11, 10, 23, 0, tzinfo=UTC)
REMINDER_TITLE = "Meeting reminder: Maps Circle"
TYPE_RSVP = "(Answer with `meetings going` or `meetings cant` in #maps.)"  # the console cannot press posted buttons
TYPE_REFLECT = "(Answer with `meetings reflect` in #maps.)"


async def setup_group(chat: Chat, clock: Clock, *members: str, schedule: str = "--weeks 3") -> None:
    clock.now = START
    await chat.say("checkin create Maps Circle --tz America/New_York", **FAY)
    for user in members:
        await chat.say("checkin join", user=user, channel="maps")
    said = bodies(await chat.say(f'meetings schedule tue 18:00 {schedule} --place "Room 2"', **FAY))
    assert said.startswith("Scheduled "), said


def bodies(replies: list[Reply]) -> str:
    """The replies' bodies (no titles), one per line."""
    return plain("\n".join(r.text for r in replies))


def titled(replies: list[Reply], title: str) -> list[Reply]:
    return [r for r in replies if plain(r.title or "") == title]


async def test_weekly_meetings_keep_18_00_across_the_november_change(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Tuesdays at 18:00 in New York stay 18:00 on both sides of 1 November, in the plan and in every reminder."""
    clock.now = START
    await chat.say("checkin create Maps Circle --tz America/New_York", **FAY)
    said = bodies(await chat.say('meetings schedule tue 18:00 --weeks 3 --place "Room 2"', **FAY))
    assert said == (
        "Scheduled 3 meetings of Maps Circle: first Tue 27 Oct 2026 18:00 EDT, "
        "last Tue 10 Nov 2026 18:00 EST, 90 minutes, at Room 2."
    )
    listed = await chat.say("meetings list", user="ann", channel="maps")
    assert plain(listed[0].title) == "Coming meetings of Maps Circle" and listed[0].visibility is Visibility.EPHEMERAL
    assert plain(listed[0].text) == (
        "• Tue 27 Oct 2026 18:00 EDT, 90 min, at Room 2\n"
        "• Tue 03 Nov 2026 18:00 EST, 90 min, at Room 2\n"
        "• Tue 10 Nov 2026 18:00 EST, 90 min, at Room 2"
    )
    shown = []
    for meeting in (OCT27, NOV3, NOV10):
        assert titled(await app.scheduler.tick(meeting - timedelta(hours=24, minutes=1)), REMINDER_TITLE) == []
        for before in (timedelta(hours=24), timedelta(hours=1)):
            (reminder,) = titled(await app.scheduler.tick(meeting - before), REMINDER_TITLE)
            assert reminder.channel == "maps" and reminder.platform == "console"
            assert [(b.label, b.value.split(":")[1]) for b in reminder.buttons] == [
                ("Going", "yes"),
                ("Can't make it", "no"),
            ]
            shown.append(plain(reminder.text))
    assert shown == [
        f"Maps Circle meets Tue {day} 2026 18:00 {zone}, at Room 2. Are you coming? {TYPE_RSVP}"
        for day, zone in (("27 Oct", "EDT"),) * 2 + (("03 Nov", "EST"),) * 2 + (("10 Nov", "EST"),) * 2
    ]


async def test_rsvp_counts_are_right_with_two_replicas_ticking(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """Two bots on one database send each reminder once; presses on either count once; "Can't make it" stops DMs."""
    bots = [BotApp(make_settings(db_target, tmp_path), clock=clock) for _ in range(2)]
    for bot in bots:
        await bot.start()
    try:
        chats = [Chat(bot) for bot in bots]
        await setup_group(chats[0], clock, "ann", "bo", "cy")
        await chats[0].say("checkin dm on", **FAY)
        for n in range(5):
            other = {"user": "gil", "role": "facilitator", "channel": f"g{n}"}
            await chats[1].say(f"checkin create Group {n} --tz America/New_York", **other)
            await chats[1].say("meetings schedule tue 18:00 --weeks 1", **other)
        at_24h = await asyncio.gather(*(bot.scheduler.tick(OCT27 - timedelta(hours=24)) for bot in bots))
        sent = [r for batch in at_24h for r in batch]
        assert sorted(r.channel or f"dm:{r.user}" for r in sent) == sorted(
            ["maps", "dm:ann", "dm:bo", "dm:cy", "dm:fay", *(f"g{n}" for n in range(5))]
        )
        (reminder,) = [r for r in sent if r.channel == "maps"]
        going, not_going = reminder.buttons
        clock.now = OCT27 - timedelta(hours=20)
        assert plain((await chats[0].press(going.action_id, going.value, user="ann", channel="maps"))[0].text) == (
            "See you Tue 27 Oct 2026 18:00 EDT! (You can still change your answer with the buttons.)"
        )
        await chats[1].press(not_going.action_id, not_going.value, user="bo", channel="maps")
        await chats[1].press(going.action_id, going.value, user="bo", channel="maps")  # changed their mind
        said = await chats[1].press(not_going.action_id, not_going.value, user="cy", channel="maps")
        assert plain(said[0].text) == (
            "Thanks for letting the group know. "
            "You will get no more reminders for the meeting of Tue 27 Oct 2026 18:00 EDT."
        )
        at_1h = await asyncio.gather(*(bot.scheduler.tick(OCT27 - timedelta(hours=1)) for bot in bots))
        sent = [r for batch in at_1h for r in batch]
        assert sorted(r.channel or f"dm:{r.user}" for r in sent) == sorted(
            ["maps", "dm:ann", "dm:bo", "dm:fay", *(f"g{n}" for n in range(5))]
        )
        who = await chats[0].say("meetings who", **FAY)
        assert plain(who[0].title) == "Who is coming: Tue 27 Oct 2026 18:00 EDT"
        assert plain(who[0].text) == "Going (2): ann, bo\nCan't make it (1): cy\nNo answer yet (1): fay"
        assert "only this group's facilitators" in bodies(
            await chats[0].say("meetings who", user="ann", channel="maps")
        )
        clock.now = OCT27 + timedelta(minutes=1)
        late = await chats[0].press(going.action_id, going.value, user="cy", channel="maps")
        assert plain(late[0].text) == "The meeting of Tue 27 Oct 2026 18:00 EDT has already started or was cancelled."
    finally:
        for bot in bots:
            await bot.close()


async def test_reflections_reach_the_facilitator_once(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """At the end a Reflect post; the Plus/Delta form saves; a day later the facilitator gets one summary by DM."""
    bots = [BotApp(make_settings(db_target, tmp_path), clock=clock) for _ in range(2)]
    for bot in bots:
        await bot.start()
    try:
        chat = Chat(bots[0])
        await setup_group(chat, clock, "ann", "bo", schedule="--weeks 1")
        assert "the facilitators by direct message" in bodies(await chat.say("meetings summary dm", **FAY))
        ends = OCT27 + timedelta(minutes=90)
        posts = [r for b in await asyncio.gather(*(bot.scheduler.tick(ends) for bot in bots)) for r in b]
        (post,) = titled(posts, "How did it go? Maps Circle")
        assert post.channel == "maps" and plain(post.text) == (
            "Thanks for meeting Tue 27 Oct 2026 18:00 EDT! One tap: what worked, "
            f"and what would you change? (It goes to the facilitators only.) {TYPE_REFLECT}"
        )
        clock.now = ends + timedelta(minutes=5)
        (opened,) = await chat.press(
            post.buttons[0].action_id, post.buttons[0].value, user="ann", channel="maps", modals=True
        )
        assert opened.form is not None and [f.label for f in opened.form.fields] == [
            "What worked? (plus)",
            "What would you change? (delta)",
            "How was it overall? (1 low, 5 high)",
        ]
        form_id = opened.form.form_id
        empty = await chat.submit(form_id, {"plus": "", "delta": "", "rating": "3"}, user="ann", channel="maps")
        assert dict(empty[0].form_errors) == {"plus": "Write what worked or what you would change."}
        saved = await chat.submit(
            form_id, {"plus": "pairing on maps", "delta": "", "rating": "5"}, user="ann", channel="maps"
        )
        assert plain(saved[0].text) == "Thanks, your reflection is saved; the facilitator sees it with the others."
        await chat.submit(
            form_id, {"plus": "", "delta": "start <@U1> on time", "rating": "3"}, user="bo", channel="maps"
        )
        later = ends + timedelta(hours=24)
        results = await asyncio.gather(*(bot.scheduler.tick(later) for bot in bots))
        (summary,) = [r for batch in results for r in batch]
        assert (summary.user, summary.visibility, plain(summary.title)) == (
            "fay",
            Visibility.DM,
            "Reflections: Maps Circle, Tue 27 Oct 2026 18:00 EDT",
        )
        assert plain(summary.text) == (
            "Going: 0 · Can't make it: 0 · Reflections: 2\n"
            "Rating: average 4.0 of 5 (2 rated)\n\n"
            "*What worked*\n• ann: pairing on maps\n\n"
            "*What to change*\n• bo: start <\u200b@U1> on time"
        )
        assert [r for bot in bots for r in await bot.scheduler.tick(later + timedelta(hours=1))] == []
        clock.now = later
        closed = await chat.submit(form_id, {"plus": "late"}, user="bo", channel="maps")
        assert plain(closed[0].text) == (
            "Reflections on the meeting of Tue 27 Oct 2026 18:00 EDT closed Wed 28 Oct 2026 19:30 EDT, "
            "so your Plus/Delta was not saved; I closed the form."
        )
    finally:
        for bot in bots:
            await bot.close()


async def test_a_late_joiner_gets_exactly_one_catch_up(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """Joining after the first meeting: one DM with the next meeting, what was covered and open blockers."""
    bots = [BotApp(make_settings(db_target, tmp_path), clock=clock) for _ in range(2)]
    for bot in bots:
        await bot.start()
    try:
        chat = Chat(bots[0])
        await setup_group(chat, clock, "ann")
        assert bodies(await chat.say("checkin schedule after-meetings", **FAY)) == (
            "Check-ins now go out at the end of each meeting (see `meetings list`), instead of a weekly schedule."
        )
        ends = OCT27 + timedelta(minutes=90)
        (prompt,) = titled(await bots[0].scheduler.tick(ends), "Check-in: Maps Circle")
        clock.now = ends + timedelta(minutes=10)
        answers = {"q0": "Read chapter 1", "q1": "Chapter 2", "q2": "stuck on projections"}
        await chat.submit(f"checkin:answer:{prompt.buttons[0].value}", answers, user="ann", channel="maps")
        assert titled(
            await bots[1].scheduler.tick(ends + timedelta(hours=24)), "Check-in summary: Maps Circle, Tue 27 Oct"
        )
        clock.now = ends + timedelta(hours=25)
        await chat.say("checkin join", user="dee", channel="maps")
        results = await asyncio.gather(*(bot.scheduler.tick(clock.now) for bot in bots))
        (dm,) = [r for batch in results for r in batch]
        assert (dm.user, dm.visibility, plain(dm.title)) == (
            "dee",
            Visibility.DM,
            "Welcome to Maps Circle: catching up",
        )
        assert plain(dm.text) == (
            "The next meeting is Tue 03 Nov 2026 18:00 EST, at Room 2.\n\n"
            "*What the group covered lately*\n"
            "Tue 27 Oct 2026 19:30 EDT:\n"
            "• ann: Read chapter 1\n\n"
            "*Open blockers* (maybe you can help)\n"
            "• ann: stuck on projections"
        )
        await chat.say("checkin leave", user="dee", channel="maps")
        await chat.say("checkin join", user="dee", channel="maps")
        again = await asyncio.gather(*(bot.scheduler.tick(clock.now + timedelta(minutes=1)) for bot in bots))
        assert [r for batch in again for r in batch] == []
    finally:
        for bot in bots:
            await bot.close()


async def test_move_and_cancel(chat: Chat, app: BotApp, clock: Clock) -> None:
    """A moved meeting is reminded at its new time; a cancelled one is not reminded and leaves the list."""
    await setup_group(chat, clock, "ann")
    moved = bodies(await chat.say("meetings move 2026-11-03 2026-11-04 18:30", **FAY))
    assert moved == (
        "Meeting moved from Tue 03 Nov 2026 18:00 EST to Wed 04 Nov 2026 18:30 EST. "
        "Members are reminded of the new time."
    )
    assert bodies(await chat.say("meetings cancel 2026-11-10", **FAY)) == (
        "The meeting of Tue 10 Nov 2026 18:00 EST is cancelled."
    )
    assert bodies(await chat.say("meetings cancel 2026-11-10", **FAY)) == (
        "The meeting of Tue 10 Nov 2026 18:00 EST has been cancelled; `meetings add` sets a new one."
    )
    listed = plain((await chat.say("meetings list", user="ann", channel="maps"))[0].text)
    assert listed.splitlines()[1:] == ["• Wed 04 Nov 2026 18:30 EST, 90 min, at Room 2"]
    await app.scheduler.tick(OCT27 + timedelta(days=2))  # the first meeting's notices are done
    assert titled(await app.scheduler.tick(NOV3 - timedelta(hours=24)), REMINDER_TITLE) == []
    (reminder,) = titled(await app.scheduler.tick(NOV3 + timedelta(minutes=30) - timedelta(hours=0)), REMINDER_TITLE)
    assert (
        plain(reminder.text) == f"Maps Circle meets Wed 04 Nov 2026 18:30 EST, at Room 2. Are you coming? {TYPE_RSVP}"
    )
    await app.scheduler.tick(NOV10 - timedelta(days=2))
    assert titled(await app.scheduler.tick(NOV10 - timedelta(hours=1)), REMINDER_TITLE) == []


async def test_report_and_formula_safe_csv(chat: Chat, app: BotApp, clock: Clock) -> None:
    """`meetings report` lists attendance and reflections per meeting; the CSV escapes formula cells."""
    await setup_group(chat, clock, "ann", "bo", schedule="--weeks 2")
    (reminder,) = titled(await app.scheduler.tick(OCT27 - timedelta(hours=24)), REMINDER_TITLE)
    clock.now = OCT27 - timedelta(hours=2)
    await chat.press(reminder.buttons[0].action_id, reminder.buttons[0].value, user="ann", channel="maps")
    await chat.press(reminder.buttons[1].action_id, reminder.buttons[1].value, user="bo", channel="maps")
    ends = OCT27 + timedelta(minutes=90)
    (post,) = titled(await app.scheduler.tick(ends), "How did it go? Maps Circle")
    clock.now = ends + timedelta(minutes=1)
    form_id = f"meetings:reflect:{post.buttons[0].value}"
    await chat.submit(
        form_id, {"plus": '=HYPERLINK("http://x")', "delta": "", "rating": "4"}, user="ann", channel="maps"
    )
    clock.now = NOV3 + timedelta(hours=2)
    report = await chat.say("meetings report", **FAY)
    assert plain(report[0].title) == "Maps Circle: meetings"
    assert plain(report[0].text) == (
        "• Tue 27 Oct 2026 18:00 EDT: going 1, can't 1, checked in 0, reflections 1, rating 4.0\n"
        "• Tue 03 Nov 2026 18:00 EST: going 0, can't 0, checked in 0, reflections 0\n\n"
        "Meetings held: 2 · average going: 0.5 · average checked in: 0.0"
    )
    exported = (await chat.say("meetings report csv", **FAY))[0]
    assert plain(exported.text) == "2 meetings exported." and exported.attachment is not None
    rows = list(csv.DictReader(io.StringIO(exported.attachment.content)))
    assert [(r["meeting_local"], r["user"], r["rsvp"], r["plus"], r["rating"]) for r in rows] == [
        ("2026-10-27 18:00", "ann", "yes", '\'=HYPERLINK("http://x")', "4"),
        ("2026-10-27 18:00", "bo", "no", "", ""),
        ("2026-10-27 18:00", "fay", "", "", ""),
        # a meeting nobody answered still lists every member (it used to be one row with an empty user)
        ("2026-11-03 18:00", "ann", "", "", ""),
        ("2026-11-03 18:00", "bo", "", "", ""),
        ("2026-11-03 18:00", "fay", "", "", ""),
    ]
    assert {r["checked_in"] for r in rows if r["user"] == "fay"} == {"no"}
    assert "only this group's facilitators" in bodies(await chat.say("meetings report", user="ann", channel="maps"))


async def test_checkins_before_meetings_and_reminder_settings(chat: Chat, app: BotApp, clock: Clock) -> None:
    """A check-in 24 h before each meeting; `meetings reminders 2h` replaces the default 24 h and 1 h reminders."""
    await setup_group(chat, clock, "ann", schedule="--weeks 1")
    assert bodies(await chat.say("checkin schedule before-meetings 24h", **FAY)) == (
        "Check-ins now go out 24 h before each meeting (see `meetings list`), instead of a weekly schedule."
    )
    assert bodies(await chat.say("checkin next", user="ann", channel="maps")) == (
        "Check-ins go out 24 h before each meeting; `meetings list` shows the coming meetings."
    )
    assert bodies(await chat.say("meetings schedule tue 18:00 --weeks 1", **FAY)) == (
        "That schedule adds no meeting: none after now, or all already planned (`meetings list`)."
    )
    assert bodies(await chat.say("meetings reminders 2h", **FAY)) == "Saved. Reminders before each meeting: 2h before."
    assert bodies(await chat.say("meetings reminders", user="ann", channel="maps")) == (
        "Reminders before each meeting: 2h before."
    )
    assert bodies(await chat.say("meetings add 2026-10-27 18:00", **FAY)) == (
        "Tue 27 Oct 2026 18:00 EDT already has a meeting; `meetings move` changes its time."
    )
    async with app.db.session() as session:  # one made another way (an import, say): still one check-in
        twin = NewMeeting(OCT27, "2026-10-27T18:00")
        await add_meetings(session, (await get_group_by_channel(session, "console", "maps")).id, [twin], clock.now)
    day_before = await app.scheduler.tick(OCT27 - timedelta(hours=24))
    assert [r.title for r in day_before] == ["Check-in: Maps Circle"]
    assert "Answers close Tue 27 Oct 2026 18:00 EDT" in plain(day_before[0].text)  # when the meeting starts
    assert len(titled(await app.scheduler.tick(OCT27 - timedelta(hours=2)), REMINDER_TITLE)) == 2  # one per meeting
    assert titled(await app.scheduler.tick(OCT27 - timedelta(hours=1)), REMINDER_TITLE) == []
    assert "Usage: `meetings reminders 24h 1h`" in bodies(await chat.say("meetings reminders soon", **FAY))


async def test_reminders_outside_5_minutes_to_7_days_are_refused(chat: Chat, clock: Clock) -> None:
    """A reminder less than 5 minutes or more than 7 days before, or a fourth one, is refused with the range and
    what the command takes; the reminders already set stay."""
    await setup_group(chat, clock, "ann")
    assert bodies(await chat.say("meetings reminders 2h", **FAY)) == "Saved. Reminders before each meeting: 2h before."
    for given in ("4m", "0h", "8d", "169h"):
        assert bodies(await chat.say(f"meetings reminders 24h {given}", **FAY)) == (
            f"`meetings reminders`: each reminder goes from 5m to 7d before the meeting, not '{given}'; "
            "nothing was changed."
        )
    assert bodies(await chat.say("meetings reminders 1h 2h 3h 4h", **FAY)) == (
        "`meetings reminders`: at most 3 reminders, e.g. `meetings reminders 24h 1h`; nothing was changed."
    )
    assert bodies(await chat.say("meetings reminders", user="ann", channel="maps")) == (
        "Reminders before each meeting: 2h before."
    )
    assert bodies(await chat.say("meetings reminders 7d 5m", **FAY)) == (
        "Saved. Reminders before each meeting: 168h before, 5m before."
    )
    assert bodies(await chat.say("meetings schedule tue 18:00 --weeks 53", **FAY)) == (
        "--weeks wants a whole number from 1 to 52, not '53'; nothing was changed."
    )


async def test_bad_input_and_permissions(chat: Chat, clock: Clock) -> None:
    """Members cannot schedule; bad lengths, links and past dates are explained."""
    await setup_group(chat, clock, "ann")
    refused = bodies(await chat.say("meetings add 2026-12-01 18:00", user="ann", channel="maps"))
    assert refused == "Sorry, only this group's facilitators (or staff) can do that."
    assert bodies(await chat.say("meetings add 2026-12-01 18:00 --length 2y", **FAY)) == (
        "A length is like 90m, 1h or 1h30m, between 5 minutes and 12 hours, not '2y'."
    )
    assert "A link must start with https://" in bodies(
        await chat.say("meetings add 2026-12-01 18:00 --link ftp://x", **FAY)
    )
    assert bodies(await chat.say("meetings add 2026-10-01 18:00", **FAY)) == (
        "Thu 01 Oct 2026 18:00 EDT has already passed; meetings are set in the future."
    )
    added = bodies(await chat.say("meetings add 2026-12-01 18:00 --length 1h --link https://meet.example.org/m", **FAY))
    assert added == "Meeting added: Tue 01 Dec 2026 18:00 EST, 60 minutes, online: https://meet.example.org/m."
