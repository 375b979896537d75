"""The current time, passed around as a function so tests can fix it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "utcnow"]

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
