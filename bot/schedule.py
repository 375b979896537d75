"""Recurring check-in times: weekly rules in a group's own time zone, turned into UTC instants.

The rule is kept in local wall-clock time (an RFC 5545 RRULE with a floating DTSTART, via dateutil), so 18:00 stays
18:00 across daylight-saving changes. Each local time becomes an instant with these rules at the switch:

- a time that does not exist (clocks jump forward past it) runs at the instant it would have had before the jump,
  which reads one gap later on the wall clock (02:30 on the spring-forward night in Berlin runs at 03:30 CEST);
- a time that happens twice (clocks fall back) runs at the first of the two (the summer-time one).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import FR, MO, SA, SU, TH, TU, WE, WEEKLY, rrule, rrulestr, weekday

from bot.errors import UsageError

__all__ = ["Schedule", "local_minute", "local_time", "occurrences", "parse_days", "parse_time"]

_DAYS: dict[str, weekday] = {"mon": MO, "tue": TU, "wed": WE, "thu": TH, "fri": FR, "sat": SA, "sun": SU}
_ALIASES = {"weekdays": "mon,tue,wed,thu,fri", "daily": "mon,tue,wed,thu,fri,sat,sun", "weekends": "sat,sun"}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_time(text: str) -> time:
    """``HH:MM`` as a time of day.

    Raises:
        UsageError: for anything that is not a real time of day (``25:00``, ``6pm``).
    """
    match = _TIME.match(text.strip())
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise UsageError(f"{text!r} is not a time of day; use 24-hour HH:MM between 00:00 and 23:59")
    return time(int(match.group(1)), int(match.group(2)))


def parse_days(text: str) -> tuple[weekday, ...]:
    """``tue`` or ``mon,wed,fri`` (or ``weekdays``, ``daily``) as weekdays.

    Raises:
        UsageError: naming the word that is not a day.
    """
    words = _ALIASES.get(text.strip().lower(), text.strip().lower()).replace(" ", "").split(",")
    days = []
    for word in words:
        day = _DAYS.get(word[:3]) if word else None
        if day is None or (len(word) > 3 and not _full_name(word)):
            raise UsageError(f"{word!r} is not a day; use mon, tue, wed, thu, fri, sat, sun (comma-separated)")
        if day not in days:
            days.append(day)
    return tuple(days)


def _full_name(word: str) -> bool:
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return any(name.startswith(word) for name in names)


@dataclass(frozen=True)
class Schedule:
    """A weekly rule in local time; ``text`` is what is stored."""

    text: str

    @classmethod
    def weekly(
        cls,
        days: tuple[weekday, ...],
        at: time,
        start: date | datetime,
        count: int | None = None,
        until: date | None = None,
    ) -> Schedule:
        """Every week on ``days`` at ``at`` (local), from ``start``, ending after ``count`` runs or on ``until``.

        ``start`` is a local date (runs on or after its midnight) or a naive local date and time (runs at or after
        that minute), so ``count`` counts only check-ins that can still happen.
        """
        first = start if isinstance(start, datetime) else datetime.combine(start, time(0, 0))
        first = first.replace(second=0, microsecond=0)
        if count is not None and count < 1:
            raise UsageError("The number of check-ins must be at least 1")
        if until is not None and until < first.date():
            raise UsageError(f"The end date {until} is before the start date {first.date()}")
        rule = rrule(
            WEEKLY,
            byweekday=days,
            byhour=at.hour,
            byminute=at.minute,
            bysecond=0,
            dtstart=first,
            count=count,
            until=datetime.combine(until, time(23, 59)) if until else None,
        )
        return cls(str(rule))

    @property
    def ends(self) -> bool:
        """Whether the rule has a last check-in (it was set with a count or an end date)."""
        return "COUNT=" in self.text or "UNTIL=" in self.text

    def rule(self) -> rrule:
        """The dateutil rule (parsed once per distinct text)."""
        return _parse(self.text)


@lru_cache(maxsize=4096)
def _parse(text: str) -> rrule:
    parsed = rrulestr(text)
    assert isinstance(parsed, rrule)
    return parsed


def local_time(naive: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``naive`` in ``zone`` (see the module notes for DST gaps and repeats)."""
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def local_minute(instant: datetime, zone: ZoneInfo) -> datetime:
    """The wall-clock minute (naive) that ``instant`` falls in, in ``zone``."""
    return instant.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def occurrences(
    schedule: Schedule, zone: ZoneInfo, after: datetime, skip: frozenset[date] = frozenset()
) -> Iterator[datetime]:
    """Instants (UTC) of the schedule strictly after ``after``, leaving out local dates in ``skip``."""
    rule = schedule.rule()
    # Start a day early in local time so no occurrence near ``after`` is missed, then filter exactly.
    cursor = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    while True:
        naive = rule.after(cursor)
        if naive is None:
            return
        cursor = naive
        instant = local_time(naive, zone)
        if instant > after and naive.date() not in skip:
            yield instant
