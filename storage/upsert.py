"""``INSERT ... ON CONFLICT`` for the session's database: how storage claims a row once across replicas.

A claim is an insert that a unique key refuses for everyone but the first (``on_conflict_do_nothing``, with
``returning`` saying whether this call won), or an upsert (``on_conflict_do_update``). PostgreSQL and SQLite spell
both the same way in SQLAlchemy, but each through its own dialect's ``insert``: :func:`insert_for` picks it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["insert_for"]


def insert_for(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``table`` (a model or table) in the dialect of ``session``'s database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
