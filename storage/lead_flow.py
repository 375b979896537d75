"""Repository for the lead flow: consents, response-timer claims, who is away, and the assignment rotation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.leads import _record
from storage.models import LeadConsentRow, LeadReminderRow, LeadRotationRow, LeadRow, StaffAwayRow
from storage.records import Lead
from storage.upsert import insert_for

__all__ = [
    "Consent",
    "add_consents",
    "assign_if_unclaimed",
    "away_overrides",
    "claim_reminders",
    "lead_consents",
    "next_in_rotation",
    "set_away",
]


@dataclass(frozen=True)
class Consent:
    """One consent as asked and answered: ``purpose`` is ``store`` or ``offers``."""

    purpose: str
    given: bool
    text: str
    version: str
    platform: str
    recorded_at: datetime | None = None


async def add_consents(session: AsyncSession, lead_id: int, consents: Sequence[Consent], now: datetime) -> None:
    """Record the consents given (or refused) with a new lead."""
    for c in consents:
        session.add(
            LeadConsentRow(
                lead_id=lead_id,
                purpose=c.purpose,
                given=c.given,
                text=c.text,
                version=c.version,
                platform=c.platform,
                recorded_at=now,
            )
        )


async def lead_consents(session: AsyncSession, lead_id: int) -> list[Consent]:
    """A lead's consents, in the order they were recorded."""
    rows = await session.scalars(
        select(LeadConsentRow).where(LeadConsentRow.lead_id == lead_id).order_by(LeadConsentRow.id)
    )
    return [Consent(r.purpose, r.given, r.text, r.version, r.platform, r.recorded_at) for r in rows]


async def claim_reminders(
    session: AsyncSession, status: str, stage: str, entered_before: datetime, now: datetime, *, assigned: bool
) -> list[Lead]:
    """Claim ``stage`` for every lead in ``status`` since before ``entered_before``; return those claimed here.

    Only leads with an assignee when ``assigned``. The claim is an insert into a table whose unique key is (lead,
    status, since, stage): when several processes tick at once, each reminder is claimed by exactly one of them,
    and a lead that leaves the status and comes back starts a new timer.
    """
    since = func.coalesce(LeadRow.status_since, LeadRow.created_at)
    claimed = LeadReminderRow
    query = (
        select(LeadRow)
        .outerjoin(
            claimed,
            and_(
                claimed.lead_id == LeadRow.id,
                claimed.status == status,
                claimed.stage == stage,
                claimed.since == since,
            ),
        )
        .where(LeadRow.status == status, since <= entered_before, claimed.id.is_(None))
        .order_by(LeadRow.id)
    )
    if assigned:
        query = query.where(LeadRow.assignee.is_not(None))
    won = []
    for row in list(await session.scalars(query)):
        values = {"lead_id": row.id, "status": status, "since": row.status_since or row.created_at}
        stmt = (
            insert_for(session, LeadReminderRow)
            .values(**values, stage=stage, claimed_at=now)
            .on_conflict_do_nothing(index_elements=["lead_id", "status", "since", "stage"])
            .returning(LeadReminderRow.id)
        )
        if await session.scalar(stmt) is not None:
            won.append(_record(row))
    return won


async def assign_if_unclaimed(session: AsyncSession, lead_id: int, assignee: str, now: datetime) -> bool:
    """Give the lead to ``assignee`` unless someone has it already; whether it was given."""
    result = await session.execute(
        update(LeadRow)
        .where(LeadRow.id == lead_id, LeadRow.assignee.is_(None))
        .values(assignee=assignee, updated_at=now)
        .returning(LeadRow.id)
    )
    return result.first() is not None


async def next_in_rotation(session: AsyncSession, names: Sequence[str], now: datetime) -> str | None:
    """The name after the last one handed a lead (wrapping round), recorded as the new last; None if none.

    ``names`` are those in the rotation who are not away, in the settings' order. The rotation row is updated
    only if it still says what was read, so two processes handing out leads at once take different names.
    """
    if not names:
        return None
    for _ in range(5):
        row = await session.get(LeadRotationRow, 1)
        last = row.last if row is not None else None
        position = names.index(last) + 1 if last in names else 0
        chosen = names[position % len(names)]
        if row is None:
            first = insert_for(session, LeadRotationRow).values(id=1, last=chosen, updated_at=now)
            stmt = first.on_conflict_do_nothing()
            done = (await session.execute(stmt.returning(LeadRotationRow.id))).first() is not None
        else:
            stmt2 = (
                update(LeadRotationRow)
                .where(LeadRotationRow.id == 1, LeadRotationRow.last == last)
                .values(last=chosen, updated_at=now)
                .returning(LeadRotationRow.id)
            )
            done = (await session.execute(stmt2)).first() is not None
        if done:
            return chosen
        session.expire_all()
    return None


async def set_away(session: AsyncSession, name: str, away: bool, now: datetime) -> None:
    """Record ``leads away on|off`` for ``name``."""
    row = await session.get(StaffAwayRow, name)
    if row is None:
        session.add(StaffAwayRow(name=name, away=away, updated_at=now))
    else:
        row.away, row.updated_at = away, now
    await session.flush()


async def away_overrides(session: AsyncSession) -> dict[str, bool]:
    """Name -> away, as staff last set it with ``leads away on|off``."""
    return {r.name: r.away for r in await session.scalars(select(StaffAwayRow))}
