"""Repository for study groups, their members, check-in runs and answers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CheckinAnswerRow, CheckinRunRow, GroupMemberRow, StudyGroupRow
from storage.records import CheckinAnswer, CheckinRun, Identity, Member, StudyGroup

__all__ = [
    "NewRun",
    "add_member",
    "answers_for_runs",
    "claim_closing_runs",
    "claim_due_groups",
    "claim_reminders",
    "create_group",
    "facilitates_a_group",
    "get_group",
    "get_group_by_channel",
    "get_run",
    "groups_of_user",
    "insert_runs",
    "members",
    "members_of_groups",
    "open_run",
    "open_runs_for_user",
    "remove_member",
    "runs_of_group",
    "save_answer",
    "set_next_runs",
    "update_group",
]


def _group(row: StudyGroupRow) -> StudyGroup:
    return StudyGroup(
        id=row.id,
        name=row.name,
        platform=row.platform,
        channel=row.channel,
        timezone=row.timezone,
        questions=tuple(json.loads(row.questions_json)),
        ask_mood=row.ask_mood,
        dm_members=row.dm_members,
        window_hours=row.window_hours,
        reminder_hours=row.reminder_hours,
        rrule=row.rrule,
        skip_dates=tuple(json.loads(row.skip_dates_json)),
        paused=row.paused,
        next_run_at=row.next_run_at,
    )


def _run(row: CheckinRunRow) -> CheckinRun:
    return CheckinRun(
        id=row.id,
        group_id=row.group_id,
        scheduled_at=row.scheduled_at,
        status=row.status,
        posted_at=row.posted_at,
        closes_at=row.closes_at,
        reminder_sent_at=row.reminder_sent_at,
        questions=tuple(json.loads(row.questions_json)),
    )


async def create_group(
    session: AsyncSession,
    *,
    name: str,
    platform: str,
    channel: str,
    timezone: str,
    questions: Sequence[str],
    creator: str,
    now: datetime,
) -> StudyGroup:
    """Create a group in ``channel``; the creator becomes its first facilitator."""
    row = StudyGroupRow(
        name=name,
        platform=platform,
        channel=channel,
        timezone=timezone,
        questions_json=json.dumps(list(questions)),
        ask_mood=False,
        dm_members=False,
        window_hours=24,
        reminder_hours=4,
        skip_dates_json="[]",
        paused=False,
        created_by=creator,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    session.add(GroupMemberRow(group_id=row.id, user_id=creator, is_facilitator=True, joined_at=now))
    return _group(row)


async def get_group_by_channel(session: AsyncSession, platform: str, channel: str) -> StudyGroup | None:
    """The group bound to ``channel``, if any."""
    row = await session.scalar(
        select(StudyGroupRow).where(StudyGroupRow.platform == platform, StudyGroupRow.channel == channel)
    )
    return None if row is None else _group(row)


async def get_group(session: AsyncSession, group_id: int) -> StudyGroup | None:
    """The group with ``group_id``, if any."""
    row = await session.get(StudyGroupRow, group_id)
    return None if row is None else _group(row)


async def update_group(session: AsyncSession, group_id: int, **values: Any) -> None:
    """Change a group's settings; ``questions`` and ``skip_dates`` take sequences."""
    if "questions" in values:
        values["questions_json"] = json.dumps(list(values.pop("questions")))
    if "skip_dates" in values:
        values["skip_dates_json"] = json.dumps(sorted(values.pop("skip_dates")))
    await session.execute(update(StudyGroupRow).where(StudyGroupRow.id == group_id).values(**values))


async def members(session: AsyncSession, group_id: int) -> list[Member]:
    """A group's members, facilitators first."""
    rows = await session.scalars(
        select(GroupMemberRow)
        .where(GroupMemberRow.group_id == group_id)
        .order_by(GroupMemberRow.is_facilitator.desc(), GroupMemberRow.user_id)
    )
    return [Member(r.user_id, r.is_facilitator, r.joined_at) for r in rows]


async def add_member(session: AsyncSession, group_id: int, user: str, now: datetime, facilitator: bool = False) -> bool:
    """Add ``user`` (or make them facilitator); returns False if nothing changed."""
    row = await session.get(GroupMemberRow, (group_id, user))
    if row is None:
        session.add(GroupMemberRow(group_id=group_id, user_id=user, is_facilitator=facilitator, joined_at=now))
        return True
    if facilitator and not row.is_facilitator:
        row.is_facilitator = True
        return True
    return False


async def remove_member(session: AsyncSession, group_id: int, user: str) -> bool:
    """Remove ``user``; returns False if they were not a member."""
    result = await session.execute(
        delete(GroupMemberRow).where(GroupMemberRow.group_id == group_id, GroupMemberRow.user_id == user)
    )
    return bool(getattr(result, "rowcount", 0))


async def claim_due_groups(session: AsyncSession, now: datetime, limit: int) -> list[StudyGroup]:
    """Groups whose next run is due, locked for this transaction; other processes skip them (PostgreSQL)."""
    rows = await session.scalars(
        select(StudyGroupRow)
        .where(StudyGroupRow.next_run_at <= now, StudyGroupRow.paused.is_(False))
        .order_by(StudyGroupRow.next_run_at, StudyGroupRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [_group(row) for row in rows]


@dataclass(frozen=True)
class NewRun:
    """A run about to be recorded."""

    group: StudyGroup
    scheduled_at: datetime
    status: str
    posted_at: datetime | None
    closes_at: datetime
    reminder_due_at: datetime


async def insert_runs(session: AsyncSession, new: Sequence[NewRun]) -> list[CheckinRun]:
    """Record many runs in one round trip; the unique (group, time) key refuses second copies."""
    rows = [
        CheckinRunRow(
            group_id=n.group.id,
            scheduled_at=n.scheduled_at,
            status=n.status,
            posted_at=n.posted_at,
            closes_at=n.closes_at,
            reminder_due_at=n.reminder_due_at,
            questions_json=json.dumps(list(n.group.questions)),
        )
        for n in new
    ]
    session.add_all(rows)
    await session.flush()
    return [_run(row) for row in rows]


async def set_next_runs(session: AsyncSession, next_runs: Sequence[tuple[int, datetime | None]]) -> None:
    """Set many groups' next run time at once."""
    if next_runs:
        await session.execute(
            update(StudyGroupRow), [{"id": group_id, "next_run_at": at} for group_id, at in next_runs]
        )


async def members_of_groups(session: AsyncSession, group_ids: Sequence[int]) -> dict[int, list[Member]]:
    """Members of several groups, by group id."""
    out: dict[int, list[Member]] = {gid: [] for gid in group_ids}
    if group_ids:
        rows = await session.scalars(select(GroupMemberRow).where(GroupMemberRow.group_id.in_(list(group_ids))))
        for r in rows:
            out[r.group_id].append(Member(r.user_id, r.is_facilitator, r.joined_at))
    return out


async def claim_reminders(session: AsyncSession, now: datetime) -> list[CheckinRun]:
    """Open runs whose reminder is due, marked as reminded by this call only."""
    ids = await session.scalars(
        update(CheckinRunRow)
        .where(
            CheckinRunRow.status == "open",
            CheckinRunRow.reminder_sent_at.is_(None),
            CheckinRunRow.reminder_due_at <= now,
            CheckinRunRow.closes_at > now,
        )
        .values(reminder_sent_at=now)
        .returning(CheckinRunRow.id)
    )
    return await _runs(session, list(ids))


async def claim_closing_runs(session: AsyncSession, now: datetime) -> list[CheckinRun]:
    """Open runs whose window has ended, closed by this call only."""
    ids = await session.scalars(
        update(CheckinRunRow)
        .where(CheckinRunRow.status == "open", CheckinRunRow.closes_at <= now)
        .values(status="closed")
        .returning(CheckinRunRow.id)
    )
    return await _runs(session, list(ids))


async def _runs(session: AsyncSession, ids: list[int]) -> list[CheckinRun]:
    if not ids:
        return []
    rows = await session.scalars(select(CheckinRunRow).where(CheckinRunRow.id.in_(ids)).order_by(CheckinRunRow.id))
    return [_run(r) for r in rows]


async def get_run(session: AsyncSession, run_id: int) -> CheckinRun | None:
    """The run with ``run_id``, if any."""
    row = await session.get(CheckinRunRow, run_id)
    return None if row is None else _run(row)


async def open_run(session: AsyncSession, group_id: int) -> CheckinRun | None:
    """The group's latest open run, if one is open."""
    row = await session.scalar(
        select(CheckinRunRow)
        .where(CheckinRunRow.group_id == group_id, CheckinRunRow.status == "open")
        .order_by(CheckinRunRow.scheduled_at.desc())
        .limit(1)
    )
    return None if row is None else _run(row)


async def runs_of_group(session: AsyncSession, group_id: int) -> list[CheckinRun]:
    """Every run of a group, oldest first."""
    rows = await session.scalars(
        select(CheckinRunRow).where(CheckinRunRow.group_id == group_id).order_by(CheckinRunRow.scheduled_at)
    )
    return [_run(r) for r in rows]


async def save_answer(
    session: AsyncSession, run_id: int, user: str, answers: Sequence[str], mood: int | None, now: datetime
) -> bool:
    """Store or replace ``user``'s answers; returns True if they had answered before (an edit)."""
    row = await session.get(CheckinAnswerRow, (run_id, user))
    if row is None:
        session.add(
            CheckinAnswerRow(
                run_id=run_id,
                user_id=user,
                answers_json=json.dumps(list(answers)),
                mood=mood,
                created_at=now,
                updated_at=now,
            )
        )
        return False
    row.answers_json = json.dumps(list(answers))
    row.mood = mood
    row.updated_at = now
    return True


async def answers_for_runs(session: AsyncSession, run_ids: Sequence[int]) -> list[CheckinAnswer]:
    """Answers to these runs, by run then user."""
    if not run_ids:
        return []
    rows = await session.scalars(
        select(CheckinAnswerRow)
        .where(CheckinAnswerRow.run_id.in_(list(run_ids)))
        .order_by(CheckinAnswerRow.run_id, CheckinAnswerRow.user_id)
    )
    return [CheckinAnswer(r.run_id, r.user_id, tuple(json.loads(r.answers_json)), r.mood, r.updated_at) for r in rows]


async def count_groups(session: AsyncSession) -> int:
    """How many groups exist."""
    return int(await session.scalar(select(func.count()).select_from(StudyGroupRow)) or 0)


async def open_runs_for_user(session: AsyncSession, platform: str, user: str) -> list[tuple[StudyGroup, CheckinRun]]:
    """Open runs of every group on ``platform`` that ``user`` belongs to, with their groups."""
    rows = await session.execute(
        select(StudyGroupRow, CheckinRunRow)
        .join(CheckinRunRow, CheckinRunRow.group_id == StudyGroupRow.id)
        .join(GroupMemberRow, GroupMemberRow.group_id == StudyGroupRow.id)
        .where(
            StudyGroupRow.platform == platform,
            GroupMemberRow.user_id == user,
            CheckinRunRow.status == "open",
        )
        .order_by(StudyGroupRow.name)
    )
    return [(_group(g), _run(r)) for g, r in rows]


async def groups_of_user(session: AsyncSession, platform: str, user: str) -> list[StudyGroup]:
    """The groups on ``platform`` that ``user`` belongs to, by name."""
    rows = await session.scalars(
        select(StudyGroupRow)
        .join(GroupMemberRow, GroupMemberRow.group_id == StudyGroupRow.id)
        .where(StudyGroupRow.platform == platform, GroupMemberRow.user_id == user)
        .order_by(StudyGroupRow.name)
    )
    return [_group(r) for r in rows]


async def led_only_by(session: AsyncSession, identities: Sequence[Identity]) -> list[StudyGroup]:
    """The study groups, by name, whose facilitators are all among ``identities`` (one person's accounts): erasing
    that person would leave each with nobody to run it."""
    if not identities:
        return []
    mine = or_(*(and_(StudyGroupRow.platform == i.platform, GroupMemberRow.user_id == i.user) for i in identities))
    query = select(StudyGroupRow).join(GroupMemberRow, GroupMemberRow.group_id == StudyGroupRow.id)
    led = {r.id: r for r in await session.scalars(query.where(GroupMemberRow.is_facilitator, mine))}
    others = await members_of_groups(session, list(led))
    accounts = {(i.platform, i.user) for i in identities}
    return sorted(
        (
            _group(row)
            for gid, row in led.items()
            if not any(m.is_facilitator and (row.platform, m.user) not in accounts for m in others.get(gid, []))
        ),
        key=lambda g: g.name,
    )


async def facilitates_a_group(session: AsyncSession, identities: Sequence[Identity]) -> bool:
    """Whether any of ``identities`` (one person's accounts) is a facilitator of some study group."""
    if not identities:
        return False
    found = await session.scalar(
        select(GroupMemberRow.group_id)
        .join(StudyGroupRow, GroupMemberRow.group_id == StudyGroupRow.id)
        .where(
            GroupMemberRow.is_facilitator,
            or_(*(and_(StudyGroupRow.platform == i.platform, GroupMemberRow.user_id == i.user) for i in identities)),
        )
        .limit(1)
    )
    return found is not None
