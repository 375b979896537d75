"""Repository for calendars: each group's secret feed token, and claims on pushing meetings to a platform's calendar.

A group's feed is served at ``/calendar/<token>.ics``: the token (``secrets.token_urlsafe``) is the only thing that
names the group there, so it is made once, on first use, by a conditional update that two replicas cannot both win.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.checkins import get_group
from storage.models import StudyGroupRow
from storage.models_calendars import CalendarSyncClaimRow
from storage.records import StudyGroup

__all__ = ["TOKEN_BYTES", "calendar_token", "claim_sync", "group_by_calendar_token", "release_sync"]

TOKEN_BYTES = 24
"""Random bytes in a feed token (32 URL-safe characters): not guessable."""


async def calendar_token(session: AsyncSession, group_id: int) -> str:
    """The group's feed token, made now if it has none (the first of two racing replicas wins; both get it)."""
    await session.execute(
        update(StudyGroupRow)
        .where(StudyGroupRow.id == group_id, StudyGroupRow.calendar_token.is_(None))
        .values(calendar_token=secrets.token_urlsafe(TOKEN_BYTES))
    )
    token = await session.scalar(select(StudyGroupRow.calendar_token).where(StudyGroupRow.id == group_id))
    if token is None:
        raise LookupError(f"no study group {group_id}")
    return str(token)


async def group_by_calendar_token(session: AsyncSession, token: str) -> StudyGroup | None:
    """The group whose feed token is ``token``; None for any other string."""
    if not token or len(token) > 64:
        return None
    group_id = await session.scalar(select(StudyGroupRow.id).where(StudyGroupRow.calendar_token == token))
    return await get_group(session, group_id) if group_id is not None else None


async def claim_sync(session: AsyncSession, meeting_id: int, now: datetime, until: datetime) -> bool:
    """Claim pushing ``meeting_id`` to a platform until ``until``: False when another process holds a live claim."""
    try:
        async with session.begin_nested():
            session.add(CalendarSyncClaimRow(meeting_id=meeting_id, claimed_until=until))
        return True
    except IntegrityError:
        pass
    result = await session.execute(
        update(CalendarSyncClaimRow)
        .where(CalendarSyncClaimRow.meeting_id == meeting_id, CalendarSyncClaimRow.claimed_until <= now)
        .values(claimed_until=until)
    )
    return bool(getattr(result, "rowcount", 0))


async def release_sync(session: AsyncSession, meeting_id: int) -> None:
    """Drop the claim on ``meeting_id`` (its push is recorded, or failed and may be tried again)."""
    await session.execute(delete(CalendarSyncClaimRow).where(CalendarSyncClaimRow.meeting_id == meeting_id))
