"""Repository for each person's own settings: their time zone (``me tz``) and the days they are away (``me away``).

Settings are kept per platform identity (the account that set them) and read across the person's linked ones, so
``me tz`` typed on Slack also holds on the person's Discord account, and unlinking takes nothing from anyone. Days
away are whole dates, read in the person's own zone (the group's when they set none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, delete, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_people import MemberAwayRow, MemberPrefsRow, PersonIdentityRow
from storage.records import Identity

__all__ = [
    "Absences",
    "AwayPeriod",
    "absences",
    "add_away",
    "away_periods",
    "away_users",
    "clear_away",
    "clear_zone",
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


async def clear_zone(session: AsyncSession, identities: Sequence[Identity]) -> bool:
    """Forget the time zone set on any of ``identities`` (the person's accounts); whether one was set."""
    if not identities:
        return False
    result = await session.execute(delete(MemberPrefsRow).where(_of(MemberPrefsRow, identities)))
    return bool(getattr(result, "rowcount", 0))


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


async def is_away(session: AsyncSession, identities: Sequence[Identity], day: date) -> bool:
    """Whether the person (any of ``identities``) is away on ``day``."""
    return any(p.covers(day) for p in await away_periods(session, identities, day))


@dataclass(frozen=True)
class Absences:
    """Who is away around one moment: every account of every person with days off near it, with the person's
    periods and own zone (read once for a whole batch of groups, however many)."""

    moment: datetime
    periods: Mapping[Identity, tuple[AwayPeriod, ...]]
    zones: Mapping[Identity, str]

    def among(self, platform: str, users: Iterable[str], fallback_zone: str, at: datetime | None = None) -> set[str]:
        """Which of ``users`` (ids on ``platform``) are away at the moment (or ``at``, within the span these
        absences were read for), each day read in the person's own zone or ``fallback_zone`` (the group's) when
        they set none."""
        out = set()
        moment = at or self.moment
        for user in users:
            who = Identity(platform, user)
            spans = self.periods.get(who)
            if spans:
                day = moment.astimezone(_zone(self.zones.get(who, fallback_zone))).date()
                if any(span.covers(day) for span in spans):
                    out.add(user)
        return out


async def absences(session: AsyncSession, moment: datetime, until: datetime | None = None) -> Absences:
    """Everyone with days away around ``moment`` (or from it ``until`` another; a day either side: zones differ),
    in three queries at most."""
    first, last = moment.date(), (until or moment).date()
    rows = await session.execute(
        select(MemberAwayRow.platform, MemberAwayRow.user_id, MemberAwayRow.starts_on, MemberAwayRow.ends_on).where(
            MemberAwayRow.starts_on <= last + timedelta(days=1), MemberAwayRow.ends_on >= first - timedelta(days=1)
        )
    )
    own = [(Identity(p, u), AwayPeriod(starts, ends)) for p, u, starts, ends in rows]
    if not own:
        return Absences(moment, {}, {})
    person = await _people(session, {who for who, _ in own})
    periods: dict[Identity, list[AwayPeriod]] = {}
    for who, span in own:
        periods.setdefault(person[who], []).append(span)
    zones = await session.execute(
        select(MemberPrefsRow.platform, MemberPrefsRow.user_id, MemberPrefsRow.timezone)
        .where(tuple_(MemberPrefsRow.platform, MemberPrefsRow.user_id).in_([(i.platform, i.user) for i in person]))
        .order_by(MemberPrefsRow.updated_at)
    )
    zone_of_person = {person[Identity(p, u)]: z for p, u, z in zones}  # the latest set wins
    return Absences(
        moment,
        {who: tuple(periods[key]) for who, key in person.items() if key in periods},
        {who: zone_of_person[key] for who, key in person.items() if key in zone_of_person},
    )


async def _people(session: AsyncSession, identities: set[Identity]) -> dict[Identity, Identity]:
    """Each of ``identities`` and every account linked to them, mapped to one account that stands for the person."""
    out = {who: who for who in identities}
    pairs = [(i.platform, i.user) for i in identities]
    linked = await session.execute(
        select(PersonIdentityRow.person_id, PersonIdentityRow.platform, PersonIdentityRow.user_id).where(
            tuple_(PersonIdentityRow.platform, PersonIdentityRow.user_id).in_(pairs)
        )
    )
    key_of_person = {person: Identity(p, u) for person, p, u in linked}
    if key_of_person:
        rows = await session.execute(
            select(PersonIdentityRow.person_id, PersonIdentityRow.platform, PersonIdentityRow.user_id).where(
                PersonIdentityRow.person_id.in_(list(key_of_person))
            )
        )
        out |= {Identity(p, u): key_of_person[person] for person, p, u in rows}
    return out


async def away_users(
    session: AsyncSession, platform: str, users: Sequence[str], moment: datetime, fallback_zone: str
) -> set[str]:
    """Which of ``users`` (ids on ``platform``) are away at ``moment``, on any of their linked accounts.

    The day is read in each person's own zone, or ``fallback_zone`` (the group's) when they set none.
    """
    if not users:
        return set()
    return (await absences(session, moment)).among(platform, users, fallback_zone)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
