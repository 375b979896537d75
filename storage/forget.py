"""Forget a person: every row that names them, in every table, is erased or anonymized.

A person is known by their email addresses, full names and platform user ids. :func:`forget_person`

1. anonymizes their leads (personal fields nulled, history details blanked; kind, status and dates kept);
2. walks every table of the ORM metadata and every string column in it (so a table added later is covered without
   changing this module): a row whose key or unique column names the person is theirs and is deleted (their
   half-filled forms, check-in answers, group memberships, learned examples); in any other row each mention is
   replaced with ``(forgotten)`` (notes on other leads, ``leads.assignee``, history actors, asked questions, check-in
   answers of others that name them);
3. on SQLite, checkpoints the write-ahead log so the old pages leave the files too (the connection runs with
   ``PRAGMA secure_delete=ON``, which zeroes deleted content).

Emails match anywhere in a text, case-insensitively; names and distinctive user ids (six characters or more, or with a
digit: ``U0123ABC``, a Discord snowflake) match as whole words. A short user id (a console user ``ann``) matches only
a whole value (``ann``, ``console:ann``), so forgetting her leaves the word "Ann" in other people's text alone. Each
identifier is also matched in its JSON-escaped form (answers are stored as JSON).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, String, Table, UniqueConstraint, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.leads import anonymize_leads
from storage.models import Base, LeadRow

__all__ = ["FORGOTTEN", "ForgetResult", "Person", "forget_person"]

FORGOTTEN = "(forgotten)"


@dataclass(frozen=True)
class Person:
    """How a person is named in the data.

    Attributes:
        emails: email addresses (any case).
        names: full names, as typed in forms.
        user_ids: platform user ids (``U0123``, a Discord snowflake, a console user name).
    """

    emails: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    user_ids: frozenset[str] = frozenset()

    def identifiers(self) -> list[str]:
        """Every identifier, longest first (so a name inside an email is not replaced before the email)."""
        return sorted({*self.emails, *self.names, *self.user_ids} - {""}, key=len, reverse=True)


@dataclass(frozen=True)
class ForgetResult:
    """What was forgotten: the person as found, their anonymized leads, and other rows changed or deleted."""

    person: Person
    lead_ids: list[int] = field(default_factory=list)
    rows_deleted: int = 0
    rows_anonymized: int = 0


async def forget_person(
    db: Database, email: str, person: Person, actor: str, reason: str, now: datetime
) -> ForgetResult:
    """Erase ``email``'s leads and every mention of the person (``person`` plus what their leads name) everywhere.

    Args:
        db: the database.
        email: the address the person asked to be forgotten by.
        person: further identifiers given by staff (names, user ids).
        actor: who did it, for the lead history.
        reason: why, for the lead history.
        now: the current time.
    """
    async with db.session() as session:
        person, lead_ids = await _expand(session, email, person)
        await anonymize_leads(session, lead_ids, actor, reason, now)
        await session.flush()
        deleted, anonymized = await _scrub_everywhere(session, person)
    if db.dialect == "sqlite":
        async with db.engine.connect() as conn:
            await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    return ForgetResult(person, sorted(lead_ids), deleted, anonymized)


async def _expand(session: AsyncSession, email: str, person: Person) -> tuple[Person, list[int]]:
    """The person's leads by email, and the names and user ids those leads give."""
    rows = (await session.execute(select(LeadRow).where(LeadRow.email_lower == email.casefold()))).scalars().all()
    names = {row.name for row in rows if row.name}
    user_ids = {row.requester for row in rows if row.requester}
    expanded = Person(
        emails=person.emails | {email},
        names=person.names | names,
        user_ids=person.user_ids | user_ids,
    )
    return expanded, [row.id for row in rows]


def _needles(person: Person) -> list[str]:
    """Lower-case substrings that a row must contain to be looked at (raw and JSON-escaped)."""
    out: set[str] = set()
    for ident in person.identifiers():
        out.add(ident.lower())
        out.add(json.dumps(ident)[1:-1].lower())
    return sorted(out)


def _distinctive(user_id: str) -> bool:
    return len(user_id) >= 6 or any(ch.isdigit() for ch in user_id)


@dataclass(frozen=True)
class _Matcher:
    """Finds the person in a text: ``inside`` anywhere in it, ``whole`` as the entire value."""

    inside: re.Pattern[str] | None
    whole: re.Pattern[str] | None

    @classmethod
    def of(cls, person: Person) -> _Matcher:
        parts: list[str] = []
        for ident in person.identifiers():
            if ident in person.user_ids and ident not in person.names and not _distinctive(ident):
                continue
            for form in dict.fromkeys((ident, json.dumps(ident)[1:-1])):
                escaped = re.escape(form)
                parts.append(escaped if ident in person.emails else rf"(?<!\w){escaped}(?!\w)")
        ids = "|".join(re.escape(uid) for uid in sorted(person.user_ids, key=len, reverse=True) if uid)
        return cls(
            re.compile("|".join(parts), re.IGNORECASE) if parts else None,
            re.compile(rf"(?:[a-z]+:)?(?:{ids})", re.IGNORECASE) if ids else None,
        )

    def names(self, value: object) -> bool:
        """Whether ``value`` names the person."""
        if not isinstance(value, str):
            return False
        return bool(
            (self.whole is not None and self.whole.fullmatch(value))
            or (self.inside is not None and self.inside.search(value))
        )

    def scrub(self, value: str) -> str:
        """``value`` with every mention of the person replaced."""
        if self.whole is not None and self.whole.fullmatch(value):
            return FORGOTTEN
        return self.inside.sub(FORGOTTEN, value) if self.inside is not None else value


def _string_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if isinstance(c.type, String)]


def _length(column: Column[Any]) -> int | None:
    return column.type.length if isinstance(column.type, String) else None


def _identity_columns(table: Table) -> set[str]:
    """Columns that identify a row: the primary key and every unique constraint or index."""
    names = {c.name for c in table.primary_key.columns}
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            names |= {c.name for c in constraint.columns}
    for index in table.indexes:
        if index.unique:
            names |= {c.name for c in index.columns}
    return names


async def _scrub_everywhere(session: AsyncSession, person: Person) -> tuple[int, int]:
    needles = _needles(person)
    if not needles:
        return 0, 0
    matcher = _Matcher.of(person)
    deleted = anonymized = 0
    for table in Base.metadata.sorted_tables:
        columns = _string_columns(table)
        if not columns:
            continue
        d, a = await _scrub_table(session, table, columns, needles, matcher)
        deleted += d
        anonymized += a
    return deleted, anonymized


async def _scrub_table(
    session: AsyncSession,
    table: Table,
    columns: Sequence[Column[Any]],
    needles: Iterable[str],
    matcher: _Matcher,
) -> tuple[int, int]:
    key_columns = list(table.primary_key.columns)
    identity = _identity_columns(table)
    found = or_(*(func.lower(col).contains(needle, autoescape=True) for col in columns for needle in needles))
    rows = (await session.execute(select(*key_columns, *columns).where(found))).mappings().all()
    deleted = anonymized = 0
    for row in rows:
        where = [col == row[col.name] for col in key_columns]
        named = {c.name for c in columns if matcher.names(row[c.name])}
        if not named:
            continue
        if named & identity:
            await session.execute(delete(table).where(*where))
            deleted += 1
            continue
        values = {c.name: matcher.scrub(row[c.name])[: _length(c)] for c in columns if c.name in named}
        await session.execute(update(table).where(*where).values(**values))
        anonymized += 1
    return deleted, anonymized
