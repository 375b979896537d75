"""The meetings section of the pulse report: meetings held (and their reflections) by week, attendance (members who
said they were going, of the members at the time) per group with its trend, and the groups whose attendance fell three
weeks running."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.pulse.trends import falling, rate, trend
from storage.reports_meetings import MeetingTally

__all__ = ["GroupMeetings", "MeetingsPulse", "MeetingsWeek", "meetings_pulse"]


@dataclass(frozen=True)
class MeetingsWeek:
    """Meetings held in one week, their pooled attendance, and the reflections on them."""

    week: str
    held: int
    attendance: float | None
    reflections: int = 0


@dataclass(frozen=True)
class GroupMeetings:
    """One group's meetings over the period: attendance by week, its trend (points per week), the risk flag, and how
    many it held each week."""

    id: int
    name: str
    held: int
    attendance: float | None
    weekly: tuple[float | None, ...]
    trend: float | None
    at_risk: bool
    held_weekly: tuple[int, ...] = ()


@dataclass(frozen=True)
class MeetingsPulse:
    """Meetings held in the period, by week and by group."""

    held: int
    attendance: float | None
    weeks: tuple[MeetingsWeek, ...]
    groups: tuple[GroupMeetings, ...]

    @property
    def at_risk(self) -> tuple[GroupMeetings, ...]:
        """Groups whose meeting attendance fell three weeks running."""
        return tuple(g for g in self.groups if g.at_risk)

    def to_json(self) -> dict[str, Any]:
        """The section as plain JSON data."""
        return {
            "held": self.held,
            "attendance": self.attendance,
            "weeks": [vars(w) for w in self.weeks],
            "groups": [{**vars(g), "weekly": list(g.weekly), "held_weekly": list(g.held_weekly)} for g in self.groups],
            "at_risk": [g.id for g in self.at_risk],
        }


def _week(bounds: Sequence[datetime], at: datetime) -> int:
    return sum(1 for b in bounds[1:-1] if at >= b)


def meetings_pulse(
    weeks: Sequence[str], bounds: Sequence[datetime], tallies: Sequence[MeetingTally], names: dict[int, str]
) -> MeetingsPulse:
    """Count ``tallies`` (the meetings held in the period) by week and by group."""
    n = len(weeks)
    by_week: list[list[MeetingTally]] = [[] for _ in range(n)]
    by_group: dict[int, list[list[MeetingTally]]] = {}
    for t in tallies:
        index = _week(bounds, t.starts_at)
        by_week[index].append(t)
        by_group.setdefault(t.group_id, [[] for _ in range(n)])[index].append(t)
    groups = []
    for group_id, per_week in by_group.items():
        weekly = tuple(rate(sum(t.going for t in w), sum(max(t.members, t.going) for t in w)) for w in per_week)
        everything = [t for w in per_week for t in w]
        groups.append(
            GroupMeetings(
                id=group_id,
                name=names.get(group_id, f"#{group_id}"),
                held=len(everything),
                attendance=_pooled(everything),
                weekly=weekly,
                trend=trend(weekly),
                at_risk=falling(weekly),
                held_weekly=tuple(len(w) for w in per_week),
            )
        )
    groups.sort(key=lambda g: (g.name.casefold(), g.id))
    summary = tuple(
        MeetingsWeek(label, len(w), _pooled(w), sum(t.reflections for t in w))
        for label, w in zip(weeks, by_week, strict=True)
    )
    return MeetingsPulse(len(tallies), _pooled(tallies), summary, tuple(groups))


def _pooled(tallies: Sequence[MeetingTally]) -> float | None:
    return rate(sum(t.going for t in tallies), sum(max(t.members, t.going) for t in tallies))
