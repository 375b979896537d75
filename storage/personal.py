"""Everything the database holds about a person, for ``mydata`` and ``privacy export`` (GDPR Art. 15 and 20).

It walks the ORM metadata exactly as :mod:`storage.forget` does, reading each string column by its
``info["personal"]`` mark, so what can be forgotten is what is exported and a table added later is covered without
changing this module: a row is in the export when forgetting the person would delete it (``owner``) or change it
(``id``, ``text``, ``json``). The history of the person's leads comes too, since they are its subject: rows of any
table with a foreign key to ``leads`` that points at one of their leads; and so do the copies of their own words that
the forget deletes (a learned example worded as a question they asked: :mod:`storage.wording`).

A row that is theirs (one the forget deletes, or one of their leads' history) comes whole. A row that only names
them (a help thread they solved, a lead they were assigned) comes with its columns about them and its unmarked ones
(dates, status, platform), without the personal columns that are not about them: whose thread it was, what that
person asked, who else replied.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Table, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.forget import _changes, owned_words
from storage.matching import Person, _marks, _Matcher
from storage.models import Base, LeadRow
from storage.wording import copies_of

__all__ = ["personal_rows"]


async def personal_rows(db: Database, person: Person, lead_ids: Sequence[int]) -> dict[str, list[dict[str, Any]]]:
    """Every row naming ``person`` (or belonging to one of ``lead_ids``), by table name; tables with none left out.

    Raises:
        UnmarkedColumn: a model has a string column not marked personal or not.
    """
    matcher = _Matcher.of(person)
    out: dict[str, list[dict[str, Any]]] = {}
    words: list[str] = []
    async with db.session() as session:
        for table in Base.metadata.sorted_tables:
            rows = await _rows_of(session, table, matcher, lead_ids, words)
            if rows:
                out[table.name] = rows
        for table, copies in (await copies_of(session, words)).items():
            found = out.setdefault(table.name, [])
            found += [plain for plain in (_plain_row(row) for row in copies) if plain not in found]
    return out


async def _rows_of(
    session: AsyncSession, table: Table, matcher: _Matcher, lead_ids: Sequence[int], words: list[str]
) -> list[dict[str, Any]]:
    """The table's rows about the person; their own words in them are added to ``words``."""
    marks = _marks(table)
    filters = [f for f in (matcher.candidates(mark) for mark in marks) if f is not None]
    columns = _subject_columns(table) if lead_ids else []
    subject = [column.in_(lead_ids) for column in columns]
    if not filters and not subject:
        return []
    found = (await session.execute(select(table).where(or_(*filters, *subject)))).mappings().all()
    keep = []
    for row in found:
        theirs = any(row[column.name] in lead_ids for column in columns)
        changes = _changes(row, marks, matcher)
        if theirs or changes is None:  # their own row (or their lead's): all of it
            keep.append(_plain_row(row))
        elif changes:  # a row that names them: their part of it, not the others' ids nor words
            others = {m.column.name for m in marks if m.applies(row)} - changes.keys()
            keep.append(_plain_row(row, others))
        words += owned_words(row, marks, matcher).values()
    return keep


def _plain_row(row: Any, leave_out: Collection[str] = ()) -> dict[str, Any]:
    return {name: _plain(value) for name, value in row.items() if name not in leave_out}


def _subject_columns(table: Table) -> list[Column[Any]]:
    """The columns naming a lead: ``leads.id`` itself, and every foreign key to it (a lead's history)."""
    leads = LeadRow.__table__
    columns = [fk.parent for fk in table.foreign_keys if fk.column.table is leads]
    return [*columns, table.c.id] if table is leads else columns


def _plain(value: Any) -> Any:
    """A column's value as JSON can hold it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value
