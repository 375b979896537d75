"""Repository for processed platform events (retry deduplication)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import ProcessedEventRow

__all__ = ["claim_event", "forget_events_before"]


async def claim_event(db: Database, key: str, now: datetime) -> bool:
    """Record ``key`` as handled; False if some process (this or another replica) already did."""
    try:
        async with db.session() as session:
            session.add(ProcessedEventRow(key=key[:200], received_at=now))
    except IntegrityError:
        return False
    return True


async def forget_events_before(db: Database, cutoff: datetime) -> None:
    """Drop records older than ``cutoff`` (well past the platform's last retry)."""
    async with db.session() as session:
        await session.execute(delete(ProcessedEventRow).where(ProcessedEventRow.received_at < cutoff))
