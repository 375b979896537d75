"""Command arguments: words split like a shell would, and ``--option value`` pairs."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from bot.errors import UsageError

__all__ = ["parse_options", "split_args"]


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
            raise UsageError(f"unknown option {word!r}")
        else:
            rest.append(word)
    return opts, rest
