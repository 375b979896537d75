"""Delivery latency of a lead webhook, from the event (a consult form submitted) to the POST at a receiver.

    PYTHONPATH=. python benchmarks/webhook_latency.py [--runs 50] [--postgres URL] [--interval 2] [--loop-runs 10]

Two figures, on a loopback aiohttp receiver that verifies each POST with ``standardwebhooks``:

- *send path*: the form is submitted, then one scheduler tick runs at once; the time until the POST arrives is
  claiming, signing, the HTTP round trip and the tick's other jobs;
- *in the run loop*: ``Scheduler.run`` ticking every ``--interval`` seconds (30 in ``communitybot run``), events
  at random moments; the wait for the next tick dominates (on average half the interval).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from bot.clock import utcnow
from bot.events import FormSubmission, Origin, Reply
from bot.main.wiring import BotApp
from bot.settings import Settings
from tests.bot.features.webhooks.receiver import SECRET, Receiver, receiving
from tests.bot.test_leads import VALID


def _submission(n: int) -> FormSubmission:
    origin = Origin("console", f"dm-u{n}", f"u{n}", f"U{n}", is_dm=True, form_page_size=100)
    return FormSubmission(origin, "consult:intake", {**VALID, "email": f"p{n}@example.org"})


async def _arrival(receiver: Receiver, count: int) -> float:
    while len(receiver.got) < count:
        receiver.arrived.clear()
        await receiver.arrived.wait()
    return receiver.got[count - 1].at


def _summary(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * len(ms)))]
    return f"{name}: n={len(ms)} median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms"


async def measure(url: str, schema: str | None, runs: int, interval: float, loop_runs: int) -> list[str]:
    """The two figures on one database."""
    async with receiving() as receiver:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                data_dir=Path(tmp),
                database_url=url or None,  # type: ignore[arg-type]
                database_schema=schema,
                webhooks=[{"url": receiver.url, "secret": SECRET}],  # type: ignore[list-item]
            )
            app = BotApp(settings)
            await app.start()
            try:
                direct = []
                for n in range(runs):
                    started = time.perf_counter()
                    await app.dispatcher.handle(_submission(n))
                    await app.scheduler.tick(utcnow())
                    direct.append((await _arrival(receiver, n + 1) - started) * 1000)
                looped = await _in_loop(app, receiver, runs, interval, loop_runs)
            finally:
                if schema is not None:
                    async with app.db.engine.begin() as conn:
                        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                await app.close()
    assert all(r.error is None for r in receiver.got)
    return [_summary("send path (event, then one tick)", direct), _summary(f"run loop every {interval} s", looped)]


async def _in_loop(app: BotApp, receiver: Receiver, first: int, interval: float, runs: int) -> list[float]:
    stop = asyncio.Event()

    async def deliver(reply: Reply) -> None:
        return None

    loop = asyncio.create_task(app.scheduler.run(utcnow, deliver, stop, interval=interval))
    out = []
    try:
        for n in range(first, first + runs):
            await asyncio.sleep(random.uniform(0, interval))
            started = time.perf_counter()
            await app.dispatcher.handle(_submission(n))
            out.append((await _arrival(receiver, n + 1) - started) * 1000)
    finally:
        stop.set()
        await loop
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--loop-runs", type=int, default=10)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    for name, url, schema in (("sqlite", "", None), ("postgresql", args.postgres, f"bench_{uuid.uuid4().hex[:8]}")):
        for line in asyncio.run(measure(url, schema, args.runs, args.interval, args.loop_runs)):
            print(f"{name:10} {line}")


if __name__ == "__main__":
    main()
