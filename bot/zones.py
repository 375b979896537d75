"""Time zones as people type them: IANA names in any case, place names with spaces (``new york``), and the
abbreviations (``EST``, ``CET``) that look like a place's zone and are not one, refused with the region meant.

Light on purpose (no dateutil): settings check their zones with it on every start.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import UsageError

__all__ = ["load_zone", "refuse_abbreviation", "resolve_zone", "zone_option", "zone_setting"]

_IANA_HINT = "use an IANA name like Europe/Berlin or America/New_York"
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
            raise UsageError(f"Unknown time zone {' '.join([given, *after[:count]])!r}; did you mean `{meant}`?")
    close = close_zones(given)
    hint = "did you mean " + ", ".join(f"`{c}`" for c in close) + "?" if close else _IANA_HINT
    raise UsageError(f"Unknown time zone {given!r}; {hint}")


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
        raise UsageError(f"Unknown time zone {name!r}; {_IANA_HINT}") from None


def zone_setting(value: str) -> str:
    """A setting's time zone, checked as a command's ``--tz`` is: the IANA name it is in any case.

    Raises:
        ValueError: an abbreviation (naming the region meant) or an unknown zone, for the settings' error.
    """
    try:
        return resolve_zone(value)
    except UsageError as exc:
        raise ValueError(str(exc)) from None
