"""Schedules in local time: daylight-saving changes in three zones, and bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import islice

import pytest

from bot.errors import UsageError
from bot.schedule import Schedule, occurrences, parse_days, parse_time
from bot.zones import load_zone


def local_times(days: str, at: str, zone: str, start: date, n: int) -> list[str]:
    tz = load_zone(zone)
    rule = Schedule.weekly(parse_days(days), parse_time(at), start)
    after = datetime.combine(start - timedelta(days=1), time(0, 0), tzinfo=UTC)
    return [t.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") for t in islice(occurrences(rule, tz, after), n)]


@pytest.mark.parametrize(
    ("zone", "start", "expected"),
    [
        # Berlin springs forward on 29 Mar 2026 and falls back on 25 Oct 2026.
        ("Europe/Berlin", date(2026, 3, 24), ["2026-03-24 18:00 CET", "2026-03-31 18:00 CEST"]),
        ("Europe/Berlin", date(2026, 10, 20), ["2026-10-20 18:00 CEST", "2026-10-27 18:00 CET"]),
        # New York: 8 Mar 2026 and 1 Nov 2026.
        ("America/New_York", date(2026, 3, 3), ["2026-03-03 18:00 EST", "2026-03-10 18:00 EDT"]),
        ("America/New_York", date(2026, 10, 27), ["2026-10-27 18:00 EDT", "2026-11-03 18:00 EST"]),
        # Sydney, southern hemisphere: summer time ends 5 Apr 2026 and starts 4 Oct 2026.
        ("Australia/Sydney", date(2026, 3, 31), ["2026-03-31 18:00 AEDT", "2026-04-07 18:00 AEST"]),
        ("Australia/Sydney", date(2026, 9, 29), ["2026-09-29 18:00 AEST", "2026-10-06 18:00 AEDT"]),
    ],
)
def test_wall_clock_time_holds_across_dst(zone: str, start: date, expected: list[str]) -> None:
    """A Tuesday 18:00 check-in stays at 18:00 local on both sides of each change."""
    assert local_times("tue", "18:00", zone, start, 2) == expected


def test_nonexistent_time_runs_one_gap_later() -> None:
    """02:30 on Berlin's spring-forward night does not exist; it runs at 03:30 CEST (same instant as 02:30 CET)."""
    assert local_times("sun", "02:30", "Europe/Berlin", date(2026, 3, 22), 3) == [
        "2026-03-22 02:30 CET",
        "2026-03-29 03:30 CEST",
        "2026-04-05 02:30 CEST",
    ]


def test_repeated_time_runs_at_the_first() -> None:
    """01:30 happens twice on New York's fall-back night; the check-in runs at the first (EDT)."""
    tz = load_zone("America/New_York")
    rule = Schedule.weekly(parse_days("sun"), parse_time("01:30"), date(2026, 11, 1), count=1)
    (only,) = occurrences(rule, tz, datetime(2026, 10, 31, tzinfo=UTC))
    assert only == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert only.astimezone(tz).strftime("%H:%M %Z") == "01:30 EDT"


def test_several_days_count_and_until() -> None:
    """Mon/Wed/Fri for a count, and an end date, produce exactly those runs."""
    tz = load_zone("UTC")
    rule = Schedule.weekly(parse_days("mon,wed,fri"), parse_time("09:30"), date(2026, 3, 2), count=4)
    got = [t.strftime("%a %d") for t in occurrences(rule, tz, datetime(2026, 3, 1, tzinfo=UTC))]
    assert got == ["Mon 02", "Wed 04", "Fri 06", "Mon 09"]
    rule = Schedule.weekly(parse_days("tue"), parse_time("18:00"), date(2026, 3, 3), until=date(2026, 3, 17))
    assert len(list(occurrences(rule, tz, datetime(2026, 3, 1, tzinfo=UTC)))) == 3


def test_skip_dates_are_left_out() -> None:
    """A holiday's local date is skipped."""
    tz = load_zone("Europe/Berlin")
    rule = Schedule.weekly(parse_days("tue"), parse_time("18:00"), date(2026, 3, 3), count=3)
    got = list(occurrences(rule, tz, datetime(2026, 3, 1, tzinfo=UTC), frozenset({date(2026, 3, 10)})))
    assert [t.date().isoformat() for t in got] == ["2026-03-03", "2026-03-17"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: parse_time("25:00"), "'25:00' is not a time of day"),
        (lambda: parse_time("6pm"), "'6pm' is not a time of day"),
        (lambda: parse_days("tue,funday"), "'funday' is not a day"),
        (lambda: load_zone("Europe/Berln"), "Unknown time zone 'Europe/Berln'"),
        (lambda: load_zone("../etc/passwd"), "Unknown time zone"),
    ],
)
def test_bad_input_is_named(call: object, message: str) -> None:
    """Bad times, days and zones each get a specific message."""
    with pytest.raises(UsageError, match=message):
        call()  # type: ignore[operator]
