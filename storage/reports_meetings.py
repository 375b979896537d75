"""The meetings part of the pulse report (``communitybot report``): each meeting held in a period, with how many
members said they were going and how many were members then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import GroupMemberRow
from storage.models_meetings import MeetingReflectionRow, MeetingRow, MeetingRsvpRow

__all__ = ["MeetingTally", "meetings_between"]


@dataclass(frozen=True)
class MeetingTally:
    """One meeting held (not cancelled): members going (RSVP yes), members by its start, reflections."""

    group_id: int
    starts_at: datetime
    going: int
    members: int
    reflections: int


async def meetings_between(session: AsyncSession, since: datetime, until: datetime) -> list[MeetingTally]:
    """Meetings not cancelled that start in ``[since, until)``, by group and start."""
    going = (
        select(func.count())
        .where(MeetingRsvpRow.meeting_id == MeetingRow.id, MeetingRsvpRow.answer == "yes")
        .scalar_subquery()
    )
    members = (
        select(func.count())
        .where(GroupMemberRow.group_id == MeetingRow.group_id, GroupMemberRow.joined_at <= MeetingRow.starts_at)
        .scalar_subquery()
    )
    reflections = select(func.count()).where(MeetingReflectionRow.meeting_id == MeetingRow.id).scalar_subquery()
    rows = await session.execute(
        select(MeetingRow.group_id, MeetingRow.starts_at, going, members, reflections)
        .where(MeetingRow.status == "scheduled", MeetingRow.starts_at >= since, MeetingRow.starts_at < until)
        .order_by(MeetingRow.group_id, MeetingRow.starts_at)
    )
    return [MeetingTally(int(g), at, int(y), int(m), int(r)) for g, at, y, m, r in rows]
