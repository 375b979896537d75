"""Argument types shared by several subcommands: they turn text into values or tell argparse what is wrong."""

from __future__ import annotations

import argparse
from datetime import date, datetime

__all__ = ["aware_datetime", "day"]


def aware_datetime(text: str) -> datetime:
    """An ISO 8601 instant that names its time zone."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date and time") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone; add Z or an offset like +02:00")
    return value


def day(text: str) -> date:
    """A date like 2026-11-02."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-02") from None
