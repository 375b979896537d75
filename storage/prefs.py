"""Repository for each person's own settings: their time zone (``me tz``) and the days they are away (``me away``).

Settings are kept per platform identity (the account that set them) and read across the person's linked ones, so
``me tz`` typed on Slack also holds on the person's Discord account, and unlinking takes nothing from anyone. Days
away are whole dates, read in the person's own zone (the group's when they set none).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_people import MemberAwayRow, MemberPrefsRow, PersonIdentityRow
from storage.records import Identity

__all__ = [
    "AwayPeriod",
    "add_away",
    "anyone_away",
    "away_periods",
    "away_users",
    "clear_away",
    "is_away",
    "set_zone",
    "zone_of",
]


@dataclass(frozen=True)
class AwayPeriod:
    """Days off, ``starts_on`` to ``ends_on`` inclusive."""

    starts_on: date
    ends_on: date

    def covers(self, day: date) -> bool:
        """Whether ``day`` is one of them."""
        return self.starts_on <= day <= self.ends_on


def _of(model: type[MemberPrefsRow] | type[MemberAwayRow], identities: Iterable[Identity]) -> ColumnElement[bool]:
    """Rows of ``model`` belonging to one of ``identities``."""
    return or_(*(and_(model.platform == i.platform, model.user_id == i.user) for i in identities))


async def set_zone(session: AsyncSession, who: Identity, zone: str, now: datetime) -> None:
    """Keep ``zone`` as ``who``'s time zone (the latest set on any linked account wins)."""
    row = await session.get(MemberPrefsRow, (who.platform, who.user))
    if row is None:
        session.add(MemberPrefsRow(platform=who.platform, user_id=who.user, timezone=zone, updated_at=now))
    else:
        row.timezone, row.updated_at = zone, now
    await session.flush()


async def zone_of(session: AsyncSession, identities: Sequence[Identity]) -> str | None:
    """The time zone the person set last on any of ``identities``; None when they set none."""
    if not identities:
        return None
    found = await session.scalar(
        select(MemberPrefsRow.timezone)
        .where(_of(MemberPrefsRow, identities))
        .order_by(MemberPrefsRow.updated_at.desc())
        .limit(1)
    )
    return str(found) if found is not None else None


async def add_away(session: AsyncSession, who: Identity, starts_on: date, ends_on: date, now: datetime) -> None:
    """Record days away for ``who``, ``starts_on`` to ``ends_on`` inclusive."""
    session.add(
        MemberAwayRow(platform=who.platform, user_id=who.user, starts_on=starts_on, ends_on=ends_on, created_at=now)
    )
    await session.flush()


async def away_periods(session: AsyncSession, identities: Sequence[Identity], since: date) -> list[AwayPeriod]:
    """The person's days away that end on ``since`` or later, earliest first."""
    if not identities:
        return []
    rows = await session.execute(
        select(MemberAwayRow.starts_on, MemberAwayRow.ends_on)
        .where(
            _of(MemberAwayRow, identities),
            MemberAwayRow.ends_on >= since,
        )
        .order_by(MemberAwayRow.starts_on, MemberAwayRow.ends_on)
    )
    return list(dict.fromkeys(AwayPeriod(s, e) for s, e in rows))


async def clear_away(session: AsyncSession, identities: Sequence[Identity], since: date) -> int:
    """Drop the person's days away that end on ``since`` or later (``me away off``); how many periods went."""
    if not identities:
        return 0
    result = await session.execute(
        delete(MemberAwayRow).where(
            _of(MemberAwayRow, identities),
            MemberAwayRow.ends_on >= since,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def anyone_away(session: AsyncSession, moment: datetime) -> bool:
    """Whether anybody has days away around ``moment`` (a cheap test before looking members up one group at a time)."""
    day = moment.date()
    found = await session.scalar(
        select(MemberAwayRow.id)
        .where(MemberAwayRow.starts_on <= day + timedelta(days=1), MemberAwayRow.ends_on >= day - timedelta(days=1))
        .limit(1)
    )
    return found is not None


async def is_away(session: AsyncSession, identities: Sequence[Identity], day: date) -> bool:
    """Whether the person (any of ``identities``) is away on ``day``."""
    return any(p.covers(day) for p in await away_periods(session, identities, day))


async def _linked(session: AsyncSession, platform: str, users: Sequence[str]) -> dict[Identity, str]:
    """Each identity of the people behind ``users`` (on ``platform``), mapped to the user it stands for."""
    out = {Identity(platform, u): u for u in users}
    persons = await session.execute(
        select(PersonIdentityRow.person_id, PersonIdentityRow.user_id).where(
            PersonIdentityRow.platform == platform, PersonIdentityRow.user_id.in_(list(users))
        )
    )
    user_of_person = {person: user for person, user in persons}
    if user_of_person:
        rows = await session.execute(
            select(PersonIdentityRow.person_id, PersonIdentityRow.platform, PersonIdentityRow.user_id).where(
                PersonIdentityRow.person_id.in_(list(user_of_person))
            )
        )
        out |= {Identity(p, u): user_of_person[person] for person, p, u in rows}
    return out


async def away_users(
    session: AsyncSession, platform: str, users: Sequence[str], moment: datetime, fallback_zone: str
) -> set[str]:
    """Which of ``users`` (ids on ``platform``) are away at ``moment``, on any of their linked accounts.

    The day is read in each person's own zone, or ``fallback_zone`` (the group's) when they set none.
    """
    if not users:
        return set()
    identities = await _linked(session, platform, users)
    pairs = list(identities)
    where = _of(MemberAwayRow, pairs)
    earliest = moment.date() - timedelta(days=1)  # the day may be a day behind UTC in the person's zone
    away = await session.execute(
        select(MemberAwayRow.platform, MemberAwayRow.user_id, MemberAwayRow.starts_on, MemberAwayRow.ends_on).where(
            where, MemberAwayRow.ends_on >= earliest
        )
    )
    periods: dict[str, list[AwayPeriod]] = {}
    for p, u, starts_on, ends_on in away:
        periods.setdefault(identities[Identity(p, u)], []).append(AwayPeriod(starts_on, ends_on))
    if not periods:
        return set()
    zones = await session.execute(
        select(MemberPrefsRow.platform, MemberPrefsRow.user_id, MemberPrefsRow.timezone)
        .where(_of(MemberPrefsRow, pairs))
        .order_by(MemberPrefsRow.updated_at)
    )
    zone_by_user = {identities[Identity(p, u)]: z for p, u, z in zones}  # the latest set wins
    return {
        user
        for user, spans in periods.items()
        if any(span.covers(moment.astimezone(_zone(zone_by_user.get(user, fallback_zone))).date()) for span in spans)
    }


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
