"""Command arguments: words split at spaces with quotes grouping them, ``--option value`` pairs, and dates."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from datetime import date

from bot.errors import UsageError
from bot.usertext import quote

__all__ = ["NOT_A_DATE", "OPENING_DOUBLE_QUOTES", "QUOTES", "parse_date", "parse_options", "split_args", "user_id"]

NOT_A_DATE = "{what} wants a date like 2026-12-24, not {text!r}"
_USER_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def user_id(given: str) -> str | None:
    """The member ``given`` names: a Slack mention ``<@U123>`` (or ``<@U123|name>``), a Discord one ``<@!123>``,
    ``@name`` or a bare id; None when it names nobody (``<!channel>``, ``<#C1>``, text with spaces or brackets)."""
    bare = given.strip().removeprefix("<@").removeprefix("!").removesuffix(">").lstrip("@").split("|")[0]
    return bare if _USER_ID.fullmatch(bare) else None


def split_args(args: str) -> list[str]:
    """Split command arguments at spaces, quotes grouping words: ``"Room 2"``, ``'Room 2'``, and the curly quotes
    that phones and Slack on macOS type for them (``“Room 2”``, ``‘Room 2’``, ``„Room 2“``).

    A quote opens only at the start of a word and closes only at the end of one, so an apostrophe inside a word
    (``Maria's``, ``Ann’s``) is a letter, also inside quotes (``'Ann's café'``); a quote that never closes is a
    letter too. Backslashes are letters. Nothing is ever refused.
    """
    words: list[str] = []
    ends = _word_ends(args)
    i, n = 0, len(args)
    while i < n:
        if args[i].isspace():
            i += 1
            continue
        end = _closing(args, i, ends)
        if end is not None:  # a quoted word: what is between the quotes, as typed
            words.append(args[i + 1 : end])
            i = end + 1
            continue
        start = i
        while i < n and not args[i].isspace():
            i += 1
        words.append(args[start:i])
    return words


_CLOSERS = {
    '"': '"”“',
    "“": '”"“',
    "„": '“”"',
    "'": "'’‘",
    "‘": "’'‘",
}
"""Each opening quote and the quotes that close it (a phone's smart quotes mix the two kinds)."""
QUOTES = frozenset(_CLOSERS).union(*_CLOSERS.values())
"""Every character :func:`split_args` reads as a quote, opening or closing."""
OPENING_DOUBLE_QUOTES = frozenset('"“„')
"""A word :func:`split_args` returns that starts with one of these opened a quote that never closed (a single quote
there may be an apostrophe: ``'90s``)."""


def _word_ends(args: str) -> dict[str, list[int]]:
    """For each quote character, where it ends a word, in order: found in one pass, so that a message of many quotes
    that never close is split in linear time, not rescanned from each one (a 24,000-character line took 4 s)."""
    ends: dict[str, list[int]] = {}
    for i, ch in enumerate(args):
        if ch in QUOTES and (i + 1 == len(args) or args[i + 1].isspace()):
            ends.setdefault(ch, []).append(i)
    return ends


def _closing(args: str, start: int, ends: dict[str, list[int]]) -> int | None:
    """Where the quote opening at ``start`` (the start of a word) closes: the first closing quote at the end of a
    word after it (``ends``, from :func:`_word_ends`); None when ``start`` is no quote, or one that never closes."""
    closers = _CLOSERS.get(args[start])
    if closers is None:
        return None
    found = [at[k] for at in (ends.get(c, []) for c in closers) if (k := bisect.bisect_right(at, start)) < len(at)]
    return min(found, default=None)


def parse_options(
    words: Sequence[str], allowed: set[str], flags: frozenset[str] | set[str] = frozenset()
) -> tuple[dict[str, str], list[str]]:
    """Split words into ``--option value`` pairs (and bare ``flags``) and the remaining positional words.

    Raises:
        UsageError: for an unknown option or one missing its value.
    """
    opts: dict[str, str] = {}
    rest: list[str] = []
    it = iter(words)
    for word in it:
        if word in flags:
            opts[word] = ""
        elif word in allowed:
            value = next(it, None)
            if value is None:
                raise UsageError(f"{word} needs a value")
            opts[word] = value
        elif word.startswith("--"):
            known = ", ".join(sorted({*allowed, *flags}))
            said = f"Unknown option {quote(repr(word))}"
            raise UsageError(f"{said}; this command takes {known}" if known else f"{said}; this command takes none")
        else:
            rest.append(word)
    return opts, rest


def parse_date(given: str, what: str) -> date:
    """``given`` as a date, for the option or argument ``what`` (``--since``, ``date``).

    Raises:
        UsageError: when it is not an ISO date (``2026-12-24``).
    """
    try:
        return date.fromisoformat(given)
    except ValueError:
        raise UsageError(NOT_A_DATE.format(what=what, text=given)) from None
