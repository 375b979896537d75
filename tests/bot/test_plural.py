"""Counts in what the bot says read as English: one noun for one, the plural for any other number; lists with "and"."""

from __future__ import annotations

from bot.plural import counted, listed


def test_one_is_singular_and_others_plural() -> None:
    """``1 member``, ``0 members``, ``2 members``, and a given plural where an s would be wrong."""
    assert [counted(n, "member") for n in (0, 1, 2)] == ["0 members", "1 member", "2 members"]
    assert counted(1, "entry", "entries") == "1 entry" and counted(3, "entry", "entries") == "3 entries"


def test_a_float_count_shows_no_needless_digits() -> None:
    """Hours from a setting read ``1 hour``, ``4 hours`` and ``1.5 hours``, never ``1.0 hour`` or ``1 hours``."""
    assert [counted(h, "hour") for h in (1.0, 4.0, 1.5, 0.5)] == ["1 hour", "4 hours", "1.5 hours", "0.5 hours"]


def test_a_list_reads_as_a_sentence() -> None:
    """Leads named in a reply read ``L-0001``, ``L-0001 and L-0002``, ``L-0001, L-0002 and L-0003``."""
    refs = ["L-0001", "L-0002", "L-0003"]
    assert [listed(refs[:n]) for n in range(4)] == ["", "L-0001", "L-0001 and L-0002", "L-0001, L-0002 and L-0003"]
