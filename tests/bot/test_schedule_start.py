"""A schedule set late in the day counts only check-ins still to come (issue: runs lost when set after the time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.main.wiring import BotApp
from tests.conftest import Chat, Clock, texts

GUS = {"user": "gus", "role": "facilitator", "channel": "go"}


async def upcoming(chat: Chat, clock: Clock, now: datetime, zone: str, schedule: str, channel: str = "go") -> str:
    clock.now = now
    who = {**GUS, "channel": channel}
    await chat.say(f"checkin create Go Gophers --tz {zone}", **who)
    out = texts(await chat.say(f"checkin schedule {schedule}", **who))
    assert "Scheduled. The first check-in is" in out, out
    return texts(await chat.say("checkin next", **who))


@pytest.mark.parametrize(
    ("now", "zone", "schedule", "expected", "left"),
    [
        (  # Friday 30 January 2026, 10:00 in Berlin: Friday's 09:30 has passed.
            datetime(2026, 1, 30, 9, 0, tzinfo=UTC),
            "Europe/Berlin",
            "mon,wed,fri 09:30 --count 3",
            ["Mon 02 Feb 2026 09:30 CET", "Wed 04 Feb 2026 09:30 CET", "Fri 06 Feb 2026 09:30 CET"],
            "3 check-ins left",
        ),
        (  # 12:00 in New York: today's 09:00 has passed.
            datetime(2026, 1, 30, 17, 0, tzinfo=UTC),
            "America/New_York",
            "daily 09:00 --count 2",
            ["Sat 31 Jan 2026 09:00 EST", "Sun 01 Feb 2026 09:00 EST"],
            "2 check-ins left",
        ),
        (  # Tuesday 3 February 2026, 18:30 in Berlin: today's 18:00 has passed.
            datetime(2026, 2, 3, 17, 30, tzinfo=UTC),
            "Europe/Berlin",
            "tue 18:00 --weeks 2",
            ["Tue 10 Feb 2026 18:00 CET", "Tue 17 Feb 2026 18:00 CET"],
            "2 check-ins left",
        ),
    ],
)
async def test_count_and_weeks_count_future_check_ins(
    chat: Chat, clock: Clock, now: datetime, zone: str, schedule: str, expected: list[str], left: str
) -> None:
    """`--count N` gives N future check-ins and `--weeks N` N future weeks, whatever the time of day it is set."""
    out = await upcoming(chat, clock, now, zone, schedule)
    listed = [line.removeprefix("• ") for line in out.splitlines() if line.startswith("• ")]
    assert listed == expected
    assert f"{left}, counting the next one." in out


async def test_set_exactly_at_the_time_counts_that_check_in(chat: Chat, app: BotApp, clock: Clock) -> None:
    """A schedule set at 18:00:00 for 18:00 counts today's check-in, and the next tick posts it."""
    now = datetime(2026, 2, 3, 17, 0, tzinfo=UTC)  # Tuesday 18:00 in Berlin
    out = await upcoming(chat, clock, now, "Europe/Berlin", "tue 18:00 --count 2")
    listed = [line.removeprefix("• ") for line in out.splitlines() if line.startswith("• ")]
    assert listed == ["Tue 03 Feb 2026 18:00 CET", "Tue 10 Feb 2026 18:00 CET"]
    posted = await app.scheduler.tick(now + timedelta(seconds=20))
    assert [r.title for r in posted if r.channel == "go"] == ["Check-in: Go Gophers"]
    assert "late" not in posted[0].text


async def test_start_date_keeps_its_meaning(chat: Chat, clock: Clock) -> None:
    """With --start, check-ins run on or after that date; a start date in the past still counts only future ones."""
    out = await upcoming(
        chat, clock, datetime(2026, 1, 30, 9, 0, tzinfo=UTC), "Europe/Berlin", "wed 09:30 --start 2026-02-09 --count 2"
    )
    assert [line for line in out.splitlines() if line.startswith("• ")] == [
        "• Wed 11 Feb 2026 09:30 CET",
        "• Wed 18 Feb 2026 09:30 CET",
    ]
    out = await upcoming(
        chat,
        clock,
        datetime(2026, 1, 30, 9, 0, tzinfo=UTC),
        "Europe/Berlin",
        "fri 09:30 --start 2026-01-01 --count 1",
        "rust",
    )
    assert [line for line in out.splitlines() if line.startswith("• ")] == ["• Fri 06 Feb 2026 09:30 CET"]
    assert "1 check-in left, counting the next one." in out
    # Said, not only done: a --start that has passed (a year typed wrong, say) is counted from today.
    again = texts(
        await chat.say("checkin schedule fri 09:30 --start 2025-01-01 --count 1", **{**GUS, "channel": "rust"})
    )
    assert again == (
        "\nScheduled. The first check-in is Fri 06 Feb 2026 09:30 CET. "
        "(--start Wed 01 Jan 2025 has passed, so check-ins are counted from today.)"
    )


async def test_open_ended_schedule_says_so(chat: Chat, clock: Clock) -> None:
    """A schedule with no count or end date says it repeats until cancelled."""
    out = await upcoming(chat, clock, datetime(2026, 1, 30, 9, 0, tzinfo=UTC), "Europe/Berlin", "tue 18:00")
    assert "The schedule repeats every week until it is cancelled." in out
