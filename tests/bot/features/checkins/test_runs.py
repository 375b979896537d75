"""Check-in runs through the scheduler: posted, reminded and summarised, caught up after a restart, paused or
skipped, and posted once by two schedulers, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.events import Visibility
from bot.main.wiring import BotApp
from bot.when import plain
from tests.bot.features.checkins.conftest import FAY, FIRST, answer, setup_group, titled
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts


async def test_a_run_is_posted_reminded_and_summarised(chat: Chat, app: BotApp, clock: Clock) -> None:
    """At 18:00 the prompt is posted; later non-responders get one DM; at close the summary goes to the channel."""
    await setup_group(chat)
    assert await app.scheduler.tick(FIRST - timedelta(minutes=1)) == []
    posted = await app.scheduler.tick(FIRST)
    prompt = titled(posted, "Check-in: Maps Circle")
    assert len(prompt) == 1 and prompt[0].channel == "maps" and prompt[0].buttons[0].label == "Answer"
    assert "late" not in prompt[0].text
    clock.now = FIRST + timedelta(minutes=30)
    saved = await answer(chat, "ann", "Read chapter 1", "Chapter 2", "stuck on projections")
    assert "saved" in saved[0].text
    reminders = await app.scheduler.tick(FIRST + timedelta(hours=4))
    assert sorted(r.user or "" for r in reminders) == ["bo", "fay"]
    assert all(r.visibility is Visibility.DM and r.channel is None for r in reminders)
    assert await app.scheduler.tick(FIRST + timedelta(hours=5)) == []  # one reminder only
    summary = await app.scheduler.tick(FIRST + timedelta(hours=24))
    assert len(summary) == 1 and summary[0].channel == "maps"
    body = summary[0].text
    assert "Answered: 1 of 3 (33%)" in body and "⚠ ann: stuck on projections" in body
    assert "Not answered this time: bo, fay" in body and "can someone help" in body
    assert await app.scheduler.tick(FIRST + timedelta(hours=25)) == []


async def test_a_half_filled_answer_shows_in_the_summary_marked_partial(chat: Chat, app: BotApp, clock: Clock) -> None:
    """What a member answered before the close but never sent is in the summary, marked partial, not "not answered"."""
    await setup_group(chat)
    await app.scheduler.tick(FIRST)
    clock.now = FIRST + timedelta(minutes=30)
    await answer(chat, "ann", "Read chapter 1", "Chapter 2", "no")
    await answer(chat, "bo", "Mapped the park", "stuck on projections")  # the third question never answered
    summary, closed = await app.scheduler.tick(FIRST + timedelta(hours=24))  # and bo told his form closed
    assert summary.text == (
        "Answered: 1 of 3 (33%), and 1 partly (begun but not sent: marked partial)\n"
        "\n"
        "*What did you work on since last time?*\n"
        "• ann: Read chapter 1\n"
        "• bo (partial): Mapped the park\n"
        "\n"
        "*What will you work on next?*\n"
        "• ann: Chapter 2\n"
        "• bo (partial): stuck on projections\n"
        "\n"
        "*Is anything blocking you, or is there anything you need from the group?*\n"
        "• ann: no\n"
        "\n"
        "Not answered this time: fay"
    )
    assert closed.user == "bo" and closed.text.endswith("What you had answered is in the summary, marked partial.")


async def test_restart_catches_up_late_runs_and_marks_old_ones_missed(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """After downtime: a run within its window is posted late (saying so); older ones are marked missed, not posted."""
    bot = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await bot.start()
    await setup_group(Chat(bot))
    await bot.close()

    restarted = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await restarted.start()
    # Down from before the first run until 2 hours after the second: run 1 is past its 24 h window, run 2 is not.
    now = FIRST + timedelta(days=7, hours=2)
    posted = await restarted.scheduler.tick(now)
    prompts = titled(posted, "Check-in: Maps Circle")
    assert len(prompts) == 1
    assert "this check-in is late (it was due Tue 10 Mar 2026 18:00 CET)" in plain(prompts[0].text)
    assert titled(await restarted.scheduler.tick(now), "Check-in") == []  # never twice
    clock.now = now
    stats = texts(await Chat(restarted).say("checkin stats", user="ann", channel="maps"))
    assert "Tue 10 Mar 2026 18:00 CET: 0 answered (open)" in stats and "03 Mar" not in stats
    await restarted.close()


async def test_pause_skip_and_holidays(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Pause stops runs (no backlog on resume); skip-next and a holiday date are left out."""
    await setup_group(chat)
    out = texts(await chat.say("checkin skip-next", **FAY))
    assert "No check-in on Tue 03 Mar 2026. The next is Tue 10 Mar 2026 18:00 CET" in out
    out = texts(await chat.say("checkin skip 2026-03-17", **FAY))
    assert "The next is Tue 10 Mar 2026" in out
    assert titled(await app.scheduler.tick(FIRST + timedelta(hours=1)), "Check-in") == []
    assert len(titled(await app.scheduler.tick(FIRST + timedelta(days=7)), "Check-in: ")) == 1
    clock.now = FIRST + timedelta(days=8)
    await chat.say("checkin pause", **FAY)
    assert titled(await app.scheduler.tick(FIRST + timedelta(days=21)), "Check-in: ") == []
    clock.now = FIRST + timedelta(days=22)
    out = texts(await chat.say("checkin resume", **FAY))
    assert "the next is Tue 31 Mar 2026 18:00 CEST" in out
    nxt = texts(await chat.say("checkin next --tz America/New_York", user="ann", channel="maps"))
    assert "Tue 31 Mar 2026 18:00 CEST (America/New_York: Tue 31 Mar 2026 12:00 EDT)" in nxt
    await chat.say("checkin cancel", **FAY)
    assert "No check-ins are scheduled" in texts(await chat.say("checkin next", user="ann", channel="maps"))
    assert texts(await chat.say("checkin resume", **FAY)) == (
        "\nThis group has no schedule; set one with `checkin schedule`."
    )


async def test_skipping_a_day_with_no_check_in_says_so_and_changes_nothing(chat: Chat, app: BotApp) -> None:
    """`checkin skip` on a Thursday of a Tuesday schedule, a past day, or a day skipped already used to answer as a
    real skip does; now it names the dates that have a check-in, and the schedule is as it was."""
    await setup_group(chat)
    before = texts(await chat.say("checkin next", user="ann", channel="maps"))
    for day in ("2026-03-12", "2026-02-24"):
        assert texts(await chat.say(f"checkin skip {day}", **FAY)) == (
            f"\nThere is no check-in on {date.fromisoformat(day):%a %d %b %Y} to skip; the next ones are on "
            "Tue 03 Mar, Tue 10 Mar, Tue 17 Mar, Tue 24 Mar."
        )
    assert texts(await chat.say("checkin next", user="ann", channel="maps")) == before
    assert texts(await chat.say("checkin skip 2026-03-10", **FAY)).startswith("\nNo check-in on Tue 10 Mar 2026.")
    assert texts(await chat.say("checkin skip 2026-03-10", **FAY)) == (
        "\nTue 10 Mar 2026 is already skipped; nothing changed."
    )
    after = texts(await chat.say("checkin next", user="ann", channel="maps"))
    assert "• Tue 10 Mar" not in after and "5 check-ins left" in after


async def test_skipping_or_resuming_past_the_schedule_says_it_has_ended(chat: Chat, clock: Clock) -> None:
    """Skipping the last check-in, or resuming after the schedule ran out, says so and how to set a new one."""
    await chat.say("checkin create Maps Circle --tz europe/berlin", **FAY)  # any case
    await chat.say("checkin schedule tue 18:00 --count 1", **FAY)
    assert texts(await chat.say("checkin skip-next", **FAY)) == (
        "\nNo check-in on Tue 03 Mar 2026. That was the last one of the schedule; set a new one with "
        "`checkin schedule`."
    )
    await chat.say("checkin pause", **FAY)
    assert texts(await chat.say("checkin resume", **FAY)) == (
        "\nCheck-ins resumed, but the schedule has ended: set a new one with `checkin schedule`."
    )


async def test_two_schedulers_post_each_run_once(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """Two bot processes ticking together on one database post each run, reminder and summary exactly once."""
    bots = [BotApp(make_settings(db_target, tmp_path), clock=clock) for _ in range(2)]
    for bot in bots:
        await bot.start()
    try:
        chat = Chat(bots[0])
        for n in range(20):
            await chat.say(
                f"checkin create Group {n} --tz Europe/Berlin", user="fay", role="facilitator", channel=f"g{n}"
            )
            await chat.say("checkin schedule tue 18:00 --weeks 2", user="fay", role="facilitator", channel=f"g{n}")
        for moment in (FIRST, FIRST + timedelta(hours=4), FIRST + timedelta(days=1)):
            results = await asyncio.gather(*(bot.scheduler.tick(moment) for bot in bots))
            replies = [r for batch in results for r in batch]
            assert sorted(r.channel or r.user or "" for r in replies) == sorted(
                (f"g{n}" if moment != FIRST + timedelta(hours=4) else "fay") for n in range(20)
            ), moment
    finally:
        for bot in bots:
            await bot.close()


async def test_check_ins_that_follow_meetings_pause_and_resume(chat: Chat, app: BotApp, clock: Clock) -> None:
    """`checkin pause` said "paused" for check-ins tied to meetings, but they went out all the same, and `checkin
    resume` then said the group had no schedule. Now they pause and resume; pausing twice, resuming what is not
    paused, or pausing with no check-ins at all says so; tying them to meetings when none is planned says so."""
    clock.now = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    await chat.say("checkin create Maps Circle --tz UTC", **FAY)
    assert texts(await chat.say("checkin pause", **FAY)) == (
        "\nThis group has no schedule; set one with `checkin schedule`."
    )
    assert texts(await chat.say("checkin schedule before-meetings", **FAY)) == (
        "\nCheck-ins now go out 24 h before each meeting (see `meetings list`), instead of a weekly schedule. No "
        "meeting is planned ahead yet: each one added with `meetings add` gets its check-in."
    )
    await chat.say("meetings add 2026-03-10 18:00", **FAY)
    await chat.say("meetings add 2026-03-17 18:00", **FAY)
    assert texts(await chat.say("checkin pause", **FAY)) == (
        "\nCheck-ins for Maps Circle are paused. `checkin resume` starts them again."
    )
    assert texts(await chat.say("checkin pause", **FAY)) == (
        "\nCheck-ins for Maps Circle are already paused. `checkin resume` starts them again."
    )
    assert texts(await chat.say("checkin next", user="ann", channel="maps")) == (
        "\nCheck-ins go out 24 h before each meeting; `meetings list` shows the coming meetings. They are paused: "
        "`checkin resume` starts them again."
    )
    assert titled(await app.scheduler.tick(datetime(2026, 3, 9, 18, 0, tzinfo=UTC)), "Check-in: Maps Circle") == []
    clock.now = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    assert texts(await chat.say("checkin resume", **FAY)) == (
        "\nCheck-ins for Maps Circle resumed: they go out with its meetings again (`checkin next` says when)."
    )
    assert texts(await chat.say("checkin resume", **FAY)) == (
        "\nCheck-ins for Maps Circle are not paused: `checkin next` says when the next goes out."
    )
    posted = await app.scheduler.tick(datetime(2026, 3, 16, 18, 0, tzinfo=UTC))
    assert len(titled(posted, "Check-in: Maps Circle")) == 1
