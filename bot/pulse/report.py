"""The pulse report: what the community did, week by week, over a period.

Counting happens in SQL (:mod:`storage.reports`); this module turns the counts into rates, trends, clusters and the
JSON document (question texts with emails and phone numbers masked, :func:`bot.logs.mask_contacts`); the meetings
section is :mod:`bot.pulse.meetings` and the escalations section :mod:`bot.pulse.escalations`.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from dateutil.rrule import MO, WEEKLY, rrule
from rapidfuzz import fuzz, process

from bot.errors import UsageError
from bot.features.leads import STATUSES
from bot.logs import mask_contacts
from bot.pulse import text
from bot.pulse.escalations import EscalationsPulse, escalations_json, escalations_pulse
from bot.pulse.meetings import MeetingsPulse, meetings_pulse
from bot.pulse.trends import falling as _falling
from bot.pulse.trends import rate as _rate
from bot.pulse.trends import trend as _trend
from knowledge.topics import tokens
from storage import Database
from storage.escalations import escalations_between
from storage.reports import (
    GroupWeek,
    LeadTally,
    QuestionWeek,
    RecipeTally,
    group_names,
    group_weeks,
    lead_tallies,
    question_weeks,
    top_recipes,
    unanswered_between,
)
from storage.reports_meetings import meetings_between

__all__ = [
    "Gap",
    "GroupPulse",
    "GroupsWeek",
    "LeadsPulse",
    "Period",
    "QuestionsWeek",
    "Report",
    "build_report",
    "cluster_gaps",
    "period_for",
]

DEFAULT_WEEKS = 8
MAX_WEEKS = 160
# The same rule as `kb gaps`: greedy grouping by fuzzy similarity of the content words.
GAP_SIMILARITY = 75


@dataclass(frozen=True)
class Period:
    """The days a report covers (``until`` included), cut into ISO weeks in ``timezone``.

    ``bounds`` has one more entry than ``weeks``: week ``i`` runs from ``bounds[i]`` to ``bounds[i + 1]``.
    """

    since: date
    until: date
    timezone: str
    weeks: tuple[str, ...]
    bounds: tuple[datetime, ...]


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def period_for(since: date | None, until: date | None, zone_name: str, today: date) -> Period:
    """The period for ``--since``/``--until``; by default the last eight full weeks before ``today``'s week.

    Raises:
        UsageError: when ``since`` is after ``until`` or the period is longer than about three years.
    """
    zone = ZoneInfo(zone_name)
    this_monday = today - timedelta(days=today.weekday())
    if until is None:
        # The end of the last full week; or today, for a period that starts this week.
        until = this_monday - timedelta(days=1) if since is None or since < this_monday else today
    if since is None:
        last_monday = until - timedelta(days=until.weekday())
        since = last_monday - timedelta(weeks=DEFAULT_WEEKS - 1)
    if since > until:
        raise UsageError(text.SINCE_AFTER_UNTIL.format(since=since, until=until))
    mondays = [d.date() for d in rrule(WEEKLY, byweekday=MO, dtstart=since + timedelta(days=1), until=until)]
    starts = [since, *mondays]
    if len(starts) > MAX_WEEKS:
        raise UsageError(text.TOO_LONG.format(weeks=len(starts), max=MAX_WEEKS))
    labels = tuple("{}-W{:02d}".format(*d.isocalendar()[:2]) for d in starts)
    bounds = (*(_midnight(d, zone) for d in starts), _midnight(until + timedelta(days=1), zone))
    return Period(since, until, zone_name, labels, bounds)


@dataclass(frozen=True)
class QuestionsWeek:
    """Questions in one week (or the whole period, with ``week`` ``total``)."""

    week: str
    asked: int
    answered: int
    declined: int
    helpful: int
    not_helpful: int
    helpful_rate: float | None


@dataclass(frozen=True)
class Gap:
    """A group of similar questions the bot could not answer (or whose answer did not help)."""

    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class GroupsWeek:
    """Study groups in one week: groups that held a check-in, check-ins held, and pooled participation."""

    week: str
    active_groups: int
    checkins_held: int
    participation: float | None


@dataclass(frozen=True)
class GroupPulse:
    """One group over the period: participation by week, its trend (points per week), and whether it is at risk."""

    id: int
    name: str
    checkins: int
    participation: float | None
    weekly: tuple[float | None, ...]
    trend: float | None
    at_risk: bool


@dataclass(frozen=True)
class LeadsPulse:
    """Leads received in the period, by current status, and how fast staff first answered."""

    received: int
    weekly: tuple[int, ...]
    by_status: tuple[tuple[str, int], ...]
    responded: int
    median_first_response_hours: float | None
    won: int
    lost: int


@dataclass(frozen=True)
class Report:
    """Everything the report shows."""

    period: Period
    questions: tuple[QuestionsWeek, ...]
    questions_total: QuestionsWeek
    top_recipes: tuple[RecipeTally, ...]
    top_gaps: tuple[Gap, ...]
    groups_weekly: tuple[GroupsWeek, ...]
    groups: tuple[GroupPulse, ...]
    leads: LeadsPulse
    escalations: EscalationsPulse
    meetings: MeetingsPulse | None = None

    @property
    def at_risk(self) -> tuple[GroupPulse, ...]:
        """Groups whose participation fell three weeks running."""
        return tuple(g for g in self.groups if g.at_risk)

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON data."""
        return _json(self)


def _questions(label: str, asked: int, answered: int, helpful: int, not_helpful: int) -> QuestionsWeek:
    rate = _rate(helpful, helpful + not_helpful)
    return QuestionsWeek(label, asked, answered, asked - answered, helpful, not_helpful, rate)


def _question_weeks(period: Period, rows: Sequence[QuestionWeek]) -> tuple[tuple[QuestionsWeek, ...], QuestionsWeek]:
    by_week = {r.week: r for r in rows}
    weeks = []
    for index, label in enumerate(period.weeks):
        r = by_week.get(index, QuestionWeek(index, 0, 0, 0, 0))
        weeks.append(_questions(label, r.asked, r.answered, r.helpful, r.not_helpful))
    total = _questions(
        "total", *(sum(getattr(r, f) for r in rows) for f in ("asked", "answered", "helpful", "not_helpful"))
    )
    return tuple(weeks), total


def _first_match(key: str, heads: list[str]) -> int | None:
    if not heads:
        return None
    scores = process.cdist([key], heads, scorer=fuzz.token_set_ratio, score_cutoff=GAP_SIMILARITY)[0]
    hits = np.flatnonzero(scores)
    return int(hits[0]) if hits.size else None


def cluster_gaps(asked: Sequence[tuple[str, int]], limit: int = 10, examples: int = 3) -> tuple[Gap, ...]:
    """Group unanswered questions the way ``kb gaps`` does; biggest groups first.

    Args:
        asked: distinct question texts with how often each was asked, in order of first asking.
        limit: how many groups to keep.
        examples: how many example questions to keep per group (most asked first).
    """
    heads: list[str] = []
    groups: list[list[tuple[str, int]]] = []
    for question, count in asked:
        key = " ".join(tokens(question))
        index = _first_match(key, heads)
        if index is None:
            heads.append(key)
            groups.append([(question, count)])
        else:
            groups[index].append((question, count))
    ranked = sorted(groups, key=lambda g: sum(c for _, c in g), reverse=True)[:limit]
    return tuple(
        Gap(sum(c for _, c in g), tuple(q for q, _ in sorted(g, key=lambda m: -m[1])[:examples])) for g in ranked
    )


def _groups(
    period: Period, rows: Sequence[GroupWeek], names: dict[int, str]
) -> tuple[tuple[GroupsWeek, ...], tuple[GroupPulse, ...]]:
    n = len(period.weeks)
    by_group: dict[int, list[GroupWeek]] = {}
    for r in rows:
        by_group.setdefault(r.group_id, []).append(r)
    groups = []
    for group_id, weeks in by_group.items():
        weekly: list[float | None] = [None] * n
        for w in weeks:
            weekly[w.week] = _rate(w.answered, w.expected)
        groups.append(
            GroupPulse(
                id=group_id,
                name=names.get(group_id, f"#{group_id}"),
                checkins=sum(w.checkins for w in weeks),
                participation=_rate(sum(w.answered for w in weeks), sum(w.expected for w in weeks)),
                weekly=tuple(weekly),
                trend=_trend(weekly),
                at_risk=_falling(weekly),
            )
        )
    groups.sort(key=lambda g: (g.name.casefold(), g.id))
    by_week: dict[int, list[GroupWeek]] = {}
    for r in rows:
        by_week.setdefault(r.week, []).append(r)
    summary = []
    for index, label in enumerate(period.weeks):
        week = by_week.get(index, [])
        participation = _rate(sum(r.answered for r in week), sum(r.expected for r in week))
        summary.append(GroupsWeek(label, len(week), sum(r.checkins for r in week), participation))
    return tuple(summary), tuple(groups)


def _leads(period: Period, leads: Sequence[LeadTally]) -> LeadsPulse:
    weekly = [0] * len(period.weeks)
    for lead in leads:
        index = sum(1 for b in period.bounds[1:-1] if lead.created_at >= b)
        weekly[index] += 1
    counts = {status: 0 for status in STATUSES}
    for lead in leads:
        counts[lead.status] = counts.get(lead.status, 0) + 1
    waits = [(lead.first_response_at - lead.created_at) for lead in leads if lead.first_response_at is not None]
    median = round(statistics.median(w.total_seconds() for w in waits) / 3600, 2) if waits else None
    return LeadsPulse(
        received=len(leads),
        weekly=tuple(weekly),
        by_status=tuple(counts.items()),
        responded=len(waits),
        median_first_response_hours=median,
        won=counts["won"],
        lost=counts["lost"],
    )


async def build_report(db: Database, period: Period, top: int = 10) -> Report:
    """Count everything for ``period`` and assemble the report (the clustering runs in a worker thread)."""
    since, until = period.bounds[0], period.bounds[-1]
    async with db.session() as session:
        questions = await question_weeks(session, period.bounds)
        recipes = await top_recipes(session, since, until, top)
        unanswered = await unanswered_between(session, since, until)
        group_rows = await group_weeks(session, period.bounds)
        names = await group_names(session, [r.group_id for r in group_rows])
        leads = await lead_tallies(session, since, until)
        held = await meetings_between(session, since, until)
        names |= await group_names(session, [t.group_id for t in held])
        escalated = escalations_pulse(await escalations_between(session, since, until))
    # Members paste contact details into questions; the report and the digest show question texts to staff.
    masked = [(mask_contacts(question), count) for question, count in unanswered]
    gaps = await asyncio.to_thread(cluster_gaps, masked, top)
    weekly, total = _question_weeks(period, questions)
    groups_weekly, groups = _groups(period, group_rows, names)
    meetings = meetings_pulse(period.weeks, period.bounds, held, names)
    leads_pulse = _leads(period, leads)
    return Report(period, weekly, total, tuple(recipes), gaps, groups_weekly, groups, leads_pulse, escalated, meetings)


def _json(report: Report) -> dict[str, Any]:
    p = report.period
    return {
        "period": {
            "since": p.since.isoformat(),
            "until": p.until.isoformat(),
            "timezone": p.timezone,
            "weeks": list(p.weeks),
        },
        "questions": {
            "weeks": [vars(w) for w in report.questions],
            "total": vars(report.questions_total),
        },
        "top_recipes": [vars(r) for r in report.top_recipes],
        "top_gaps": [{"count": g.count, "examples": list(g.examples)} for g in report.top_gaps],
        "study_groups": {
            "active_groups": len(report.groups),
            "checkins_held": sum(g.checkins for g in report.groups),
            "weeks": [vars(w) for w in report.groups_weekly],
            "groups": [{**vars(g), "weekly": list(g.weekly)} for g in report.groups],
            "at_risk": [g.id for g in report.at_risk],
        },
        "leads": {
            "received": report.leads.received,
            "weeks": [{"week": w, "received": n} for w, n in zip(p.weeks, report.leads.weekly, strict=True)],
            "by_status": dict(report.leads.by_status),
            "responded": report.leads.responded,
            "median_first_response_hours": report.leads.median_first_response_hours,
            "won": report.leads.won,
            "lost": report.leads.lost,
        },
        "escalations": escalations_json(report.escalations),
        "meetings": report.meetings.to_json() if report.meetings is not None else None,
        "not_tracked": {},
    }
