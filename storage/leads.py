"""Repository for consulting leads and their history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LeadEventRow, LeadRow
from storage.records import Lead, LeadEvent
from storage.upsert import insert_for

__all__ = [
    "CLOSED_STATUSES",
    "PLAIN_DETAILS",
    "RETIRED_STATUSES",
    "NewLead",
    "add_lead_event",
    "anonymize_leads",
    "claim_unreminded_new_leads",
    "closed_leads_older_than",
    "find_open_lead_by_email",
    "get_lead",
    "insert_lead",
    "insert_lead_once",
    "lead_history",
    "lead_ids_by_email",
    "list_leads",
    "merge_lead",
    "update_lead",
]

CLOSED_STATUSES = frozenset({"won", "lost", "spam", "merged"})
# Closed without a sale: personal data goes after the retention period.
RETIRED_STATUSES = ("lost", "spam", "merged")
PLAIN_DETAILS = ("status", "assigned", "reminder", "anonymized")
"""History kinds whose detail never quotes the requester (a status change, the staff member assigned, a reminder, why
a lead was anonymized): kept when a lead is anonymized, so its history still says what happened. A forget still
masks the forgotten person's own id in an assignment (``personal_when`` in :mod:`storage.models`)."""


@dataclass(frozen=True)
class NewLead:
    """What the intake form collected."""

    name: str
    email: str
    organization: str
    help_kind: str
    description: str
    timeline: str
    budget: str
    platform: str
    requester: str
    submission_key: str | None = None
    duplicate_of: int | None = None


def _record(row: LeadRow) -> Lead:
    return Lead(
        id=row.id,
        name=row.name,
        email=row.email,
        organization=row.organization,
        help_kind=row.help_kind,
        description=row.description,
        timeline=row.timeline,
        budget=row.budget,
        status=row.status,
        assignee=row.assignee,
        platform=row.platform,
        requester=row.requester,
        created_at=row.created_at,
        updated_at=row.updated_at,
        anonymized_at=row.anonymized_at,
        reminded_at=row.reminded_at,
        duplicate_of=row.duplicate_of,
        status_since=row.status_since or row.created_at,
    )


def _row_values(new: NewLead, now: datetime) -> dict[str, Any]:
    return {
        "name": new.name,
        "email": new.email,
        "email_lower": new.email.casefold(),
        "organization": new.organization or None,
        "help_kind": new.help_kind,
        "description": new.description,
        "timeline": new.timeline,
        "budget": new.budget or None,
        "status": "new",
        "platform": new.platform,
        "requester": new.requester,
        "submission_key": new.submission_key,
        "duplicate_of": new.duplicate_of,
        "created_at": now,
        "updated_at": now,
    }


async def insert_lead_once(
    session: AsyncSession, new: NewLead, now: datetime, fresh_since: datetime
) -> tuple[Lead, bool]:
    """Store ``new`` unless an open lead created since ``fresh_since`` has its ``submission_key``.

    Returns the lead and whether it is new. A closed or older lead first gives the key up, so the same answers
    sent again later make a new lead. ``INSERT ... ON CONFLICT DO NOTHING`` on the unique key: two copies of one
    submission handled at the same moment (even by two replicas) make one lead, and the second copy gets the first
    one's lead back.
    """
    if new.submission_key is None:
        return await insert_lead(session, new, now), True
    await session.execute(
        update(LeadRow)
        .where(
            LeadRow.submission_key == new.submission_key,
            or_(LeadRow.status.in_(CLOSED_STATUSES), LeadRow.created_at < fresh_since),
        )
        .values(submission_key=None)
    )
    # Looked up first so that a resend does not use up an id (PostgreSQL takes one even for a refused insert).
    existing = await session.scalar(select(LeadRow).where(LeadRow.submission_key == new.submission_key))
    if existing is not None:
        return _record(existing), False
    stmt = (
        insert_for(session, LeadRow)
        .values(**_row_values(new, now))
        .on_conflict_do_nothing(index_elements=["submission_key"])
        .returning(LeadRow.id)
    )
    new_id = await session.scalar(stmt)
    row = await session.scalar(select(LeadRow).where(LeadRow.submission_key == new.submission_key))
    assert row is not None
    return _record(row), new_id is not None


async def merge_lead(session: AsyncSession, source_id: int, target_id: int, now: datetime) -> None:
    """Close ``source_id`` as merged into ``target_id`` (the caller records what moved in the history)."""
    await session.execute(
        update(LeadRow).where(LeadRow.id == source_id).values(status="merged", duplicate_of=target_id, updated_at=now)
    )


async def insert_lead(session: AsyncSession, new: NewLead, now: datetime) -> Lead:
    """Store a new lead with status ``new``."""
    row = LeadRow(**_row_values(new, now))
    session.add(row)
    await session.flush()
    return _record(row)


async def find_open_lead_by_email(session: AsyncSession, email: str) -> Lead | None:
    """The oldest lead from ``email`` (any case) that is not won, lost or spam."""
    row = await session.scalar(
        select(LeadRow)
        .where(LeadRow.email_lower == email.casefold(), LeadRow.status.not_in(CLOSED_STATUSES))
        .order_by(LeadRow.id)
        .limit(1)
    )
    return None if row is None else _record(row)


async def get_lead(session: AsyncSession, lead_id: int) -> Lead | None:
    """The lead with ``lead_id``, if any."""
    row = await session.get(LeadRow, lead_id)
    return None if row is None else _record(row)


async def list_leads(
    session: AsyncSession,
    status: str | None = None,
    assignee: str | Sequence[str] | None = None,
    since: datetime | None = None,
) -> list[Lead]:
    """Leads, newest first, filtered by status, assignee (any of several spellings, without case) and creation time."""
    query = select(LeadRow).order_by(LeadRow.id.desc())
    if status is not None:
        query = query.where(LeadRow.status == status)
    if assignee is not None:
        wanted = [assignee] if isinstance(assignee, str) else list(assignee)
        query = query.where(func.lower(LeadRow.assignee).in_([name.casefold() for name in wanted]))
    if since is not None:
        query = query.where(LeadRow.created_at >= since)
    return [_record(row) for row in await session.scalars(query)]


async def update_lead(
    session: AsyncSession,
    lead_id: int,
    now: datetime,
    *,
    status: str | None = None,
    assignee: str | None = None,
) -> Lead | None:
    """Change a lead's status or assignee; returns the updated lead, or None if there is none."""
    row = await session.get(LeadRow, lead_id)
    if row is None:
        return None
    if status is not None and status != row.status:
        row.status = status
        row.status_since = now
    if assignee is not None:
        row.assignee = assignee
    row.updated_at = now
    await session.flush()
    return _record(row)


async def add_lead_event(
    session: AsyncSession, lead_id: int, actor: str, kind: str, detail: str, now: datetime
) -> None:
    """Append an entry to a lead's history."""
    session.add(LeadEventRow(lead_id=lead_id, actor=actor, kind=kind, detail=detail, created_at=now))


async def lead_history(session: AsyncSession, lead_id: int) -> list[LeadEvent]:
    """A lead's history, oldest first."""
    rows = await session.scalars(select(LeadEventRow).where(LeadEventRow.lead_id == lead_id).order_by(LeadEventRow.id))
    return [LeadEvent(r.lead_id, r.actor, r.kind, r.detail, r.created_at) for r in rows]


async def claim_unreminded_new_leads(session: AsyncSession, created_before: datetime, now: datetime) -> list[Lead]:
    """Mark every lead still ``new`` since before ``created_before`` as reminded, and return them.

    The conditional UPDATE is the claim: when several bot processes tick at once, each lead is returned to exactly
    one of them.
    """
    claimed = await session.scalars(
        update(LeadRow)
        .where(LeadRow.status == "new", LeadRow.reminded_at.is_(None), LeadRow.created_at <= created_before)
        .values(reminded_at=now)
        .returning(LeadRow.id)
    )
    ids = sorted(claimed)
    if not ids:
        return []
    rows = await session.scalars(select(LeadRow).where(LeadRow.id.in_(ids)).order_by(LeadRow.id))
    return [_record(row) for row in rows]


async def lead_ids_by_email(session: AsyncSession, email: str) -> list[int]:
    """Every lead (any status) from ``email``, compared without case."""
    return list(await session.scalars(select(LeadRow.id).where(LeadRow.email_lower == email.casefold())))


async def closed_leads_older_than(session: AsyncSession, cutoff: datetime) -> list[int]:
    """Lost, spam or merged leads, not yet anonymized, last changed before ``cutoff``."""
    return list(
        await session.scalars(
            select(LeadRow.id).where(
                LeadRow.status.in_(RETIRED_STATUSES), LeadRow.anonymized_at.is_(None), LeadRow.updated_at < cutoff
            )
        )
    )


async def anonymize_leads(session: AsyncSession, lead_ids: list[int], actor: str, reason: str, now: datetime) -> None:
    """Erase the personal fields of these leads and the details of their history that may quote the requester
    (notes, merges); keep kind, dates, status and the details that never do (see :data:`PLAIN_DETAILS`).

    A history entry records that it happened (and why), not what was erased.
    """
    if not lead_ids:
        return
    await session.execute(
        update(LeadRow)
        .where(LeadRow.id.in_(lead_ids))
        .values(
            name=None,
            email=None,
            email_lower=None,
            organization=None,
            description=None,
            timeline=None,
            budget=None,
            requester=None,
            submission_key=None,
            anonymized_at=now,
        )
    )
    await session.execute(
        update(LeadEventRow)
        .where(LeadEventRow.lead_id.in_(lead_ids), LeadEventRow.kind.not_in(PLAIN_DETAILS))
        .values(detail="")
    )
    for lead_id in lead_ids:
        session.add(LeadEventRow(lead_id=lead_id, actor=actor, kind="anonymized", detail=reason, created_at=now))
