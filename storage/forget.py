"""Forget a person: every row that names them is erased or anonymized, and nothing else is touched.

A person is known by their email addresses, full names and platform user ids. :func:`forget_person`

1. anonymizes their leads, those with their email and those sent from their user ids (personal fields nulled, notes
   and merge details in the history blanked; kind, status, dates, status changes and assignments kept); the account
   that sent a lead with their email is not taken for theirs (an email typed into a form says nothing about who
   typed it: an assistant sends their boss's address), and is returned for staff to decide;
2. walks every table of the ORM metadata (so a table added later is covered without changing this module) and reads
   each string column as its model marks it in ``info["personal"]`` (see :mod:`storage.models`):

   - ``owner`` (a user id whose row is theirs: half-filled forms, memberships, check-in answers): the row is deleted
     when it holds one of the person's user ids;
   - ``id`` (a user id or email pointing at someone: ``leads.assignee``, history actors): the person's own value,
     with or without a ``platform:`` prefix, becomes ``(forgotten)`` (or its ``personal_forgotten``: a voter, NULL);
     so do the columns it ``personal_owns`` (their own words: the question they asked), whole, and every copy of
     those words (a learned example) is deleted (:mod:`storage.wording`);
   - ``text`` and ``json`` (free text; JSON string values, never keys): each mention becomes ``(forgotten)``;
   - ``no`` (status, platform, channel, timezone, rule, keys): never read nor changed;

   an unmarked string column is refused (:class:`UnmarkedColumn`), so a new column cannot be skipped silently;
3. on SQLite, checkpoints the write-ahead log so the old pages leave the files too (the connection runs with
   ``PRAGMA secure_delete=ON``, which zeroes deleted content).

In free text, emails match anywhere, case-insensitively; names and distinctive user ids (six characters or more, or
with a digit: ``U0123ABC``, a Discord snowflake) match as whole words, ignoring case. Names (typed by anyone into the
consult form) are never matched in ``id`` or ``owner`` columns, so they never delete a row. A short user id (a console
user ``ann``) matches only a whole ``id``/``owner`` value, so forgetting her leaves the word "Ann" in text alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, UniqueConstraint, and_, delete, exists, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.leads import anonymize_leads
from storage.matching import FORGOTTEN, KINDS, Person, UnmarkedColumn, _Mark, _marks, _Matcher, mentions, personal_kind
from storage.models import Base, LeadRow
from storage.people import senders_of
from storage.records import Sender
from storage.wording import delete_copies_of

__all__ = [
    "FORGOTTEN",
    "KINDS",
    "ForgetResult",
    "Person",
    "UnmarkedColumn",
    "forget_person",
    "mentions",
    "owned_words",
    "personal_kind",
]


@dataclass(frozen=True)
class ForgetResult:
    """What was forgotten: the person as found, their anonymized leads, and other rows changed or deleted; and the
    accounts, not the person's, that sent their leads found by email (left as they are)."""

    person: Person
    lead_ids: list[int] = field(default_factory=list)
    rows_deleted: int = 0
    rows_anonymized: int = 0
    senders: tuple[Sender, ...] = ()


async def forget_person(
    db: Database, email: str, person: Person, actor: str, reason: str, now: datetime, lead_ids: Sequence[int] = ()
) -> ForgetResult:
    """Erase ``email``'s leads, those sent from ``person``'s user ids, and every mention of the person (``person``
    plus the names typed in ``email``'s leads) everywhere.

    Who sent a lead with ``email`` is not followed (an email typed into a form says nothing about who typed it):
    that account is left as it is, unless its user id is in ``person``, and comes back in the result's ``senders``.

    Args:
        db: the database.
        email: the address the person asked to be forgotten by.
        person: further identifiers given by staff (names, user ids).
        actor: who did it, for the lead history.
        reason: why, for the lead history.
        now: the current time.
        lead_ids: further leads of the person (those they requested, say), anonymized too.

    Raises:
        UnmarkedColumn: a model has a string column not marked personal or not (nothing is changed then).
    """
    marks = {table: _marks(table) for table in Base.metadata.sorted_tables}
    async with db.session() as session:
        person, found, senders = await _expand(session, email, person)
        lead_ids = sorted({*found, *lead_ids})
        await anonymize_leads(session, lead_ids, actor, reason, now)
        await session.flush()
        matcher = _Matcher.of(person)
        deleted = await _delete_copies(session, lead_ids)
        anonymized, words = 0, list[str]()
        owning = [t for t, m in marks.items() if any(mark.owns for mark in m)]
        for table in owning:  # first the rows holding their own words, which are collected in ``words``
            d, a = await _scrub_table(session, table, marks[table], matcher, words)
            deleted, anonymized = deleted + d, anonymized + a
        deleted += await delete_copies_of(session, words)  # before a copy's mentions are masked (it would not match)
        for table in (t for t in marks if t not in owning):
            d, a = await _scrub_table(session, table, marks[table], matcher, words)
            deleted, anonymized = deleted + d, anonymized + a
    if db.dialect == "sqlite":
        async with db.engine.connect() as conn:
            await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    return ForgetResult(person, sorted(lead_ids), deleted, anonymized, senders)


async def _delete_copies(session: AsyncSession, lead_ids: Sequence[int]) -> int:
    """Delete the rows of tables marked ``forget_with_lead: delete`` that belong to the forgotten leads (a webhook's
    copy of a lead, say: it names the person by the lead's email, which the user-id matcher cannot know)."""
    deleted = 0
    for table in Base.metadata.sorted_tables:
        if table.info.get("forget_with_lead") != "delete" or not lead_ids:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is LeadRow.__table__:
                result = await session.execute(delete(table).where(fk.parent.in_(lead_ids)))
                deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted


async def _expand(session: AsyncSession, email: str, person: Person) -> tuple[Person, list[int], tuple[Sender, ...]]:
    """The person's leads (by ``email``, and sent from their user ids), the names typed in those with ``email``, and
    the other accounts that sent those."""
    query = select(LeadRow).where(LeadRow.email_lower == email.casefold())
    by_email = list((await session.scalars(query)).all()) if email else []
    users = sorted(person.user_ids - {""})
    sent = (await session.scalars(select(LeadRow.id).where(LeadRow.requester.in_(users)))).all() if users else []
    expanded = Person(
        emails=person.emails | ({email} if email else set()),
        names=person.names | {row.name for row in by_email if row.name},
        user_ids=person.user_ids,
    )
    senders = senders_of(by_email, lambda who: who.user in person.user_ids)
    return expanded, [*(row.id for row in by_email), *sent], senders


def owned_words(row: Any, marks: Sequence[_Mark], matcher: _Matcher) -> dict[str, str]:
    """The row's columns that are the person's own words (``personal_owns`` of an ``id`` column naming them), with
    their text; none already erased."""
    names = [n for mark in marks if mark.owns and matcher.is_person(row[mark.column.name]) for n in mark.owns]
    return {n: row[n] for n in names if isinstance(row[n], str) and row[n].strip() and row[n] != FORGOTTEN}


def _changes(row: Any, marks: Sequence[_Mark], matcher: _Matcher) -> dict[str, str | None] | None:
    """The new values of a row that names the person (empty if it does not), or None when the row is theirs."""
    values: dict[str, str | None] = dict.fromkeys(owned_words(row, marks, matcher), FORGOTTEN)  # whole, not masked
    for mark in marks:
        value, name = row[mark.column.name], mark.column.name
        if not isinstance(value, str) or not mark.applies(row) or name in values:
            continue
        if mark.kind == "owner" and matcher.is_person(value):
            return None
        if mark.kind == "id" and matcher.is_person(value):
            values[name] = mark.forgotten
        elif mark.kind == "text" and (masked := matcher.mask(value)) != value:
            length = mark.column.type.length if isinstance(mark.column.type, String) else None
            values[name] = masked[:length]
        elif mark.kind == "json":
            try:
                data = json.loads(value)
            except ValueError:  # not JSON after all: masked as the text it is
                data = None
            if data is None:
                if (masked := matcher.mask(value)) != value:
                    values[name] = masked
            elif mark.owner_key is not None and isinstance(data, dict) and matcher.is_person(data.get(mark.owner_key)):
                return None
            elif (masked_data := matcher.mask_json(data, mark.keys)) != data:
                values[name] = json.dumps(masked_data)
    return values


def _unique_sets(table: Table) -> list[set[str]]:
    """The column sets a row must keep unique: the primary key and every unique constraint or index."""
    sets = [{c.name for c in table.primary_key.columns}]
    sets += [{c.name for c in con.columns} for con in table.constraints if isinstance(con, UniqueConstraint)]
    sets += [{c.name for c in index.columns} for index in table.indexes if index.unique]
    return sets


async def _collides(session: AsyncSession, table: Table, row: Any, values: dict[str, str | None]) -> bool:
    """Whether the masked row would equal another row on a unique key (it is then a duplicate, and goes)."""
    key = [table.c[c.name] == row[c.name] for c in table.primary_key.columns]
    for names in _unique_sets(table):
        after = {n: values.get(n, row[n]) for n in names}
        if not names & values.keys() or None in after.values():
            continue  # unchanged, or NULL (which never collides)
        same = [table.c[n] == v for n, v in after.items()]
        if await session.scalar(select(exists().where(*same, ~and_(*key)))):
            return True
    return False


async def _scrub_table(
    session: AsyncSession, table: Table, marks: Sequence[_Mark], matcher: _Matcher, words: list[str]
) -> tuple[int, int]:
    """Delete or anonymize the rows naming the person (how many of each); their own words erased go to ``words``."""
    filters = [f for f in (matcher.candidates(mark) for mark in marks) if f is not None]
    if not filters:
        return 0, 0
    key_columns = list(table.primary_key.columns)
    wanted = {c.name: c for c in key_columns}
    for mark in marks:
        wanted[mark.column.name] = mark.column
        if mark.when is not None:
            wanted[mark.when[0]] = table.c[mark.when[0]]
        wanted.update({n: table.c[n] for n in mark.owns})
    for names in _unique_sets(table):
        wanted.update({n: table.c[n] for n in names})
    rows = (await session.execute(select(*wanted.values()).where(or_(*filters)))).mappings().all()
    deleted = anonymized = 0
    for row in rows:
        where = [col == row[col.name] for col in key_columns]
        values = _changes(row, marks, matcher)
        words += owned_words(row, marks, matcher).values()
        if values is None or (values and await _collides(session, table, row, values)):
            await session.execute(delete(table).where(*where))
            deleted += 1
        elif values:
            await session.execute(update(table).where(*where).values(**values))
            anonymized += 1
    return deleted, anonymized
