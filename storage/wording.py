"""A person's own words, and the copies of them kept elsewhere (a question they typed, learned as an example).

A model marks them (see :mod:`storage.models`):

- ``info={"personal": "id", "personal_owns": ("question",)}`` on an id column: when it names the person, the row's
  ``question`` is their own words, erased whole by :func:`storage.forget.forget_person` (not merely masked where it
  names them), and exported as theirs;
- ``__table_args__ = {"info": {"personal_copies": "question"}}`` on a table: its rows whose ``question`` is such words
  (ignoring case and spacing) are copies of them, deleted with them (and exported with them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base

__all__ = ["copies_of", "delete_copies_of", "owned_columns", "same_words"]


def same_words(text: str) -> str:
    """``text`` as wordings are compared: case folded, runs of spacing made one space."""
    return " ".join(text.casefold().split())


def owned_columns(column: Column[Any]) -> tuple[str, ...]:
    """The columns of ``column``'s row that are the own words of whom ``column`` names (``personal_owns``).

    Raises:
        ValueError: a named column is not a column of the table.
    """
    owns = tuple(column.info.get("personal_owns", ()))
    table = getattr(column, "table", None)
    missing = [name for name in owns if table is None or name not in table.c]
    if missing:
        raise ValueError(f"column {column.name} owns {missing}, which are not columns of its table")
    return owns


def _copy_tables() -> list[tuple[Table, Column[Any]]]:
    tables = Base.metadata.sorted_tables
    return [(t, t.c[t.info["personal_copies"]]) for t in tables if t.info.get("personal_copies")]


async def copies_of(session: AsyncSession, words: Iterable[str]) -> dict[Table, list[Any]]:
    """The rows, by table, holding a copy of one of ``words`` (ignoring case and spacing); tables with none left out.

    Each copy table is read whole (a few thousand learned examples at most): spacing cannot be compared in SQL alike
    on SQLite and PostgreSQL.
    """
    wanted = {same_words(w) for w in words if w and w.strip()}
    out: dict[Table, list[Any]] = {}
    for table, column in _copy_tables() if wanted else []:
        rows = (await session.execute(select(table))).mappings().all()
        found = [row for row in rows if isinstance(row[column.name], str) and same_words(row[column.name]) in wanted]
        if found:
            out[table] = found
    return out


async def delete_copies_of(session: AsyncSession, words: Iterable[str]) -> int:
    """Delete every copy of ``words`` (see :func:`copies_of`); how many rows went."""
    deleted = 0
    for table, rows in (await copies_of(session, words)).items():
        key = list(table.primary_key.columns)
        for row in rows:
            await session.execute(delete(table).where(*(col == row[col.name] for col in key)))
            deleted += 1
    return deleted
