"""Repository for outgoing webhooks: stored with the change they report, then claimed, POSTed, marked.

A delivery is ``pending`` until an endpoint answers 2xx (``sent``: never claimed again) or it cannot succeed
(``failed``: refused, or still failing at ``give_up_at``). Sending first claims the row for a lease
(``claimed_until``), committed at once in a session of its own (never the scheduler tick's transaction, so a claim
and a 2xx are recorded whatever the tick does); a process killed while holding a claim loses nothing, since the
next tick after the lease takes the row again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import WebhookDeliveryRow

__all__ = [
    "NewWebhook",
    "WebhookDelivery",
    "claim_webhooks",
    "enqueue_webhooks",
    "get_webhook",
    "list_webhooks",
    "mark_webhook_failed",
    "mark_webhook_retry",
    "mark_webhook_sent",
    "release_webhooks",
    "retry_webhook",
]


@dataclass(frozen=True)
class NewWebhook:
    """A POST to store: its ``webhook-id``, the endpoint, the event type and the exact JSON body."""

    msg_id: str
    url: str
    event: str
    payload: str
    lead_id: int | None = None  # the lead whose details the body copies (none for lead.forgotten)


@dataclass(frozen=True)
class WebhookDelivery:
    """A stored delivery; ``attempts`` counts the claims (1 while the first attempt is under way)."""

    id: int
    msg_id: str
    url: str
    event: str
    payload: str
    status: str
    attempts: int
    created_at: datetime
    due_at: datetime
    give_up_at: datetime
    claimed_until: datetime | None
    sent_at: datetime | None
    last_error: str | None


def _record(row: WebhookDeliveryRow) -> WebhookDelivery:
    return WebhookDelivery(
        row.id,
        row.msg_id,
        row.url,
        row.event,
        row.payload,
        row.status,
        row.attempts,
        row.created_at,
        row.due_at,
        row.give_up_at,
        row.claimed_until,
        row.sent_at,
        row.last_error,
    )


@asynccontextmanager
async def _own_session(db: Database) -> AsyncIterator[AsyncSession]:
    """A transaction of its own, committed when the block ends, even inside :meth:`Database.transaction`."""
    async with db.sessions() as session, session.begin():
        yield session


async def enqueue_webhooks(
    session: AsyncSession, deliveries: Sequence[NewWebhook], now: datetime, window: timedelta
) -> None:
    """Store ``deliveries``, due now, in the caller's transaction (the one that made the change they report)."""
    for new in deliveries:
        session.add(
            WebhookDeliveryRow(
                msg_id=new.msg_id,
                url=new.url,
                event=new.event,
                payload=new.payload,
                lead_id=new.lead_id,
                status="pending",
                attempts=0,
                created_at=now,
                due_at=now,
                give_up_at=now + window,
            )
        )


async def claim_webhooks(db: Database, now: datetime, lease: timedelta, limit: int) -> list[WebhookDelivery]:
    """Claim pending deliveries that are due and not leased, first due first, until ``now + lease``; committed.

    Usually ``limit`` of them; PostgreSQL may hand out a few more (its ``SKIP LOCKED`` subquery can run again per
    row), so every one claimed is returned, to be sent or released.
    """
    free = or_(WebhookDeliveryRow.claimed_until.is_(None), WebhookDeliveryRow.claimed_until <= now)
    async with _own_session(db) as session:
        due = (
            select(WebhookDeliveryRow.id)
            .where(WebhookDeliveryRow.status == "pending", WebhookDeliveryRow.due_at <= now, free)
            .order_by(WebhookDeliveryRow.due_at, WebhookDeliveryRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = await session.scalars(
            update(WebhookDeliveryRow)
            # Checked again on the locked row: a process that lost the race claims nothing.
            .where(WebhookDeliveryRow.id.in_(due.scalar_subquery()), WebhookDeliveryRow.status == "pending", free)
            .values(claimed_until=now + lease, attempts=WebhookDeliveryRow.attempts + 1)
            .returning(WebhookDeliveryRow.id)
        )
        ids = list(claimed)
        if not ids:
            return []
        rows = await session.scalars(
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id.in_(ids))
            .order_by(WebhookDeliveryRow.due_at, WebhookDeliveryRow.id)
            .execution_options(populate_existing=True)
        )
        return [_record(row) for row in rows]


async def release_webhooks(db: Database, row_ids: Sequence[int], claimed_until: datetime) -> None:
    """Give back deliveries claimed (until ``claimed_until``) but not sent, unless claimed again since; the
    attempt is not counted."""
    if not row_ids:
        return
    async with _own_session(db) as session:
        await session.execute(
            update(WebhookDeliveryRow)
            .where(
                WebhookDeliveryRow.id.in_(list(row_ids)),
                WebhookDeliveryRow.status == "pending",
                WebhookDeliveryRow.claimed_until == claimed_until,
            )
            .values(claimed_until=None, attempts=WebhookDeliveryRow.attempts - 1)
        )


async def mark_webhook_sent(db: Database, row_id: int, now: datetime) -> None:
    """Record the 2xx: the delivery is never sent again."""
    async with _own_session(db) as session:
        await session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id == row_id)
            .values(status="sent", sent_at=now, claimed_until=None, last_error=None)
        )


async def mark_webhook_retry(db: Database, row_id: int, due_at: datetime, error: str) -> None:
    """Give the delivery back, to be tried again at ``due_at`` (unless it was sent meanwhile)."""
    async with _own_session(db) as session:
        await session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id == row_id, WebhookDeliveryRow.status == "pending")
            .values(due_at=due_at, claimed_until=None, last_error=error[:200])
        )


async def mark_webhook_failed(db: Database, row_id: int, error: str) -> None:
    """Give up on the delivery (unless it was sent meanwhile)."""
    async with _own_session(db) as session:
        await session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id == row_id, WebhookDeliveryRow.status == "pending")
            .values(status="failed", claimed_until=None, last_error=error[:200])
        )


async def list_webhooks(session: AsyncSession, status: str | None = None, limit: int = 20) -> list[WebhookDelivery]:
    """The latest deliveries, newest first, optionally only those with ``status``."""
    query = select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id.desc()).limit(limit)
    if status is not None:
        query = query.where(WebhookDeliveryRow.status == status)
    return [_record(row) for row in await session.scalars(query)]


async def get_webhook(session: AsyncSession, row_id: int) -> WebhookDelivery | None:
    """The delivery with ``row_id``, if any."""
    row = await session.get(WebhookDeliveryRow, row_id)
    return None if row is None else _record(row)


async def retry_webhook(session: AsyncSession, row_id: int, now: datetime, window: timedelta) -> bool:
    """Make a failed or pending delivery due now, with ``window`` to succeed again; False if sent (or none).

    A sent delivery is never sent again; one claimed right now keeps its claim (its outcome is recorded as usual).
    """
    changed = await session.execute(
        update(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.id == row_id, WebhookDeliveryRow.status.in_(("pending", "failed")))
        .values(status="pending", due_at=now, give_up_at=now + window, attempts=0)
        .returning(WebhookDeliveryRow.id)
    )
    return changed.scalar() is not None
