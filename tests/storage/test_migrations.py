"""Alembic migrations on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from storage import Database
from storage.models import Base
from tests.conftest import DbTarget


async def tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_from_empty_downgrade_and_upgrade_again(db_target: DbTarget) -> None:
    """An empty database migrates to head, back to nothing, and to head again."""
    db = Database(db_target.url, schema=db_target.schema)
    try:
        await db.upgrade()
        assert await db.current_revision() == Database.head_revision()
        assert {"conversations", "leads", "lead_events"} <= await tables(db)
        await db.downgrade("base")
        assert await db.current_revision() is None
        assert await tables(db) <= {"alembic_version"}
        await db.upgrade()
        assert await db.current_revision() == Database.head_revision()
    finally:
        await db.close()


async def test_models_match_the_migrations(db: Database) -> None:
    """The ORM models and the migrated schema agree (no change autogenerate would make)."""

    def diff(conn: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_upgrade_twice_is_harmless(db: Database) -> None:
    """Running the start-up migration again on a migrated database changes nothing."""
    await db.upgrade()
    assert await db.current_revision() == Database.head_revision()
