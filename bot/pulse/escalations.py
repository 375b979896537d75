"""The report's "Escalations" section: questions passed to people in the period, how each ended, how fast.

An escalation ended ``solved`` (its thread was marked solved), ``peer`` (a person answered before staff were told),
``staff`` (answered after it reached the help channel) or is still ``open`` (nobody has answered yet).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from storage.escalations import Escalation

__all__ = ["OUTCOMES", "EscalationsPulse", "escalations_json", "escalations_note", "escalations_pulse", "outcome"]

OUTCOMES = ("peer", "staff", "solved", "open")


@dataclass(frozen=True)
class EscalationsPulse:
    """Escalations opened in the period by outcome, and the median hours to the first human answer."""

    total: int
    by_outcome: tuple[tuple[str, int], ...]
    answered: int
    median_hours_to_human: float | None


def outcome(e: Escalation) -> str:
    """How one escalation ended (see the module's docstring)."""
    if e.solved_at is not None:
        return "solved"
    if e.answered_at is None or e.state == "escalated":
        return "open"  # nobody replied, or its asker passed a reply that did not solve it on to staff
    return "peer" if e.escalated_at is None else "staff"


def escalations_pulse(rows: Sequence[Escalation]) -> EscalationsPulse:
    """Count ``rows`` by outcome and time their first human answers."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for e in rows:
        counts[outcome(e)] += 1
    waits = [(e.answered_at - e.created_at).total_seconds() / 3600 for e in rows if e.answered_at is not None]
    median = round(statistics.median(waits), 2) if waits else None
    return EscalationsPulse(len(rows), tuple(counts.items()), len(waits), median)


def escalations_json(pulse: EscalationsPulse) -> dict[str, Any]:
    """The section as plain JSON data."""
    return {
        "total": pulse.total,
        "by_outcome": dict(pulse.by_outcome),
        "answered": pulse.answered,
        "median_hours_to_human": pulse.median_hours_to_human,
    }


def escalations_note(pulse: EscalationsPulse, no_median: str) -> str:
    """The line under the table."""
    median = no_median if pulse.median_hours_to_human is None else f"{pulse.median_hours_to_human} h"
    return f"Median time to a human answer: {median} ({pulse.answered} of {pulse.total} answered)."
