"""Command arguments: words split like a shell would, ``--option value`` pairs, and dates."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from datetime import date

from bot.errors import UsageError
from bot.usertext import quote

__all__ = ["NOT_A_DATE", "parse_date", "parse_options", "split_args", "user_id"]

NOT_A_DATE = "{what} wants a date like 2026-12-24, not {text!r}"
_USER_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def user_id(given: str) -> str | None:
    """The member ``given`` names: a Slack mention ``<@U123>`` (or ``<@U123|name>``), a Discord one ``<@!123>``,
    ``@name`` or a bare id; None when it names nobody (``<!channel>``, ``<#C1>``, text with spaces or brackets)."""
    bare = given.strip().removeprefix("<@").removeprefix("!").removesuffix(">").lstrip("@").split("|")[0]
    return bare if _USER_ID.fullmatch(bare) else None


def split_args(args: str) -> list[str]:
    """Split command arguments like a shell would (quotes group words).

    An apostrophe inside a word (``Maria's Python Circle``) is not a quote: when single quotes do not pair up, only
    double quotes group words; when those do not pair up either, the words are split at spaces.
    """
    try:
        return shlex.split(args)
    except ValueError:
        pass
    lexer = shlex.shlex(args, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    lexer.quotes = '"'
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        return args.split()


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
