"""Repository for people: platform identities linked into one person, one-time link codes, the privacy audit log.

An identity that was never linked belongs to no person; it stands alone. ``link`` makes a person of two identities
(or adds one to a person, or merges two people); a person left with one identity is dissolved again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LeadRow
from storage.models_people import LinkCodeRow, PersonIdentityRow, PersonRow, PrivacyAuditRow
from storage.records import Identity, PersonData, Sender

__all__ = [
    "dissolve_lonely",
    "find_identities",
    "identities_of",
    "issue_code",
    "link",
    "person_data",
    "record_audit",
    "redeem_code",
    "senders_of",
    "unlink",
]


async def _person_of(session: AsyncSession, who: Identity) -> int | None:
    return await session.scalar(
        select(PersonIdentityRow.person_id).where(
            PersonIdentityRow.platform == who.platform, PersonIdentityRow.user_id == who.user
        )
    )


async def identities_of(session: AsyncSession, who: Identity) -> list[Identity]:
    """Every identity of ``who``'s person, ``who`` first (just ``who`` when it is linked to nobody)."""
    person = await _person_of(session, who)
    if person is None:
        return [who]
    rows = await session.execute(
        select(PersonIdentityRow.platform, PersonIdentityRow.user_id)
        .where(PersonIdentityRow.person_id == person)
        .order_by(PersonIdentityRow.linked_at, PersonIdentityRow.platform, PersonIdentityRow.user_id)
    )
    others = [Identity(p, u) for p, u in rows if Identity(p, u) != who]
    return [who, *others]


async def find_identities(session: AsyncSession, user: str, platform: str | None = None) -> list[Identity]:
    """Linked identities with the user id ``user`` (on ``platform``, when given)."""
    query = select(PersonIdentityRow.platform, PersonIdentityRow.user_id).where(PersonIdentityRow.user_id == user)
    if platform is not None:
        query = query.where(PersonIdentityRow.platform == platform)
    return [Identity(p, u) for p, u in await session.execute(query.order_by(PersonIdentityRow.platform))]


async def issue_code(session: AsyncSession, who: Identity, code_hash: str, expires_at: datetime, now: datetime) -> None:
    """Keep ``code_hash`` as ``who``'s one link code (an earlier one of theirs, and expired ones, are dropped)."""
    await session.execute(
        delete(LinkCodeRow).where(
            or_(
                and_(LinkCodeRow.platform == who.platform, LinkCodeRow.user_id == who.user),
                LinkCodeRow.expires_at <= now,
            )
        )
    )
    session.add(LinkCodeRow(code_hash=code_hash, platform=who.platform, user_id=who.user, expires_at=expires_at))


async def redeem_code(session: AsyncSession, code_hash: str, by: Identity, now: datetime) -> Identity | None:
    """The identity that was given ``code_hash``, using the code up; None when unknown, used or expired.

    ``by`` (who typed it) cannot use its own code, which is then kept for the other account. The code is deleted
    with a statement whose row count says who got it, so of two replicas racing on one code only one links.
    """
    row = await session.scalar(select(LinkCodeRow).where(LinkCodeRow.code_hash == code_hash))
    if row is None:
        return None
    owner = Identity(row.platform, row.user_id)
    if owner == by and row.expires_at > now:
        return owner
    result = await session.execute(delete(LinkCodeRow).where(LinkCodeRow.code_hash == code_hash))
    used: int = result.rowcount  # type: ignore[attr-defined]
    return owner if used == 1 and row.expires_at > now else None


async def link(session: AsyncSession, first: Identity, second: Identity, now: datetime) -> list[Identity]:
    """Make ``first`` and ``second`` one person (merging their people if both had one); the person's identities."""
    person = await _person_of(session, first)
    other = await _person_of(session, second)
    if person is None and other is not None:
        first, second, person, other = second, first, other, None
    if person is None:
        row = PersonRow(created_at=now)
        session.add(row)
        await session.flush()
        person = row.id
        session.add(PersonIdentityRow(platform=first.platform, user_id=first.user, person_id=person, linked_at=now))
    if other is None:
        session.add(PersonIdentityRow(platform=second.platform, user_id=second.user, person_id=person, linked_at=now))
    elif other != person:
        await session.execute(
            update(PersonIdentityRow).where(PersonIdentityRow.person_id == other).values(person_id=person)
        )
        await session.execute(delete(PersonRow).where(PersonRow.id == other))
    await session.flush()
    return await identities_of(session, first)


async def unlink(session: AsyncSession, who: Identity) -> bool:
    """Take ``who`` out of its person (False: it was linked to nobody)."""
    result = await session.execute(
        delete(PersonIdentityRow).where(
            PersonIdentityRow.platform == who.platform, PersonIdentityRow.user_id == who.user
        )
    )
    await dissolve_lonely(session)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def dissolve_lonely(session: AsyncSession) -> None:
    """Delete people left with one identity or none (one identity needs no person)."""
    counts = (
        select(PersonIdentityRow.person_id)
        .group_by(PersonIdentityRow.person_id)
        .having(func.count() > 1)
        .scalar_subquery()
    )
    lonely = select(PersonRow.id).where(PersonRow.id.not_in(counts))
    await session.execute(delete(PersonIdentityRow).where(PersonIdentityRow.person_id.in_(lonely)))
    await session.execute(delete(PersonRow).where(~exists().where(PersonIdentityRow.person_id == PersonRow.id)))


async def person_data(
    session: AsyncSession, start: Iterable[Identity], emails: Iterable[str] = (), *, trusted: bool = False
) -> PersonData:
    """The person behind ``start`` identities and ``emails``: linked identities, and their leads.

    Their leads are those their identities sent. An email or a name typed into a form proves nothing about who typed
    it, so neither is followed: a lead with the email of one they sent is not theirs, and the account that sent a
    lead with their email is not them (an assistant sends their boss's address). ``trusted`` (staff, who checked
    who asks), the leads with ``emails`` are theirs too and the names typed in them name them; the accounts that
    sent those come back as :attr:`PersonData.senders`, left for staff to decide. Untrusted, ``emails`` are ignored.
    """
    identities: list[Identity] = []
    for who in start:
        identities += [i for i in await identities_of(session, who) if i not in identities]
    leads = {row.id: row for row in await _leads_of(session, identities, set())}
    known = {e.casefold() for e in emails if e} if trusted else set()
    by_email = await _leads_of(session, [], known) if known else []
    leads.update({row.id: row for row in by_email})
    names = {row.name for row in by_email if row.name}
    senders = senders_of(by_email, lambda who: who in identities)
    return PersonData(tuple(identities), frozenset(known), frozenset(names), tuple(sorted(leads)), senders)


def senders_of(rows: Iterable[LeadRow], theirs: Callable[[Identity], bool]) -> tuple[Sender, ...]:
    """The accounts that sent ``rows``, but those ``theirs`` says are the person's: each once, with its leads."""
    sent: dict[Identity, list[int]] = {}
    for row in sorted(rows, key=lambda lead: lead.id):
        if row.requester and not theirs(who := Identity(row.platform, row.requester)):
            sent.setdefault(who, []).append(row.id)
    return tuple(Sender(who, tuple(ids)) for who, ids in sent.items())


async def _leads_of(session: AsyncSession, identities: Sequence[Identity], emails: set[str]) -> list[LeadRow]:
    by_requester = [and_(LeadRow.platform == i.platform, LeadRow.requester == i.user) for i in identities]
    by_email = [LeadRow.email_lower.in_(sorted(emails))] if emails else []
    if not by_requester and not by_email:
        return []
    return list((await session.scalars(select(LeadRow).where(or_(*by_requester, *by_email)))).all())


async def record_audit(
    session: AsyncSession, action: str, actor: str, subject_kind: str, rows: int, now: datetime
) -> None:
    """Log a data export or erasure: ``action`` by ``actor`` on a subject named by a ``subject_kind``, never whom."""
    session.add(PrivacyAuditRow(action=action, actor=actor, subject_kind=subject_kind, rows=rows, created_at=now))
