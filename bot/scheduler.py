"""Periodic work: each feature may add jobs that run on every tick.

A tick is "do whatever is due at this instant". The long-running bot ticks on its own clock; ``communitybot
scheduler tick --now ISO8601`` runs one tick and exits (for cron-style deployments, and for tests). Jobs keep their
state in the database and claim work with conditional updates, so two processes ticking at once never do the same
thing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from bot.events import Reply
from storage import Database

__all__ = ["Deliver", "Job", "Scheduler"]

log = logging.getLogger(__name__)

Job = Callable[[Database, datetime], Awaitable[list[Reply]]]
Deliver = Callable[[Reply], Awaitable[None]]


class Scheduler:
    """Runs every job once per tick."""

    def __init__(self, db: Database, jobs: Sequence[Job]) -> None:
        self.db = db
        self.jobs = list(jobs)

    async def tick(self, now: datetime) -> list[Reply]:
        """Run each job for ``now`` and collect the messages they want posted.

        This is the boundary for clock events: a failing job is logged and the others still run.
        """
        if now.tzinfo is None:
            raise ValueError("tick needs an aware datetime")
        out: list[Reply] = []
        for job in self.jobs:
            try:
                out += await job(self.db, now)
            except Exception:
                log.exception("scheduled job %s failed at %s", getattr(job, "__qualname__", job), now.isoformat())
        return out

    async def run(
        self,
        clock: Callable[[], datetime],
        deliver: Deliver,
        stop: asyncio.Event,
        interval: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        """Tick every ``interval`` seconds on ``clock`` until ``stop`` is set, delivering each message.

        ``sleep`` defaults to waiting on ``stop`` with a timeout; tests pass one that moves a fake clock instead.
        """

        async def wait(seconds: float) -> None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=seconds)

        pause = sleep or wait
        while not stop.is_set():
            for reply in await self.tick(clock()):
                await deliver(reply)
            await pause(interval)
