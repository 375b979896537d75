"""How long one scheduler tick takes to post 10,000 check-ins due in the same minute.

    python benchmarks/checkins.py [--groups 10000] [--postgres URL]

Creates the groups through the project's repositories, then runs one tick at the due instant and hands every
message to a recording adapter. Prints seconds and peak resident memory for SQLite and, if reachable, PostgreSQL
(in a throwaway schema).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text

from bot.events import Reply
from bot.features.checkins.text import DEFAULT_QUESTIONS
from bot.main.wiring import BotApp
from bot.schedule import Schedule, load_zone, occurrences, parse_days, parse_time
from bot.settings import Settings
from storage.checkins import add_member, create_group, update_group

DUE = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


class RecordingAdapter:
    """Stands in for a chat platform: keeps what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[Reply] = []

    async def send(self, reply: Reply) -> None:
        self.sent.append(reply)


async def bench(label: str, settings: Settings, groups: int) -> None:
    app = BotApp(settings)
    await app.start()
    rule = Schedule.weekly(parse_days("tue"), parse_time("18:00"), date(2026, 3, 1), count=6)
    first = next(occurrences(rule, load_zone("Europe/Berlin"), datetime(2026, 3, 1, tzinfo=UTC)))
    assert first == DUE
    created = datetime(2026, 3, 1, tzinfo=UTC)
    started = time.perf_counter()
    for chunk in range(0, groups, 1000):
        async with app.db.session() as session:
            for n in range(chunk, min(chunk + 1000, groups)):
                group = await create_group(
                    session,
                    name=f"Group {n}",
                    platform="bench",
                    channel=f"c{n}",
                    timezone="Europe/Berlin",
                    questions=DEFAULT_QUESTIONS,
                    creator="fay",
                    now=created,
                )
                await add_member(session, group.id, f"member{n}", created)
                await update_group(session, group.id, rrule=rule.text, next_run_at=first)
    setup = time.perf_counter() - started
    adapter = RecordingAdapter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    for reply in await app.scheduler.tick(DUE):
        await adapter.send(reply)
    elapsed = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    again = await app.scheduler.tick(DUE)
    await app.close()
    print(
        f"{label}: {groups} groups created in {setup:.1f} s; one tick posted {len(adapter.sent)} prompts in "
        f"{elapsed:.2f} s ({len(adapter.sent) / elapsed:.0f}/s); second tick posted {len(again)}; "
        f"peak RSS {rss / 1024:.0f} MiB (before the tick {rss_before / 1024:.0f} MiB)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            await bench("SQLite", Settings(data_dir=Path(tmp)), args.groups)
    if args.only != "sqlite":
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        settings = Settings(data_dir=Path(tempfile.gettempdir()), database_url=args.postgres, database_schema=schema)
        try:
            await bench("PostgreSQL", settings, args.groups)
        finally:
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine(args.postgres)
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
