"""What the meetings handlers share: the place of a meeting, lengths, a group's meeting on a date."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from itertools import takewhile

from bot.args import QUOTES
from bot.errors import NotFound, UsageError
from bot.features.meetings import text
from bot.usertext import quote
from bot.when import at
from storage.meetings import Meeting
from storage.records import StudyGroup

__all__ = [
    "check_words",
    "local_day",
    "not_started",
    "on_day",
    "parse_length",
    "parse_where",
    "wall_clock",
    "where",
]

_LENGTH = re.compile(r"^(?:(\d+)h)?(?:(\d+)m?)?$")
_MIN_LENGTH, _MAX_LENGTH = 5, 12 * 60
_MAX_PLACE, _MAX_LINK = 200, 500


def parse_length(given: str) -> int:
    """``90m``, ``1h``, ``1h30m`` or ``90`` as minutes.

    Raises:
        UsageError: for anything else, or outside 5 minutes to 12 hours.
    """
    match = _LENGTH.match(given.strip().lower())
    if match is None or not any(match.groups()):
        raise UsageError(text.BAD_LENGTH.format(text=given))
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if not _MIN_LENGTH <= minutes <= _MAX_LENGTH:
        raise UsageError(text.BAD_LENGTH.format(text=given))
    return minutes


def check_words(
    words: Sequence[str], opts: Mapping[str, str], rest: Sequence[str], command: str, wants: str, usage: str
) -> None:
    """That ``rest``, the words of ``words`` that are no option, are the two a command ``wants`` (a date or days,
    and a time), or else why not: most often a place of several words not put in quotes (``--place Room 2``).

    Raises:
        UsageError: saying what is missing or too many, and ``usage``.
    """
    if len(rest) == 2:
        return
    if len(rest) < 2:
        raise UsageError(text.WANTS_TWO.format(command=command, wants=wants, usage=usage))
    place = opts.get("--place")
    if place is not None:
        at_place = max(i for i, word in enumerate(words) if word == "--place")
        after = list(takewhile(lambda w: not w.startswith("--"), words[at_place + 2 :]))[: len(rest) - 2]
        if after:
            said = " ".join([place, *after]).strip("".join(QUOTES))
            raise UsageError(text.PLACE_IN_QUOTES.format(place=quote(said), usage=usage))
    extra = quote(repr(" ".join(rest[2:])))
    raise UsageError(text.TOO_MANY_WORDS.format(command=command, wants=wants, extra=extra, usage=usage))


def parse_where(opts: dict[str, str]) -> tuple[str | None, str | None]:
    """The ``--place`` or ``--link`` of a command, checked.

    Raises:
        UsageError: both given, a place too long, or a link that is not http(s).
    """
    place, link = opts.get("--place"), opts.get("--link")
    if place is not None and link is not None:
        raise UsageError(text.PLACE_OR_LINK)
    if place is not None and len(place) > _MAX_PLACE:
        raise UsageError(text.PLACE_TOO_LONG)
    if link is not None and (len(link) > _MAX_LINK or not link.startswith(("https://", "http://"))):
        raise UsageError(text.BAD_LINK)
    return place, link


def where(meeting: Meeting) -> str:
    """``, at Room 2`` or ``, online: URL`` (empty when neither is set), quoted."""
    if meeting.place:
        return text.AT_PLACE.format(place=quote(meeting.place))
    if meeting.link:
        return text.AT_LINK.format(link=quote(meeting.link))
    return ""


def wall_clock(naive: datetime) -> str:
    """A naive local time as a meeting's ``local_start`` (``2026-11-03T18:00``)."""
    return naive.strftime("%Y-%m-%dT%H:%M")


def local_day(meeting: Meeting) -> date:
    """The date the meeting falls on, in its group's zone."""
    return datetime.fromisoformat(meeting.local_start).date()


def on_day(
    group: StudyGroup,
    meetings: list[Meeting],
    day: date,
    clock: time | None,
    command: str,
    rest: str = "",
) -> Meeting:
    """The one scheduled meeting of ``group`` on ``day`` (local), at ``clock`` when given.

    ``command`` is the command that picks it by date (and ``rest`` what was typed after the date), so that telling
    two meetings apart shows that command again with the time put in, not another command.

    Raises:
        NotFound: none that day (saying so when the meeting of that day was cancelled, and what to do next: to a
            facilitator moving or cancelling, ``meetings add``; to anyone else, ``meetings list``).
        UsageError: more than one, and no ``clock`` to tell them apart.
    """
    same = [m for m in meetings if local_day(m) == day and (clock is None or _clock(m) == clock)]
    found = [m for m in same if not m.cancelled]
    if not found:
        cancelled = [m for m in same if m.cancelled]
        if cancelled:
            then = text.CANCELLED_THEN_ADD if command in text.PLANNING else text.CANCELLED_THEN_LIST
            when = at(cancelled[-1].starts_at, cancelled[-1].timezone)
            raise NotFound(text.WAS_CANCELLED.format(when=when, then=then))
        day_text = day.isoformat() if clock is None else f"{day.isoformat()} {clock:%H:%M}"
        raise NotFound(text.NO_MEETING_ON.format(name=quote(group.name), day=day_text))
    if len(found) > 1:
        times = ", ".join(f"{_clock(m):%H:%M}" for m in found)
        again = f"{command} {day.isoformat()} HH:MM{' ' + rest if rest else ''}"
        raise UsageError(text.TWO_ON.format(name=quote(group.name), day=day.isoformat(), times=times, again=again))
    return found[0]


def not_started(meeting: Meeting, now: datetime) -> Meeting:
    """``meeting``, which must still be ahead: one that has started or taken place stays as it was.

    Raises:
        UsageError: it has started.
    """
    if meeting.starts_at <= now:
        raise UsageError(text.ALREADY_HELD.format(when=at(meeting.starts_at, meeting.timezone)))
    return meeting


def _clock(meeting: Meeting) -> time:
    return datetime.fromisoformat(meeting.local_start).time()
