"""Forget a person: every row that names them is erased or anonymized, and nothing else is touched.

A person is known by their email addresses, full names and platform user ids. :func:`forget_person`

1. anonymizes their leads (personal fields nulled, notes and merge details in the history blanked; kind, status,
   dates, status changes and assignments kept);
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
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    String,
    Table,
    UniqueConstraint,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.leads import anonymize_leads
from storage.models import Base, LeadRow
from storage.wording import delete_copies_of, owned_columns

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

FORGOTTEN = "(forgotten)"
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
KINDS = frozenset({"owner", "id", "text", "json", "no"})


class UnmarkedColumn(ValueError):
    """A string column whose model does not say whether it holds personal data."""


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


def personal_kind(column: Column[Any]) -> str:
    """How ``column`` is marked (one of :data:`KINDS`).

    Raises:
        UnmarkedColumn: the column is not marked, or marked with an unknown kind.
    """
    kind = column.info.get("personal")
    if kind not in KINDS:
        table = getattr(column, "table", None)
        name = f"{table.name}.{column.name}" if table is not None else column.name
        raise UnmarkedColumn(f"column {name} must say info={{'personal': ...}}, one of {sorted(KINDS)}")
    return str(kind)


async def forget_person(
    db: Database, email: str, person: Person, actor: str, reason: str, now: datetime, lead_ids: Sequence[int] = ()
) -> ForgetResult:
    """Erase ``email``'s leads and every mention of the person (``person`` plus what their leads name) everywhere.

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
        person, found = await _expand(session, email, person)
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
    return ForgetResult(person, sorted(lead_ids), deleted, anonymized)


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


async def _expand(session: AsyncSession, email: str, person: Person) -> tuple[Person, list[int]]:
    """The person's leads by email, and the names and user ids those leads give."""
    rows = (await session.execute(select(LeadRow).where(LeadRow.email_lower == email.casefold()))).scalars().all()
    expanded = Person(
        emails=person.emails | {email},
        names=person.names | {row.name for row in rows if row.name},
        user_ids=person.user_ids | {row.requester for row in rows if row.requester},
    )
    return expanded, [row.id for row in rows]


@dataclass(frozen=True)
class _Mark:
    """One string column that may hold personal data, and how."""

    column: Column[Any]
    kind: str
    keys: frozenset[str] | None = None  # json: only these top-level keys hold personal text
    owner_key: str | None = None  # json: the user id under this key makes the row that user's own
    when: tuple[str, tuple[str, ...]] | None = None  # only rows whose column holds one of these values
    owns: tuple[str, ...] = ()  # id: the row's columns that are the own words of whom it names
    forgotten: str | None = FORGOTTEN  # id: what the person's value becomes (``personal_forgotten``)

    def applies(self, row: Any) -> bool:
        return self.when is None or row[self.when[0]] in self.when[1]


def _marks(table: Table) -> list[_Mark]:
    out = []
    for column in table.columns:
        if not isinstance(column.type, String) or personal_kind(column) == "no":
            continue
        keys = column.info.get("personal_keys")
        out.append(
            _Mark(
                column,
                personal_kind(column),
                frozenset(keys) if keys is not None else None,
                column.info.get("personal_owner"),
                column.info.get("personal_when"),
                owned_columns(column),
                column.info.get("personal_forgotten", FORGOTTEN),
            )
        )
    return out


def _distinctive(user_id: str) -> bool:
    return len(user_id) >= 6 or any(ch.isdigit() for ch in user_id)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _lowered(values: Sequence[str]) -> list[str]:
    """Substrings, lower-cased, that a ``lower(column)`` naming one of ``values`` contains (raw or JSON-escaped).

    SQLite's ``lower`` folds ASCII letters only: for a value with other letters (``María``) the filter uses its
    longest ASCII stretch (``a Testperson``) when there is a usable one, else its usual spellings in any case.
    """
    out: set[str] = set()
    for value in values:
        piece = max(_NON_ASCII.split(value), key=len)
        if value.isascii() or len(piece.strip()) >= 3:
            spellings = {piece}
        else:
            spellings = {value, value.lower(), value.upper(), value.title()}
        out |= {form.translate(_ASCII_LOWER) for v in spellings for form in (v, json.dumps(v)[1:-1])}
    return sorted(out)


@dataclass(frozen=True)
class _Matcher:
    """Finds the person: ``text`` in free text, ``ident`` as a whole ``id``/``owner`` value."""

    text: re.Pattern[str] | None
    ident: re.Pattern[str] | None
    text_needles: list[str]
    id_needles: list[str]

    @classmethod
    def of(cls, person: Person) -> _Matcher:
        words = [i for i in person.identifiers() if i in person.names or (i in person.user_ids and _distinctive(i))]
        words = [w for w in words if w not in person.emails]
        emails = sorted(person.emails - {""}, key=len, reverse=True)
        in_text = [*(re.escape(e) for e in emails), *(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words)]
        ids = sorted((person.user_ids | person.emails) - {""}, key=len, reverse=True)
        ident = "|".join(re.escape(i) for i in ids)
        return cls(
            re.compile("|".join(in_text), re.IGNORECASE) if in_text else None,
            re.compile(rf"(?:[a-z]+:)?(?:{ident})", re.IGNORECASE) if ident else None,
            _lowered([*emails, *words]),
            _lowered(ids),
        )

    def is_person(self, value: object) -> bool:
        """Whether ``value`` is, as a whole, one of the person's user ids or emails."""
        return isinstance(value, str) and self.ident is not None and self.ident.fullmatch(value) is not None

    def mask(self, value: str) -> str:
        """``value`` with every mention of the person in free text replaced."""
        return self.text.sub(FORGOTTEN, value) if self.text is not None else value

    def mask_json(self, data: Any, keys: frozenset[str] | None = None) -> Any:
        """``data`` with its string values (under ``keys`` at the top, when given) masked; keys are kept."""
        if isinstance(data, str):
            return self.mask(data)
        if isinstance(data, list):
            return [self.mask_json(v) for v in data]
        if isinstance(data, dict):
            return {k: self.mask_json(v) if keys is None or k in keys else v for k, v in data.items()}
        return data

    def candidates(self, mark: _Mark) -> ColumnElement[bool] | None:
        """A cheap SQL filter for rows whose ``mark`` column may name the person."""
        needles = self.id_needles if mark.kind in ("owner", "id") else self.text_needles
        if mark.kind == "json" and mark.owner_key is not None:
            needles = sorted({*needles, *self.id_needles})
        if not needles:
            return None
        found = or_(*(func.lower(mark.column).contains(n, autoescape=True) for n in needles))
        return and_(found, mark.column.table.c[mark.when[0]].in_(mark.when[1])) if mark.when else found


def mentions(person: Person) -> re.Pattern[str] | None:
    """What names ``person`` in free text, as the forget masks it in the database (None: nothing to look for).

    Emails anywhere, names and distinctive user ids as whole words, all ignoring case.
    """
    return _Matcher.of(person).text


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
