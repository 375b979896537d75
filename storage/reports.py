"""Read-only queries for the pulse report, counted by week in SQL; and the claim that sends a digest once.

Weeks are given as a list of boundaries ``b0 < b1 < ... < bn``: week ``i`` is ``[b_i, b_{i+1})``. A CASE expression
turns a timestamp into its week number, so the same query counts by week on SQLite and PostgreSQL, in any time zone
the caller chose for the boundaries.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, SQLColumnExpression, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.forget import FORGOTTEN
from storage.models import (
    AskedQuestionRow,
    CheckinAnswerRow,
    CheckinRunRow,
    DigestClaimRow,
    GroupMemberRow,
    LeadEventRow,
    LeadRow,
    StudyGroupRow,
)
from storage.models_votes import AnswerVoteRow
from storage.prefs import absences
from storage.votes import latest_votes, tally_by_recipe

__all__ = [
    "STAFF_LEAD_EVENTS",
    "GivenAnswer",
    "GroupContact",
    "GroupWeek",
    "LeadTally",
    "QuestionWeek",
    "RecipeTally",
    "answers_between",
    "claim_digest",
    "group_contacts",
    "group_names",
    "group_weeks",
    "lead_tallies",
    "question_weeks",
    "top_recipes",
    "unanswered_between",
]

# History entries that mean a person on staff acted on a lead (not the requester, not the bot's reminder).
STAFF_LEAD_EVENTS = ("status", "assigned", "note")


@dataclass(frozen=True)
class QuestionWeek:
    """Questions asked in one week."""

    week: int
    asked: int
    answered: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class RecipeTally:
    """How often a recipe was given in the period, and the feedback it got."""

    recipe_id: str
    given: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class GroupWeek:
    """One group's check-ins held in one week: answers given out of answers expected."""

    group_id: int
    week: int
    checkins: int
    answered: int
    expected: int


@dataclass(frozen=True)
class LeadTally:
    """A lead received in the period: its status and when staff first acted on it (None if not yet)."""

    lead_id: int
    status: str
    created_at: datetime
    first_response_at: datetime | None


def _week_of(column: SQLColumnExpression[datetime], bounds: Sequence[datetime]) -> ColumnElement[int]:
    whens = [(column < upper, index) for index, upper in enumerate(bounds[1:])]
    return case(*whens, else_=-1)


def _check(bounds: Sequence[datetime]) -> None:
    if len(bounds) < 2 or any(later <= earlier for earlier, later in itertools.pairwise(bounds)):
        raise ValueError("week boundaries must be at least two instants in increasing order")


async def question_weeks(session: AsyncSession, bounds: Sequence[datetime]) -> list[QuestionWeek]:
    """Questions asked, answered, and rated helpful or not, per week (weeks with none are left out)."""
    _check(bounds)
    q = AskedQuestionRow
    week = _week_of(q.created_at, bounds).label("week")
    rows = await session.execute(
        select(
            week,
            func.count(),
            func.sum(case((q.recipe_id.is_not(None), 1), else_=0)),
            func.sum(case((q.feedback == "helpful", 1), else_=0)),
            func.sum(case((q.feedback == "not_helpful", 1), else_=0)),
        )
        .where(q.created_at >= bounds[0], q.created_at < bounds[-1])
        .group_by(week)
        .order_by(week)
    )
    return [QuestionWeek(int(r[0]), int(r[1]), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0)) for r in rows]


async def top_recipes(session: AsyncSession, since: datetime, until: datetime, limit: int) -> list[RecipeTally]:
    """The recipes given most often in ``[since, until)``, with the votes on each for those questions (as ``kb stats``
    counts them: a vote on a recipe picked instead is that recipe's, and each member's latest vote on it counts
    once); ties by recipe id."""
    q, v = AskedQuestionRow, AnswerVoteRow
    period = (q.created_at >= since, q.created_at < until)
    given = func.count().label("given")
    top = await session.execute(
        select(q.recipe_id, given)
        .where(q.recipe_id.is_not(None), *period)
        .group_by(q.recipe_id)
        .order_by(given.desc(), q.recipe_id)
        .limit(limit)
    )
    counts = [(str(recipe_id), int(n)) for recipe_id, n in top]
    latest = latest_votes(v.recipe_id.in_([r for r, _ in counts]), v.question_id.in_(select(q.id).where(*period)))
    tally = await tally_by_recipe(session, latest)
    return [RecipeTally(r, n, *tally.get(r, (0, 0))) for r, n in counts]


async def unanswered_between(session: AsyncSession, since: datetime, until: datetime) -> list[tuple[str, int]]:
    """Questions declined or marked not helpful in ``[since, until)`` (what ``kb gaps`` works from).

    Returns each distinct text with how often it was asked, in order of first asking; a wording erased with its
    asker's data is no gap to show.
    """
    q = AskedQuestionRow
    first = func.min(q.id).label("first")
    rows = await session.execute(
        select(q.question, func.count(), first)
        .where(
            (q.recipe_id.is_(None)) | (q.feedback == "not_helpful"),
            q.question != FORGOTTEN,
            q.created_at >= since,
            q.created_at < until,
        )
        .group_by(q.question)
        .order_by(first)
    )
    return [(str(r[0]), int(r[1])) for r in rows]


async def group_weeks(session: AsyncSession, bounds: Sequence[datetime]) -> list[GroupWeek]:
    """Per group and week: check-ins held (posted, not missed), answers given and answers expected.

    A run expects an answer from everyone who was a member when it closed (and from anyone who answered), but for
    members away that day (``me away``) who did not answer: they were excused, as the run's summary and ``checkin
    stats`` count them.
    """
    _check(bounds)
    run = CheckinRunRow
    runs = (
        await session.execute(
            select(run.id, run.group_id, run.scheduled_at, run.closes_at, _week_of(run.scheduled_at, bounds)).where(
                run.status != "missed", run.scheduled_at >= bounds[0], run.scheduled_at < bounds[-1]
            )
        )
    ).all()
    if not runs:
        return []
    group_ids = sorted({r[1] for r in runs})
    answered: dict[int, set[str]] = {}
    for run_id, user in await session.execute(
        select(CheckinAnswerRow.run_id, CheckinAnswerRow.user_id).where(
            CheckinAnswerRow.run_id.in_([r[0] for r in runs])
        )
    ):
        answered.setdefault(run_id, set()).add(user)
    members: dict[int, list[tuple[str, datetime]]] = {}
    for group_id, user, joined in await session.execute(
        select(GroupMemberRow.group_id, GroupMemberRow.user_id, GroupMemberRow.joined_at).where(
            GroupMemberRow.group_id.in_(group_ids)
        )
    ):
        members.setdefault(group_id, []).append((user, joined))
    where = {
        gid: (platform, zone)
        for gid, platform, zone in await session.execute(
            select(StudyGroupRow.id, StudyGroupRow.platform, StudyGroupRow.timezone).where(
                StudyGroupRow.id.in_(group_ids)
            )
        )
    }
    away = await absences(session, bounds[0], until=bounds[-1])
    totals: dict[tuple[int, int], list[int]] = {}
    for run_id, group_id, scheduled_at, closes_at, week in runs:
        given = answered.get(run_id, set())
        roster = {user for user, joined in members.get(group_id, []) if joined <= closes_at}
        platform, zone = where[group_id]
        excused = away.among(platform, roster - given, zone, at=scheduled_at)
        total = totals.setdefault((group_id, week), [0, 0, 0])
        total[0] += 1
        total[1] += len(given)
        total[2] += len(roster | given) - len(excused)
    return [GroupWeek(gid, week, *counts) for (gid, week), counts in sorted(totals.items())]


async def group_names(session: AsyncSession, group_ids: Sequence[int]) -> dict[int, str]:
    """The names of these groups, by id."""
    out: dict[int, str] = {}
    ids = sorted(set(group_ids))
    for start in range(0, len(ids), 1000):  # keep each IN list a reasonable size
        chunk = ids[start : start + 1000]
        rows = await session.execute(select(StudyGroupRow.id, StudyGroupRow.name).where(StudyGroupRow.id.in_(chunk)))
        out.update({int(r[0]): str(r[1]) for r in rows})
    return out


async def lead_tallies(session: AsyncSession, since: datetime, until: datetime) -> list[LeadTally]:
    """Leads received in ``[since, until)``, oldest first, with the time of the first staff action on each."""
    ev = LeadEventRow
    first = (
        select(func.min(ev.created_at))
        .where(ev.lead_id == LeadRow.id, ev.kind.in_(STAFF_LEAD_EVENTS), ev.created_at >= LeadRow.created_at)
        .correlate(LeadRow)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(LeadRow.id, LeadRow.status, LeadRow.created_at, first)
        .where(LeadRow.created_at >= since, LeadRow.created_at < until)
        .order_by(LeadRow.created_at, LeadRow.id)
    )
    return [LeadTally(int(r[0]), str(r[1]), r[2], r[3]) for r in rows]


@dataclass(frozen=True)
class GivenAnswer:
    """A member's answers to a check-in held in the period, with the run's questions."""

    group_id: int
    user: str
    questions: tuple[str, ...]
    answers: tuple[str, ...]


@dataclass(frozen=True)
class GroupContact:
    """Where a group lives and who facilitates it."""

    group_id: int
    name: str
    platform: str
    facilitators: tuple[str, ...]


async def answers_between(session: AsyncSession, since: datetime, until: datetime) -> list[GivenAnswer]:
    """Answers to check-ins scheduled in ``[since, until)``, by group, run and user."""
    run, answer = CheckinRunRow, CheckinAnswerRow
    rows = await session.execute(
        select(run.group_id, answer.user_id, run.questions_json, answer.answers_json)
        .join(answer, answer.run_id == run.id)
        .where(run.scheduled_at >= since, run.scheduled_at < until, run.status != "missed")
        .order_by(run.group_id, run.scheduled_at, answer.user_id)
    )
    return [GivenAnswer(int(r[0]), str(r[1]), tuple(json.loads(r[2])), tuple(json.loads(r[3]))) for r in rows]


async def group_contacts(session: AsyncSession, group_ids: Sequence[int]) -> list[GroupContact]:
    """Platform, name and facilitators of these groups, by group id."""
    ids = sorted(set(group_ids))
    facilitators: dict[int, list[str]] = {}
    out = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        members = await session.execute(
            select(GroupMemberRow.group_id, GroupMemberRow.user_id)
            .where(GroupMemberRow.group_id.in_(chunk), GroupMemberRow.is_facilitator.is_(True))
            .order_by(GroupMemberRow.group_id, GroupMemberRow.user_id)
        )
        for group_id, user in members:
            facilitators.setdefault(int(group_id), []).append(str(user))
        groups = await session.execute(
            select(StudyGroupRow.id, StudyGroupRow.name, StudyGroupRow.platform)
            .where(StudyGroupRow.id.in_(chunk))
            .order_by(StudyGroupRow.id)
        )
        out += [GroupContact(int(g), str(n), str(p), tuple(facilitators.get(int(g), []))) for g, n, p in groups]
    return out


async def claim_digest(db: Database, period: str, now: datetime) -> bool:
    """Record that the digest for ``period`` is being sent; False if any process (or replica) already did."""
    key = period[:64]
    async with db.session() as session:
        # Most ticks find the row already there: look first rather than fail an insert every 30 seconds.
        if await session.get(DigestClaimRow, key) is not None:
            return False
    try:
        async with db.session() as session:
            session.add(DigestClaimRow(period=key, claimed_at=now))
    except IntegrityError:
        return False
    return True
