"""Repository for meetings: dated meetings of study groups (see :mod:`storage.models_meetings`).

A meeting's ``local_start`` (``YYYY-MM-DDTHH:MM`` in its group's zone) is the source of truth; ``starts_at`` is
the UTC instant computed from it when it is set, so a weekly 18:00 stays 18:00 across a daylight-saving change.
Every move or cancel raises ``sequence`` (iCalendar SEQUENCE); ``synced_sequence`` is the last sequence pushed to a
platform's own event (Discord Guild Scheduled Events), so ``synced_sequence < sequence`` means "to sync".
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import StudyGroupRow
from storage.models_meetings import MeetingNoticeRow, MeetingRow

__all__ = [
    "Meeting",
    "NewMeeting",
    "add_meetings",
    "cancel_meeting",
    "first_notice",
    "get_meeting",
    "group_meetings",
    "mark_synced",
    "meetings_to_sync",
    "move_meeting",
    "new_uid",
    "notice_times",
    "parse_reminders",
    "reminder_kind",
]

REFLECTION_HOURS = 24
"""How long after a meeting ends its reflections are gathered before the facilitator gets the summary."""


@dataclass(frozen=True)
class Meeting:
    """A meeting of a study group; ``timezone`` is its group's, ``status`` is ``scheduled`` or ``cancelled``."""

    id: int
    group_id: int
    uid: str
    starts_at: datetime
    local_start: str
    timezone: str
    length_minutes: int
    place: str | None
    link: str | None
    status: str
    sequence: int
    series: str | None
    platform_event_id: str | None
    synced_sequence: int
    next_notice_at: datetime | None = None

    @property
    def ends_at(self) -> datetime:
        """When the meeting ends (UTC)."""
        return self.starts_at + timedelta(minutes=self.length_minutes)

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass(frozen=True)
class NewMeeting:
    """A meeting about to be added: its UTC instant and its wall clock in the group's zone."""

    starts_at: datetime
    local_start: str
    length_minutes: int = 90
    place: str | None = None
    link: str | None = None
    series: str | None = None


def new_uid() -> str:
    """A stable, unique iCalendar UID for a new meeting."""
    return f"{uuid.uuid4().hex}@communitybot"


def reminder_kind(minutes: int) -> str:
    """The notice kind of a reminder ``minutes`` before a meeting: ``24h``, ``1h``, ``90m``."""
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def notice_times(
    starts_at: datetime, length_minutes: int, reminders: Sequence[int], checkin: str | None
) -> list[tuple[datetime, str]]:
    """When each notice about a meeting is due, earliest first, with its kind (the ``meeting_notices`` key).

    Args:
        starts_at: the meeting's start.
        length_minutes: its length.
        reminders: minutes before the start a reminder goes out (``24h``, ``1h``...).
        checkin: a check-in tied to meetings: ``before:MINUTES`` or ``after`` (the end); None for none.
    """
    ends_at = starts_at + timedelta(minutes=length_minutes)
    times = [(starts_at - timedelta(minutes=m), reminder_kind(m)) for m in reminders]
    if checkin == "after":
        times.append((ends_at, "checkin"))
    elif checkin and checkin.startswith("before:"):
        times.append((starts_at - timedelta(minutes=int(checkin.split(":", 1)[1])), "checkin"))
    times += [(ends_at, "reflect"), (ends_at + timedelta(hours=REFLECTION_HOURS), "summary")]
    return sorted(times)


def parse_reminders(stored: str) -> tuple[int, ...]:
    """A group's ``meeting_reminders`` column as minutes, largest first."""
    return tuple(sorted((int(m) for m in stored.split(",") if m.strip()), reverse=True))


def first_notice(
    starts_at: datetime, length_minutes: int, reminders: Sequence[int], checkin: str | None, now: datetime
) -> datetime | None:
    """The first notice due at or after ``now`` (those already past when a meeting is set are not sent)."""
    return next((at for at, _ in notice_times(starts_at, length_minutes, reminders, checkin) if at >= now), None)


def _meeting(row: MeetingRow, timezone: str) -> Meeting:
    return Meeting(
        id=row.id,
        group_id=row.group_id,
        uid=row.uid,
        starts_at=row.starts_at,
        local_start=row.local_start,
        timezone=timezone,
        length_minutes=row.length_minutes,
        place=row.place,
        link=row.link,
        status=row.status,
        sequence=row.sequence,
        series=row.series,
        platform_event_id=row.platform_event_id,
        synced_sequence=row.synced_sequence,
        next_notice_at=row.next_notice_at,
    )


def _with_zone() -> Select[MeetingRow, str]:
    return (
        select(MeetingRow, StudyGroupRow.timezone)
        .join(StudyGroupRow, StudyGroupRow.id == MeetingRow.group_id)
        .execution_options(populate_existing=True)
    )


async def add_meetings(
    session: AsyncSession, group_id: int, items: Sequence[NewMeeting], now: datetime
) -> list[Meeting]:
    """Add meetings to a group, each with a new UID; returns them in the order given."""
    group = await session.get(StudyGroupRow, group_id)
    if group is None:
        raise LookupError(f"no study group {group_id}")
    reminders = parse_reminders(group.meeting_reminders)
    rows = [
        MeetingRow(
            group_id=group_id,
            uid=new_uid(),
            starts_at=item.starts_at,
            local_start=item.local_start,
            length_minutes=item.length_minutes,
            place=item.place,
            link=item.link,
            status="scheduled",
            sequence=0,
            series=item.series,
            synced_sequence=-1,
            next_notice_at=first_notice(item.starts_at, item.length_minutes, reminders, group.checkin_meetings, now),
            created_at=now,
            updated_at=now,
        )
        for item in items
    ]
    session.add_all(rows)
    await session.flush()
    return [_meeting(row, group.timezone) for row in rows]


async def group_meetings(session: AsyncSession, group_id: int, *, include_cancelled: bool = True) -> list[Meeting]:
    """A group's meetings, earliest first."""
    query = _with_zone().where(MeetingRow.group_id == group_id)
    if not include_cancelled:
        query = query.where(MeetingRow.status == "scheduled")
    rows = await session.execute(query.order_by(MeetingRow.starts_at, MeetingRow.id))
    return [_meeting(row, tz) for row, tz in rows]


async def get_meeting(session: AsyncSession, meeting_id: int) -> Meeting | None:
    """The meeting with ``meeting_id``, if any."""
    found = (await session.execute(_with_zone().where(MeetingRow.id == meeting_id))).first()
    return None if found is None else _meeting(found[0], found[1])


async def move_meeting(
    session: AsyncSession, meeting_id: int, starts_at: datetime, local_start: str, now: datetime
) -> Meeting | None:
    """Move a meeting to a new time (scheduled again if it was cancelled); raises its sequence.

    Its notices start again: members are reminded of the new time (RSVPs are kept).
    """
    row = await session.get(MeetingRow, meeting_id)
    group = await session.get(StudyGroupRow, row.group_id) if row is not None else None
    if row is None or group is None:
        return None
    reminders = parse_reminders(group.meeting_reminders)
    await session.execute(delete(MeetingNoticeRow).where(MeetingNoticeRow.meeting_id == meeting_id))
    await session.execute(
        update(MeetingRow)
        .where(MeetingRow.id == meeting_id)
        .values(
            starts_at=starts_at,
            local_start=local_start,
            status="scheduled",
            sequence=MeetingRow.sequence + 1,
            next_notice_at=first_notice(starts_at, row.length_minutes, reminders, group.checkin_meetings, now),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(row)
    return _meeting(row, group.timezone)


async def cancel_meeting(session: AsyncSession, meeting_id: int, now: datetime) -> Meeting | None:
    """Cancel a meeting (kept, with status ``cancelled``); raises its sequence. Cancelling twice changes nothing."""
    await session.execute(
        update(MeetingRow)
        .where(MeetingRow.id == meeting_id, MeetingRow.status != "cancelled")
        .values(status="cancelled", sequence=MeetingRow.sequence + 1, next_notice_at=None, updated_at=now)
    )
    return await get_meeting(session, meeting_id)


async def meetings_to_sync(session: AsyncSession, platform: str, limit: int) -> list[Meeting]:
    """Meetings of groups on ``platform`` changed since last pushed to the platform (synced_sequence < sequence)."""
    rows = await session.execute(
        _with_zone()
        .where(StudyGroupRow.platform == platform, MeetingRow.synced_sequence < MeetingRow.sequence)
        .order_by(MeetingRow.updated_at, MeetingRow.id)
        .limit(limit)
    )
    return [_meeting(row, tz) for row, tz in rows]


async def mark_synced(session: AsyncSession, meeting_id: int, sequence: int, platform_event_id: str | None) -> bool:
    """Record that ``sequence`` of the meeting is on the platform as ``platform_event_id``.

    Conditional: a replica that pushed an older sequence cannot overwrite a newer mark; returns whether it was kept.
    """
    result = await session.execute(
        update(MeetingRow)
        .where(MeetingRow.id == meeting_id, MeetingRow.synced_sequence < sequence)
        .values(synced_sequence=sequence, platform_event_id=platform_event_id)
    )
    return bool(getattr(result, "rowcount", 0))
