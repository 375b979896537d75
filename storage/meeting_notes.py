"""Repository for what happens around meetings: notices claimed once, RSVPs, reflections, late joiners' catch-ups,
and a group's meeting settings.

Claims are made by the database: a notice is a ``meeting_notices`` row and a catch-up a ``meeting_catchups`` row,
inserted with ``ON CONFLICT DO NOTHING ... RETURNING``, so of two replicas ticking together only one gets each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.checkins import _group
from storage.meetings import Meeting, _meeting, first_notice, parse_reminders
from storage.models import CheckinRunRow, GroupMemberRow, StudyGroupRow
from storage.models_meetings import (
    MeetingCatchupRow,
    MeetingNoticeRow,
    MeetingReflectionRow,
    MeetingRow,
    MeetingRsvpRow,
)
from storage.records import StudyGroup
from storage.upsert import insert_for

__all__ = [
    "DueMeeting",
    "MeetingSettings",
    "Reflection",
    "claim_catchups",
    "claim_due_meetings",
    "claim_notices",
    "groups_by_id",
    "late_joiners",
    "meeting_settings",
    "reflections",
    "rsvps",
    "runs_taken",
    "save_reflection",
    "set_meeting_settings",
    "set_next_notices",
    "set_rsvp",
]

_CATCHUP_WINDOW = timedelta(days=7)
"""A member who joined longer ago than this (the bot was down all that time, say) is not sent a catch-up."""


@dataclass(frozen=True)
class MeetingSettings:
    """A group's meeting settings: reminders (minutes before, largest first), where the reflections summary goes
    (``channel`` or ``dm``), and a check-in tied to meetings (``before:MINUTES``, ``after`` or None)."""

    group_id: int
    reminders: tuple[int, ...]
    reflection_summary: str
    checkin_meetings: str | None


@dataclass(frozen=True)
class DueMeeting:
    """A meeting with a notice due, claimed by this transaction: ``since`` is when the first due one fell."""

    meeting: Meeting
    since: datetime
    settings: MeetingSettings


@dataclass(frozen=True)
class Reflection:
    """A member's Plus/Delta about a meeting."""

    meeting_id: int
    user: str
    plus: str
    delta: str
    rating: int | None
    at: datetime


def _settings(row: StudyGroupRow) -> MeetingSettings:
    return MeetingSettings(row.id, parse_reminders(row.meeting_reminders), row.reflection_summary, row.checkin_meetings)


async def meeting_settings(session: AsyncSession, group_id: int) -> MeetingSettings | None:
    """The meeting settings of a group, if it exists."""
    row = await session.get(StudyGroupRow, group_id)
    return None if row is None else _settings(row)


async def set_meeting_settings(
    session: AsyncSession,
    group_id: int,
    now: datetime,
    *,
    reminders: Sequence[int] | None = None,
    reflection_summary: str | None = None,
    checkin_meetings: str | bool | None = False,
) -> MeetingSettings:
    """Change a group's meeting settings (``checkin_meetings=False`` leaves that one); the coming meetings' notices
    follow the new settings from ``now`` on."""
    values: dict[str, Any] = {}
    if reminders is not None:
        values["meeting_reminders"] = ",".join(str(m) for m in sorted(reminders, reverse=True))
    if reflection_summary is not None:
        values["reflection_summary"] = reflection_summary
    if checkin_meetings is not False:
        values["checkin_meetings"] = checkin_meetings
    if values:
        await session.execute(update(StudyGroupRow).where(StudyGroupRow.id == group_id).values(**values))
    row = await session.get(StudyGroupRow, group_id, populate_existing=True)
    assert row is not None
    settings = _settings(row)
    upcoming = await session.scalars(
        select(MeetingRow).where(
            MeetingRow.group_id == group_id, MeetingRow.status == "scheduled", MeetingRow.starts_at > now
        )
    )
    changes = [
        {
            "id": m.id,
            "next_notice_at": first_notice(
                m.starts_at, m.length_minutes, settings.reminders, settings.checkin_meetings, now
            ),
        }
        for m in upcoming
    ]
    if changes:
        await session.execute(update(MeetingRow), changes)
    return settings


async def claim_due_meetings(session: AsyncSession, now: datetime, limit: int) -> list[DueMeeting]:
    """Scheduled meetings with a notice due by ``now``, locked for this transaction (other processes skip them on
    PostgreSQL; the notice rows decide who sends what in any case)."""
    rows = await session.execute(
        select(MeetingRow, StudyGroupRow)
        .join(StudyGroupRow, StudyGroupRow.id == MeetingRow.group_id)
        .where(MeetingRow.next_notice_at <= now, MeetingRow.status == "scheduled")
        .order_by(MeetingRow.next_notice_at, MeetingRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=MeetingRow)
    )
    out = []
    for meeting, group in rows:
        assert meeting.next_notice_at is not None
        out.append(DueMeeting(_meeting(meeting, group.timezone), meeting.next_notice_at, _settings(group)))
    return out


async def claim_notices(
    session: AsyncSession, wanted: Sequence[tuple[int, str]], now: datetime
) -> set[tuple[int, str]]:
    """Claim notices ``(meeting id, kind)``; returns those this call claimed (not claimed before by anyone)."""
    if not wanted:
        return set()
    rows = [{"meeting_id": m, "kind": k, "sent_at": now} for m, k in wanted]
    statement = insert_for(session, MeetingNoticeRow).on_conflict_do_nothing(index_elements=["meeting_id", "kind"])
    returned = await session.execute(statement.returning(MeetingNoticeRow.meeting_id, MeetingNoticeRow.kind), rows)
    return {(m, k) for m, k in returned}


async def set_next_notices(session: AsyncSession, changes: Sequence[tuple[int, datetime | None]]) -> None:
    """Set many meetings' next notice time at once."""
    if changes:
        await session.execute(update(MeetingRow), [{"id": m, "next_notice_at": at} for m, at in changes])


async def set_rsvp(session: AsyncSession, meeting_id: int, user: str, answer: str, now: datetime) -> None:
    """Record ``user``'s answer (``yes`` or ``no``) for a meeting; the last one counts."""
    statement = insert_for(session, MeetingRsvpRow).values(
        meeting_id=meeting_id, user_id=user, answer=answer, updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["meeting_id", "user_id"], set_={"answer": answer, "updated_at": now}
        )
    )


async def rsvps(session: AsyncSession, meeting_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """The answers to several meetings: meeting id -> user -> ``yes``/``no``."""
    out: dict[int, dict[str, str]] = {m: {} for m in meeting_ids}
    if meeting_ids:
        rows = await session.scalars(select(MeetingRsvpRow).where(MeetingRsvpRow.meeting_id.in_(list(meeting_ids))))
        for row in rows:
            out[row.meeting_id][row.user_id] = row.answer
    return out


async def save_reflection(
    session: AsyncSession, meeting_id: int, user: str, plus: str, delta: str, rating: int | None, now: datetime
) -> bool:
    """Store or replace ``user``'s reflection; returns True if they had reflected before (an edit)."""
    row = await session.get(MeetingReflectionRow, (meeting_id, user))
    if row is None:
        session.add(
            MeetingReflectionRow(meeting_id=meeting_id, user_id=user, plus=plus, delta=delta, rating=rating, at=now)
        )
        return False
    row.plus, row.delta, row.rating, row.at = plus, delta, rating, now
    return True


async def reflections(session: AsyncSession, meeting_ids: Sequence[int]) -> list[Reflection]:
    """The reflections on these meetings, by meeting then user."""
    if not meeting_ids:
        return []
    rows = await session.scalars(
        select(MeetingReflectionRow)
        .where(MeetingReflectionRow.meeting_id.in_(list(meeting_ids)))
        .order_by(MeetingReflectionRow.meeting_id, MeetingReflectionRow.user_id)
    )
    return [Reflection(r.meeting_id, r.user_id, r.plus, r.delta, r.rating, r.at) for r in rows]


async def late_joiners(session: AsyncSession, now: datetime, limit: int) -> list[tuple[int, str]]:
    """Members (not facilitators) who joined a group after its first meeting began and have had no catch-up yet,
    as ``(group id, user)``; only those who joined within the last week."""
    first = (
        select(MeetingRow.group_id, func.min(MeetingRow.starts_at).label("first_at"))
        .where(MeetingRow.status == "scheduled")
        .group_by(MeetingRow.group_id)
        .subquery()
    )
    caught_up = exists().where(
        MeetingCatchupRow.group_id == GroupMemberRow.group_id, MeetingCatchupRow.user_id == GroupMemberRow.user_id
    )
    rows = await session.execute(
        select(GroupMemberRow.group_id, GroupMemberRow.user_id)
        .join(first, first.c.group_id == GroupMemberRow.group_id)
        .where(
            GroupMemberRow.is_facilitator.is_(False),
            GroupMemberRow.joined_at > now - _CATCHUP_WINDOW,
            and_(GroupMemberRow.joined_at > first.c.first_at, first.c.first_at <= now),
            ~caught_up,
        )
        .order_by(GroupMemberRow.joined_at)
        .limit(limit)
    )
    return [(g, u) for g, u in rows]


async def claim_catchups(
    session: AsyncSession, pairs: Sequence[tuple[int, str]], now: datetime
) -> set[tuple[int, str]]:
    """Claim the catch-up DM of ``(group id, user)`` pairs; returns those this call claimed."""
    if not pairs:
        return set()
    rows = [{"group_id": g, "user_id": u, "sent_at": now} for g, u in pairs]
    statement = insert_for(session, MeetingCatchupRow).on_conflict_do_nothing(index_elements=["group_id", "user_id"])
    returned = await session.execute(statement.returning(MeetingCatchupRow.group_id, MeetingCatchupRow.user_id), rows)
    return {(g, u) for g, u in returned}


async def runs_taken(session: AsyncSession, wanted: Sequence[tuple[int, datetime]]) -> set[tuple[int, datetime]]:
    """Which ``(group id, time)`` pairs already have a check-in run (a run is unique per group and time)."""
    if not wanted:
        return set()
    groups = sorted({g for g, _ in wanted})
    rows = await session.execute(
        select(CheckinRunRow.group_id, CheckinRunRow.scheduled_at).where(
            CheckinRunRow.group_id.in_(groups), CheckinRunRow.scheduled_at.in_(sorted({t for _, t in wanted}))
        )
    )
    return {(int(g), t) for g, t in rows} & set(wanted)


async def groups_by_id(session: AsyncSession, group_ids: Sequence[int]) -> dict[int, StudyGroup]:
    """Several groups at once, by id."""
    if not group_ids:
        return {}
    rows = await session.scalars(select(StudyGroupRow).where(StudyGroupRow.id.in_(list(group_ids))))
    return {row.id: _group(row) for row in rows}
