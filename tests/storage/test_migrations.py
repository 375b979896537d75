"""Alembic migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from storage import Database
from storage.db import _head_of_files
from storage.models import Base
from tests.conftest import ROOT, DbTarget


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


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    """The start-up check that skips Alembic reads the same newest revision from the files as Alembic does."""
    assert _head_of_files() == Database.head_revision() is not None


def test_a_start_on_a_migrated_database_does_not_import_alembic(tmp_path: Path) -> None:
    """The first start migrates (with Alembic); the next ones find the database at head and skip Alembic's import."""
    code = (
        "import asyncio, sys\nfrom storage import Database\nasync def go():\n    db = Database(sys.argv[1])\n"
        "    await db.upgrade()\n    print(await db.current_revision() if 'alembic' in sys.modules else 'skipped')\n"
        "    await db.close()\nasyncio.run(go())\n"
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    starts = [
        subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, cwd=ROOT, check=True).stdout
        for _ in range(2)
    ]
    assert starts == [f"{Database.head_revision()}\n", "skipped\n"]


async def test_votes_kept_with_their_question_move_to_the_votes_of_its_answer(db_target: DbTarget) -> None:
    """A vote stored in a question's one slot before 0018 still counts for its recipe in `kb stats` after it."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from storage.questions import recipe_stats

    db = Database(db_target.url, schema=db_target.schema)
    try:
        await db.upgrade("0017_conversation_version")
        async with db.session() as session:
            for question, recipe, vote in [("how big?", "circles/group-size", "helpful"), ("how long?", None, None)]:
                await session.execute(
                    text(
                        "INSERT INTO asked_questions (platform, question, recipe_id, score, feedback, created_at) "
                        "VALUES ('console', :q, :r, 0.9, :v, :at)"
                    ),
                    {"q": question, "r": recipe, "v": vote, "at": datetime(2026, 11, 1, tzinfo=UTC)},
                )
        await db.upgrade()
        async with db.session() as session:
            stats = await recipe_stats(session)
        assert [(s.recipe_id, s.asked, s.helpful, s.not_helpful) for s in stats] == [("circles/group-size", 1, 1, 0)]
    finally:
        await db.close()


async def test_a_draft_claimed_before_0019_reopens_at_its_first_page_with_its_answers(db_target: DbTarget) -> None:
    """A draft left claimed (page -1) by a bot that stopped before 0019 is shown again once its claim has lapsed,
    from its first page (the claim had lost which page it was at) with the answers it had."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from storage.conversations import CLAIM_LEASE, get_draft

    at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    db = Database(db_target.url, schema=db_target.schema)
    try:
        await db.upgrade("0018_answer_votes")
        async with db.session() as session:
            await session.execute(
                text(
                    "INSERT INTO form_drafts (token, platform, channel, user_id, form_json, values_json, page, "
                    "page_size, updated_at) VALUES ('t1', 'console', 'general', 'ann', '{}', :v, -1, 5, :at)"
                ),
                {"v": '{"name": "Ann Lee"}', "at": at},
            )
        await db.upgrade()
        async with db.session() as session:
            assert await get_draft(session, "t1", at - timedelta(minutes=30), at) is None  # the claim still holds
            later = at + CLAIM_LEASE
            draft = await get_draft(session, "t1", later - timedelta(minutes=30), later)
        assert draft is not None and (draft.page, draft.values) == (0, {"name": "Ann Lee"})
    finally:
        await db.close()


async def test_a_vote_cast_before_0020_can_be_changed_after_it(db_target: DbTarget) -> None:
    """A member's "Helpful" stored before votes could be changed turns into "Not helpful" after 0020, once."""
    from datetime import UTC, datetime

    from storage.questions import change_vote, log_question, recipe_stats, record_vote

    at = datetime(2026, 11, 1, tzinfo=UTC)
    db = Database(db_target.url, schema=db_target.schema)
    try:
        await db.upgrade("0019_draft_claim_lease")
        async with db.session() as session:
            qid = await log_question(session, "console", "how big?", "circles/group-size", 0.9, at)
            await record_vote(session, qid, "circles/group-size", "console:ann", "helpful", at)
        await db.upgrade()
        async with db.session() as session:
            assert await change_vote(session, qid, "circles/group-size", "console:ann", "not_helpful", at)
            assert not await change_vote(session, qid, "circles/group-size", "console:ann", "not_helpful", at)
            stats = await recipe_stats(session)
        assert [(s.recipe_id, s.asked, s.helpful, s.not_helpful) for s in stats] == [("circles/group-size", 1, 0, 1)]
    finally:
        await db.close()
