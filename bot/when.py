"""Times as each reader reads them: the core marks a moment, each adapter shows it in its reader's zone.

A feature never formats a time it shows. It writes ``at(moment, zone)``, a token naming the instant and the zone to
fall back on (the group's), and the adapter turns each token into what its platform can do at delivery:

- Slack: ``<!date^TS^{date_short_pretty} {time}|fallback>`` (Slack shows it in the reader's own zone; the fallback,
  in the group's zone, is for clients that cannot);
- Discord: ``<t:TS:F>`` (and ``<t:TS:R>``, "in 3 hours", for tokens made with ``relative=True``; ``<t:TS:D>``, the
  date alone, for tokens made with ``date_only=True``);
- the console: the group's zone, and the reader's own (``me tz``) when it reads differently.

People are marked the same way: :func:`person` names a member by their platform id, and each adapter shows it as
its platform can (Slack ``<@U0ANN>``, Discord ``<@1234>``, which render as the member's current name; Discord never
pings, as every reply it sends allows no mentions); the console and plain text show the id.

Where no reader is known (a CSV file, a notification preview, a heading that takes plain text) :func:`plain` shows
the group's zone, as before. The token is delimited by two private-use characters, which :func:`bot.usertext.clean`
and :func:`bot.usertext.quote` remove from user text, so nobody can forge one; inside it are only digits, a zone
name and a flag, which no adapter's escaping changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CLOSE",
    "DAY",
    "OPEN",
    "TIME",
    "TOKEN",
    "Moment",
    "at",
    "for_reader",
    "local",
    "person",
    "plain",
    "render",
    "strip_marks",
]

OPEN = "\ue000"
CLOSE = "\ue001"
TIME = "%a %d %b %Y %H:%M %Z"
"""How an instant reads in a named zone (``Tue 03 Mar 2026 18:00 CET``)."""
DAY = "%-d %B %Y"
"""How a day reads (``3 March 2026``), for tokens that name a day rather than a time."""
YOUR_TIME = "{group} (your time: {mine})"
TOKEN = re.compile(f"{OPEN}(-?\\d{{1,12}})\\|([A-Za-z0-9_+\\-/]{{1,64}})\\|([RD]?){CLOSE}")
PERSON = re.compile(f"{OPEN}@([a-z]{{1,16}})\\|([A-Za-z0-9_.\\-]{{1,64}}){CLOSE}")
_MARKS = re.compile(f"[{OPEN}{CLOSE}]")


@dataclass(frozen=True)
class Moment:
    """One token, read back: the instant (UTC), the zone it falls back on, whether "in 3 hours" helps, and
    whether only its day matters ("you asked on 3 March 2026")."""

    instant: datetime
    zone: str
    relative: bool = False
    date_only: bool = False

    @property
    def timestamp(self) -> int:
        """Seconds since the epoch (what Slack's and Discord's syntaxes take)."""
        return int(self.instant.timestamp())


def at(moment: datetime, zone: str, *, relative: bool = False, date_only: bool = False) -> str:
    """A token for ``moment``, shown in each reader's zone, falling back on ``zone`` (the group's).

    Args:
        moment: an aware instant (to the minute; seconds are dropped).
        zone: an IANA zone name such as ``Europe/Berlin``.
        relative: also say how far off it is where the platform can (Discord's ``<t:TS:R>``).
        date_only: show the day alone, in the reader's zone (a past event's day, not its minute).
    """
    if moment.tzinfo is None:
        raise ValueError("at() needs an aware datetime")
    if relative and date_only:
        raise ValueError("a token is relative or a day, not both")
    flag = "R" if relative else "D" if date_only else ""
    return f"{OPEN}{int(moment.timestamp())}|{zone}|{flag}{CLOSE}"


def person(platform: str, user: str) -> str:
    """A token for the member ``user`` (their id on ``platform``), or ``user`` itself when it is not an id (a
    console name with spaces, an erased asker): the caller quotes what users may have typed."""
    if PERSON.fullmatch(f"{OPEN}@{platform}|{user}{CLOSE}") is None:
        return user
    return f"{OPEN}@{platform}|{user}{CLOSE}"


def _plain_person(platform: str, user: str) -> str:
    return user


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(instant: datetime, zone: str, *, date_only: bool = False) -> str:
    """``instant`` as people in ``zone`` read it (``Tue 03 Mar 2026 18:00 CET``, or ``3 March 2026``)."""
    return instant.astimezone(_zone(zone)).strftime(DAY if date_only else TIME)


def render(text: str, show: Callable[[Moment], str], name: Callable[[str, str], str] = _plain_person) -> str:
    """``text`` with each time token replaced by ``show(moment)`` (an adapter's syntax, or a console reader's zone)
    and each person token by ``name(platform, id)`` (the id unless the adapter can do better)."""
    if OPEN not in text:
        return text
    text = PERSON.sub(lambda match: name(match.group(1), match.group(2)), text)

    def one(match: re.Match[str]) -> str:
        instant = datetime.fromtimestamp(int(match.group(1)), UTC)
        return show(Moment(instant, match.group(2), match.group(3) == "R", match.group(3) == "D"))

    return strip_marks(TOKEN.sub(one, text))


def plain(text: str) -> str:
    """``text`` with every time in its group's zone: for places with no particular reader (files, headings)."""
    return render(text, lambda m: local(m.instant, m.zone, date_only=m.date_only))


def for_reader(zone: str | None) -> Callable[[Moment], str]:
    """How a reader in ``zone`` reads a token in plain text: the group's time, then theirs when it differs.

    ``Tue 03 Mar 2026 18:00 CET (your time: Wed 04 Mar 2026 02:00 JST)``; just the group's time without ``zone``.
    """

    def show(moment: Moment) -> str:
        theirs = local(moment.instant, moment.zone, date_only=moment.date_only)
        if zone is None:
            return theirs
        mine = local(moment.instant, zone, date_only=moment.date_only)
        if moment.date_only:  # a day needs no comparison: the reader's own is the one that means something
            return mine
        return theirs if mine == theirs else YOUR_TIME.format(group=theirs, mine=mine)

    return show


def strip_marks(text: str) -> str:
    """``text`` without the token delimiters (user text: a look-alike token then stays inert text)."""
    return _MARKS.sub("", text) if OPEN in text or CLOSE in text else text
