"""Repository for scheduled messages: stored with the claim that produced them, then claimed, sent, marked sent.

A row is ``pending`` until a send succeeds (``sent``) or cannot succeed (``failed``). Sending first claims the row
for a lease (``claimed_until``); a process killed while holding it loses nothing, since the next tick after the lease
takes the row again. A row marked ``sent`` is never claimed again.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Attachment, Button, FieldKind, Form, FormField, Reply, Visibility
from storage.db import Database
from storage.models import ScheduledMessageRow

__all__ = [
    "Claimed",
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
class Claimed:
    """A message claimed for sending: its row id, the reply (with its key) and the attempt this is (1 = first)."""

    id: int
    reply: Reply
    attempt: int


def new_key() -> str:
    """A key for a message its job did not name: short enough for every platform's idempotency field."""
    return "s:" + uuid.uuid4().hex[:20]


async def enqueue(session: AsyncSession, replies: Sequence[Reply], now: datetime) -> list[Reply]:
    """Store ``replies`` to send, in the caller's transaction; returns them with their keys.

    A reply whose ``key`` is already stored is not stored again (nor returned).
    """
    keyed = [reply if reply.key else replace(reply, key=new_key()) for reply in replies]
    if not keyed:
        return []
    rows = [
        {
            "key": reply.key,
            "payload": json.dumps(_plain(reply)),
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "due_at": now,
        }
        for reply in keyed
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ScheduledMessageRow).on_conflict_do_nothing(index_elements=["key"])
    stored = set(await session.scalars(statement.returning(ScheduledMessageRow.key), rows))
    return [reply for reply in keyed if reply.key in stored]


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
            .returning(ScheduledMessageRow.id, ScheduledMessageRow.payload, ScheduledMessageRow.attempts)
        )
        out = [Claimed(row_id, _reply(json.loads(payload)), attempts) for row_id, payload, attempts in claimed]
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


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):  # an attachment's binary data (a PNG chart)
        return {"base64": base64.b64encode(value).decode("ascii")}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _pairs(items: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((a, b) for a, b in items)


def _form(data: dict[str, Any]) -> Form:
    return Form(
        form_id=data["form_id"],
        title=data["title"],
        fields=tuple(
            FormField(**{**f, "kind": FieldKind(f["kind"]), "choices": _pairs(f["choices"])}) for f in data["fields"]
        ),
        submit_label=data["submit_label"],
        context=data["context"],
    )


def _reply(data: dict[str, Any]) -> Reply:
    return Reply(
        **{
            **data,
            "buttons": tuple(Button(**b) for b in data["buttons"]),
            "form": _form(data["form"]) if data["form"] else None,
            "visibility": Visibility(data["visibility"]),
            "attachment": _attachment(data["attachment"]) if data["attachment"] else None,
            "fields": _pairs(data["fields"]),
            "form_errors": _pairs(data["form_errors"]),
        }
    )


def _attachment(data: dict[str, Any]) -> Attachment:
    binary = data.get("data")
    return Attachment(**{**data, "data": base64.b64decode(binary["base64"]) if binary else None})
