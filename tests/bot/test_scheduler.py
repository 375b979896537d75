"""The scheduler's own clock loop and its error boundary, with no real sleeping."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.events import Reply
from bot.scheduler import Scheduler
from storage import Database

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_run_ticks_on_its_clock_and_stops(db: Database) -> None:
    """The loop ticks at each step of the (fake) clock, delivers what jobs return, and ends when stopped."""
    now = [START]
    seen: list[datetime] = []
    delivered: list[Reply] = []
    stop = asyncio.Event()

    async def job(db: Database, at: datetime) -> list[Reply]:
        seen.append(at)
        return [Reply(f"tick {len(seen)}")]

    async def fake_sleep(seconds: float) -> None:
        now[0] += timedelta(seconds=seconds)
        if len(seen) == 3:
            stop.set()

    async def deliver(reply: Reply) -> None:
        delivered.append(reply)

    await Scheduler(db, [job]).run(lambda: now[0], deliver, stop, interval=30, sleep=fake_sleep)
    assert seen == [START, START + timedelta(seconds=30), START + timedelta(seconds=60)]
    assert [r.text for r in delivered] == ["tick 1", "tick 2", "tick 3"]


async def test_a_failing_job_is_logged_and_others_still_run(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """One job raising does not stop the next job in the same tick."""

    async def broken(db: Database, at: datetime) -> list[Reply]:
        raise RuntimeError("boom")

    async def fine(db: Database, at: datetime) -> list[Reply]:
        return [Reply("ok")]

    with caplog.at_level(logging.ERROR):
        replies = await Scheduler(db, [broken, fine]).tick(START)
    assert [r.text for r in replies] == ["ok"]
    assert any("broken" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_tick_refuses_naive_time(db: Database) -> None:
    """A tick at a time without a zone is a programming error, caught at once."""
    with pytest.raises(ValueError, match="aware"):
        await Scheduler(db, []).tick(datetime(2026, 1, 1))
