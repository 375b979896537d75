"""Counts in what the bot says: ``1 member`` and ``2 members``, never ``1 check-ins`` or ``2 member(s)``; lists as
``a, b and c``."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["counted", "listed"]


def counted(n: float, singular: str, plural: str | None = None) -> str:
    """``n`` with the noun that goes with it.

    Args:
        n: how many; a float shows as few digits as it needs (``4.0`` as ``4``, ``1.5`` as ``1.5``).
        singular: the noun for one (``member``, ``example question``).
        plural: the noun for any other number, where adding an s is wrong (``entry``, ``entries``).

    Returns:
        ``counted(1, "member")`` is ``1 member``; ``counted(0, "member")`` and ``counted(2, "member")`` are
        ``0 members`` and ``2 members``; ``counted(1.0, "hour")`` is ``1 hour`` and ``counted(0.5, "hour")``
        ``0.5 hours``.
    """
    shown = f"{n:g}" if isinstance(n, float) else str(n)
    return f"{shown} {singular if n == 1 else plural or singular + 's'}"


def listed(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: words as a sentence lists them ("" for none)."""
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)
