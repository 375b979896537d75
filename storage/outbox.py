"""Repository for scheduled messages: stored with the claim that produced them, then claimed, sent, marked sent.

A row is ``pending`` until a send succeeds (``sent``) or cannot succeed (``failed``). Sending first claims the row
for a lease (``claimed_until``); a process killed while holding it loses nothing, since the next tick after the lease
takes the row again. A row marked ``sent`` is never claimed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import ScheduledMessageRow
from storage.upsert import insert_for

__all__ = [
    "Claimed",
    "Outgoing",
    "claim_due",
    "count_by_status",
    "enqueue",
    "forget_done_before",
    "mark_failed",
    "mark_retry",
    "mark_sent",
    "release",
]


@dataclass(frozen=True)
class Outgoing:
    """A message to store: its unique key (the platform's idempotency key) and its payload (JSON text).

    The core encodes and decodes the payload; storage keeps it as it is.
    """

    key: str
    payload: str


@dataclass(frozen=True)
class Claimed:
    """A message claimed for sending: its row id, key and payload, and the attempt this is (1 = first)."""

    id: int
    key: str
    payload: str
    attempt: int


async def enqueue(session: AsyncSession, messages: Sequence[Outgoing], now: datetime) -> list[str]:
    """Store ``messages`` to send, in the caller's transaction; returns the keys of those stored.

    A message whose ``key`` is already stored is not stored again (nor its key returned).
    """
    if not messages:
        return []
    rows = [
        {
            "key": message.key,
            "payload": message.payload,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "due_at": now,
        }
        for message in messages
    ]
    statement = insert_for(session, ScheduledMessageRow).on_conflict_do_nothing(index_elements=["key"])
    stored = set(await session.scalars(statement.returning(ScheduledMessageRow.key), rows))
    return [message.key for message in messages if message.key in stored]


async def claim_due(db: Database, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
    """Claim up to ``limit`` pending messages that are due and not leased, for ``lease``; committed at once."""
    async with db.session() as session:
        due = (
            select(ScheduledMessageRow.id)
            .where(
                ScheduledMessageRow.status == "pending",
                ScheduledMessageRow.due_at <= now,
                or_(ScheduledMessageRow.claimed_until.is_(None), ScheduledMessageRow.claimed_until <= now),
            )
            .order_by(ScheduledMessageRow.due_at, ScheduledMessageRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = await session.execute(
            update(ScheduledMessageRow)
            .where(
                ScheduledMessageRow.id.in_(due.scalar_subquery()),
                # Checked again on the locked row: a process that lost the race claims nothing.
                ScheduledMessageRow.status == "pending",
                or_(ScheduledMessageRow.claimed_until.is_(None), ScheduledMessageRow.claimed_until <= now),
            )
            .values(claimed_until=now + lease, attempts=ScheduledMessageRow.attempts + 1)
            .returning(
                ScheduledMessageRow.id,
                ScheduledMessageRow.key,
                ScheduledMessageRow.payload,
                ScheduledMessageRow.attempts,
            )
        )
        out = [Claimed(row_id, key, payload, attempts) for row_id, key, payload, attempts in claimed]
    return sorted(out, key=lambda c: c.id)


async def release(db: Database, row_ids: Sequence[int], claimed_until: datetime) -> None:
    """Give back messages claimed (until ``claimed_until``) but not sent, unless another claim has taken them since.

    The claim's attempt is not counted.
    """
    if not row_ids:
        return
    async with db.session() as session:
        await session.execute(
            update(ScheduledMessageRow)
            .where(
                ScheduledMessageRow.id.in_(list(row_ids)),
                ScheduledMessageRow.status == "pending",
                ScheduledMessageRow.claimed_until == claimed_until,
            )
            .values(claimed_until=None, attempts=ScheduledMessageRow.attempts - 1)
        )


async def mark_sent(db: Database, row_id: int, now: datetime) -> None:
    """Record that the message went out; it is never sent again."""
    async with db.session() as session:
        await session.execute(
            update(ScheduledMessageRow)
            .where(ScheduledMessageRow.id == row_id)
            .values(status="sent", sent_at=now, claimed_until=None)
        )


async def mark_retry(db: Database, row_id: int, due_at: datetime, error: str) -> None:
    """Give the message back, to be tried again at ``due_at`` (unless some process has sent it meanwhile)."""
    async with db.session() as session:
        await session.execute(
            update(ScheduledMessageRow)
            .where(ScheduledMessageRow.id == row_id, ScheduledMessageRow.status == "pending")
            .values(due_at=due_at, claimed_until=None, last_error=error[:200])
        )


async def mark_failed(db: Database, row_id: int, error: str) -> None:
    """Give up on the message (unless some process has sent it meanwhile)."""
    async with db.session() as session:
        await session.execute(
            update(ScheduledMessageRow)
            .where(ScheduledMessageRow.id == row_id, ScheduledMessageRow.status == "pending")
            .values(status="failed", claimed_until=None, last_error=error[:200])
        )


async def count_by_status(db: Database) -> dict[str, int]:
    """How many messages are pending, sent and failed."""
    async with db.session() as session:
        rows = await session.execute(
            select(ScheduledMessageRow.status, func.count()).group_by(ScheduledMessageRow.status)
        )
        return {status: int(n) for status, n in rows}


async def forget_done_before(db: Database, cutoff: datetime) -> None:
    """Drop messages sent or given up that were due before ``cutoff`` (pending ones are kept whatever their age)."""
    async with db.session() as session:
        await session.execute(
            delete(ScheduledMessageRow).where(
                ScheduledMessageRow.status.in_(("sent", "failed")), ScheduledMessageRow.due_at < cutoff
            )
        )
