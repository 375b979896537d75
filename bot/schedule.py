"""Recurring check-in times: weekly rules in a group's own time zone, turned into UTC instants.

The rule is kept in local wall-clock time (an RFC 5545 RRULE with a floating DTSTART, via dateutil), so 18:00 stays
18:00 across daylight-saving changes. Each local time becomes an instant with these rules at the switch:

- a time that does not exist (clocks jump forward past it) runs at the instant it would have had before the jump,
  which reads one gap later on the wall clock (02:30 on the spring-forward night in Berlin runs at 03:30 CEST);
- a time that happens twice (clocks fall back) runs at the first of the two (the summer-time one).
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import FR, MO, SA, SU, TH, TU, WE, WEEKLY, rrule, rrulestr, weekday

from bot.errors import UsageError

__all__ = [
    "Schedule",
    "load_zone",
    "local_minute",
    "local_time",
    "occurrences",
    "parse_days",
    "parse_time",
    "refuse_abbreviation",
    "resolve_zone",
    "zone_option",
]

_DAYS: dict[str, weekday] = {"mon": MO, "tue": TU, "wed": WE, "thu": TH, "fri": FR, "sat": SA, "sun": SU}
_ALIASES = {"weekdays": "mon,tue,wed,thu,fri", "daily": "mon,tue,wed,thu,fri,sat,sun", "weekends": "sat,sun"}
_IANA_HINT = "use an IANA name like Europe/Berlin or America/New_York"
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
# Abbreviations and legacy names that read like a place's zone and are not one: EST, HST and MST are fixed offsets
# that never move to summer time, the rest follow one country's rules or none. Each with the region meant by it.
_ABBREVIATIONS = {
    **dict.fromkeys(("est", "edt", "est5edt"), "America/New_York"),
    **dict.fromkeys(("cst", "cdt", "cst6cdt"), "America/Chicago"),
    **dict.fromkeys(("mst", "mdt", "mst7mdt"), "America/Denver"),
    **dict.fromkeys(("pst", "pdt", "pst8pdt"), "America/Los_Angeles"),
    **dict.fromkeys(("akst", "akdt"), "America/Anchorage"),
    "hst": "Pacific/Honolulu",
    **dict.fromkeys(("cet", "cest", "met"), "Europe/Berlin"),
    **dict.fromkeys(("eet", "eest"), "Europe/Athens"),
    **dict.fromkeys(("wet", "west"), "Europe/Lisbon"),
    "bst": "Europe/London",
    "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo",
    **dict.fromkeys(("aest", "aedt"), "Australia/Sydney"),
    **dict.fromkeys(("nzst", "nzdt"), "Pacific/Auckland"),
}
_FIXED_OFFSET = re.compile(r"^(etc/)?gmt[+-]\d+$|^factory$", re.IGNORECASE)


@cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone name by its case-folded form."""
    return {name.casefold(): name for name in available_timezones()}


def zone_name(given: str) -> str | None:
    """The IANA zone ``given`` names in any case (``europe/berlin`` is ``Europe/Berlin``), or None."""
    name = _zone_names().get(given.strip().casefold())
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def close_zones(given: str) -> list[str]:
    """Up to three zone names close to the misspelt ``given``."""
    names = _zone_names()
    return [names[c] for c in difflib.get_close_matches(given.strip().casefold(), list(names), n=3, cutoff=0.85)]


@cache
def _cities() -> dict[str, str]:
    """Every region zone by its city, case-folded (``new_york``: ``America/New_York``); the shortest name wins."""
    found: dict[str, str] = {}
    for name in sorted(available_timezones(), key=len, reverse=True):
        if "/" in name and not name.startswith(("Etc/", "SystemV/")):
            found[name.rsplit("/", 1)[1].casefold()] = name
    return found


def refuse_abbreviation(given: str) -> None:
    """Refuse an abbreviation or a fixed offset (``EST``, ``PST``, ``CET``, ``Etc/GMT+5``) where a place's zone is
    meant: a New York group on EST would meet an hour off all summer.

    Raises:
        UsageError: naming the region name to use instead.
    """
    meant = _ABBREVIATIONS.get(given.strip().casefold())
    if meant is None and not _FIXED_OFFSET.match(given.strip()):
        return
    hint = f"use a region name such as `{meant}`" if meant else _IANA_HINT.replace("an IANA name", "a region name")
    raise UsageError(
        f"{given!r} is an abbreviation or a fixed offset, not a place: it may not follow the daylight-saving "
        f"changes where you meet; {hint}"
    )


def resolve_zone(given: str, after: Sequence[str] = ()) -> str:
    """The IANA zone name ``given`` names, in any case. ``after``: the words typed after it, for a zone typed with
    spaces (``America/New York``, ``new york``).

    Raises:
        UsageError: for an abbreviation, or naming the zone when it is unknown, with the closest names when there
            are some.
    """
    refuse_abbreviation(given)
    name = zone_name(given)
    if name is not None:
        return name
    for count in range(len(after), -1, -1):
        typed = "_".join([given.strip(), *after[:count]])
        meant = zone_name(typed) or _cities().get(typed.casefold())
        if meant is not None:
            raise UsageError(f"unknown time zone {' '.join([given, *after[:count]])!r}; did you mean `{meant}`?")
    close = close_zones(given)
    hint = "did you mean " + ", ".join(f"`{c}`" for c in close) + "?" if close else _IANA_HINT
    raise UsageError(f"unknown time zone {given!r}; {hint}")


def zone_option(words: Sequence[str], option: str = "--tz") -> str | None:
    """The zone ``option`` gives in ``words`` (as :func:`bot.args.split_args` splits them), None without it.

    Raises:
        UsageError: as :func:`resolve_zone` does.
    """
    if option not in words:
        return None
    at = list(words).index(option) + 1
    after = list(itertools.takewhile(lambda w: not w.startswith("--"), words[at + 1 :]))
    return resolve_zone(words[at], after) if at < len(words) else None


def load_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``.

    Raises:
        UsageError: naming the zone when it is unknown.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r}; {_IANA_HINT}") from None


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
            raise UsageError("the number of check-ins must be at least 1")
        if until is not None and until < first.date():
            raise UsageError(f"the end date {until} is before the start date {first.date()}")
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
