"""How long one scheduler tick takes to post 10,000 check-ins due in the same minute, and 10,000 meeting reminders.

    python benchmarks/checkins.py [--groups 10000] [--postgres URL] [--only sqlite|postgresql]
                                  [--scenario checkins|meetings|both]

Creates the groups through the project's repositories, then runs one tick at the due instant and hands every
message to a recording adapter. Prints seconds and peak resident memory for SQLite and, if reachable, PostgreSQL
(in a throwaway schema).

The meetings scenario gives each group a member and a meeting whose 24-hour reminder falls in the same minute (half
of the groups also DM their members): one tick claims every reminder and posts it with its Going / Can't make it
buttons; then 1,000 members press Going through the dispatcher, and a second tick must post nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Action, Origin, Reply
from bot.features.checkins.text import DEFAULT_QUESTIONS
from bot.main.wiring import BotApp
from bot.schedule import Schedule, occurrences, parse_days, parse_time
from bot.settings import Settings
from bot.zones import load_zone
from storage.checkins import add_member, create_group, update_group
from storage.meetings import NewMeeting, add_meetings

DUE = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


class RecordingAdapter:
    """Stands in for a chat platform: keeps what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[Reply] = []

    async def send(self, reply: Reply) -> None:
        self.sent.append(reply)


async def create_groups(
    app: BotApp, groups: int, created: datetime, each: Callable[[AsyncSession, int, int], Awaitable[None]]
) -> float:
    """``groups`` study groups of one member each in chunks of 1,000, ``each(session, n, group_id)`` run for every
    one; the seconds it took."""
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
                await each(session, n, group.id)
    return time.perf_counter() - started


async def bench(label: str, settings: Settings, groups: int) -> None:
    app = BotApp(settings)
    await app.start()
    rule = Schedule.weekly(parse_days("tue"), parse_time("18:00"), date(2026, 3, 1), count=6)
    first = next(occurrences(rule, load_zone("Europe/Berlin"), datetime(2026, 3, 1, tzinfo=UTC)))
    assert first == DUE
    created = datetime(2026, 3, 1, tzinfo=UTC)

    async def scheduled(session: AsyncSession, n: int, group_id: int) -> None:
        await update_group(session, group_id, rrule=rule.text, next_run_at=first)

    setup = await create_groups(app, groups, created, scheduled)
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


async def bench_meetings(label: str, settings: Settings, groups: int) -> None:
    created = datetime(2026, 3, 1, tzinfo=UTC)
    app = BotApp(settings, clock=lambda: DUE)
    await app.start()
    starts = DUE + timedelta(hours=24)  # 18:00 in Berlin on Wednesday 4 March: the 24 h reminder is due at DUE

    async def meeting(session: AsyncSession, n: int, group_id: int) -> None:
        if n % 2:
            await update_group(session, group_id, dm_members=True)
        await add_meetings(session, group_id, [NewMeeting(starts, "2026-03-04T18:00")], created)

    setup = await create_groups(app, groups, created, meeting)
    adapter = RecordingAdapter()
    started = time.perf_counter()
    for reply in await app.scheduler.tick(DUE):
        await adapter.send(reply)
    elapsed = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    going = [r for r in adapter.sent if r.channel][: min(1000, groups)]
    started = time.perf_counter()
    for n, reply in enumerate(going):
        origin = Origin("bench", reply.channel or "", f"member{n}")
        await app.dispatcher.handle(Action(origin, reply.buttons[0].action_id, reply.buttons[0].value))
    pressed = time.perf_counter() - started
    again = await app.scheduler.tick(DUE)
    await app.close()
    channel = sum(1 for r in adapter.sent if r.channel)
    print(
        f"{label} meetings: {groups} groups with a meeting created in {setup:.1f} s; one tick posted {channel} "
        f"reminders with RSVP buttons and {len(adapter.sent) - channel} DMs in {elapsed:.2f} s "
        f"({len(adapter.sent) / elapsed:.0f}/s); {len(going)} Going presses in {pressed:.2f} s "
        f"({pressed / max(len(going), 1) * 1000:.1f} ms each); second tick posted {len(again)}; "
        f"peak RSS {rss / 1024:.0f} MiB"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--scenario", choices=["checkins", "meetings", "both"], default="both")
    args = parser.parse_args()
    scenarios = [bench, bench_meetings] if args.scenario == "both" else [SCENARIOS[args.scenario]]
    for scenario in scenarios:
        if args.only != "postgresql":
            with tempfile.TemporaryDirectory() as tmp:
                await scenario("SQLite", Settings(data_dir=Path(tmp)), args.groups)
        if args.only != "sqlite":
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            data_dir = Path(tempfile.gettempdir())
            settings = Settings(data_dir=data_dir, database_url=args.postgres, database_schema=schema)
            try:
                await scenario("PostgreSQL", settings, args.groups)
            finally:
                from sqlalchemy.ext.asyncio import create_async_engine

                engine = create_async_engine(args.postgres)
                async with engine.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                await engine.dispose()


SCENARIOS = {"checkins": bench, "meetings": bench_meetings}


if __name__ == "__main__":
    asyncio.run(main())
