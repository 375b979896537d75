"""How long `leads forget` takes when it walks every table of a well-filled database.

    python benchmarks/forget_time.py [--leads 5000] [--questions 50000] [--postgres URL] [--only sqlite|postgresql]

Fills the database through the project's repositories (leads with a history entry each, asked questions, one in a
hundred naming the person), then forgets one person and prints the time, what was changed, and whether any string
column still names her.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import String, select, text

from bot.main.wiring import BotApp
from bot.settings import Settings
from storage.forget import Person, forget_person
from storage.leads import NewLead, add_lead_event, insert_lead
from storage.models import Base
from storage.questions import log_question

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EMAIL = "maria.t@example.org"
NAME = "Maria Testperson"


def _lead(n: int) -> NewLead:
    mine = n % 1000 == 0
    return NewLead(
        name=NAME if mine else f"Person {n}",
        email=EMAIL if mine else f"p{n}@example.org",
        organization="Library",
        help_kind="training",
        description=f"Request number {n}",
        timeline="soon",
        budget="",
        platform="slack",
        requester="U0MARIA42" if mine else f"U{n:08d}",
    )


async def fill(app: BotApp, leads: int, questions: int) -> None:
    for start in range(0, leads, 1000):
        async with app.db.session() as session:
            for n in range(start, min(start + 1000, leads)):
                lead = await insert_lead(session, _lead(n), NOW)
                await add_lead_event(session, lead.id, "slack:U0STAFF1", "note", f"called {n}", NOW)
    for start in range(0, questions, 5000):
        async with app.db.session() as session:
            for n in range(start, min(start + 5000, questions)):
                words = f"how do I run circle {n}" + (f", asks {NAME} <{EMAIL}>" if n % 100 == 0 else "")
                await log_question(session, "slack", words, None, 0.0, NOW)


async def left_behind(app: BotApp) -> int:
    count = 0
    async with app.db.session() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String)]
            for row in await session.execute(select(*columns)) if columns else []:
                count += sum(1 for v in row if isinstance(v, str) and (EMAIL in v.lower() or NAME in v))
    return count


async def bench(label: str, settings: Settings, leads: int, questions: int) -> None:
    app = BotApp(settings)
    await app.start()
    await fill(app, leads, questions)
    started = time.perf_counter()
    result = await forget_person(app.db, EMAIL, Person(), "slack:U0STAFF1", "benchmark", NOW)
    elapsed = time.perf_counter() - started
    remaining = await left_behind(app)
    await app.close()
    print(
        f"{label}: {leads} leads, {questions} questions; forget took {elapsed:.2f} s: {len(result.lead_ids)} leads "
        f"anonymized, {result.rows_anonymized} rows anonymized, {result.rows_deleted} deleted; "
        f"values still naming her: {remaining}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=5_000)
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            await bench("SQLite", Settings(data_dir=Path(tmp)), args.leads, args.questions)
    if args.only != "sqlite":
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        settings = Settings(data_dir=Path(tempfile.gettempdir()), database_url=args.postgres, database_schema=schema)
        try:
            await bench("PostgreSQL", settings, args.leads, args.questions)
        finally:
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine(args.postgres)
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
