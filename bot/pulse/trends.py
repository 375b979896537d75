"""Rates and trends the report computes the same way for check-ins and meetings."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence

__all__ = ["AT_RISK_FALLS", "falling", "rate", "trend"]

AT_RISK_FALLS = 3
"""A group is at risk when its rate fell this many weeks running."""


def rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` to four places, or None when there is no whole."""
    return round(part / whole, 4) if whole else None


def falling(weekly: Sequence[float | None]) -> bool:
    """Whether the last weeks with a value fell :data:`AT_RISK_FALLS` times running."""
    held = [w for w in weekly if w is not None][-(AT_RISK_FALLS + 1) :]
    return len(held) == AT_RISK_FALLS + 1 and all(b < a for a, b in itertools.pairwise(held))


def trend(weekly: Sequence[float | None]) -> float | None:
    """The least-squares slope of the weekly rates, in percentage points per week (None under two weeks)."""
    points = [(float(i), w * 100) for i, w in enumerate(weekly) if w is not None]
    if len(points) < 2:
        return None
    slope = statistics.linear_regression([x for x, _ in points], [y for _, y in points]).slope
    return round(slope, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
