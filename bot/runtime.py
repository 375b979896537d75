"""Run the bot for real: every configured adapter and the scheduler in one asyncio process.

Each adapter is a :class:`Service`. A service that crashes (or returns while the bot is still running) is restarted
with exponential backoff, and the others keep answering. On stop (SIGTERM or SIGINT), the dispatcher stops taking
new events and waits, bounded, for those in flight; then the services stop, the scheduler finishes its tick, and
the database closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from bot.app import BotApp
from bot.dispatcher import utcnow
from bot.events import Reply

__all__ = ["Service", "run_services", "supervise"]

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class Service(Protocol):
    """Something the runtime keeps running: an adapter, or the health endpoint."""

    name: str

    async def run(self) -> None:
        """Serve until :meth:`stop` is called; raise if the service fails."""

    async def stop(self) -> None:
        """Stop serving; :meth:`run` then returns."""

    async def post(self, reply: Reply) -> None:
        """Send a message nobody's event asked for (scheduled check-ins, reminders, staff notices)."""


async def supervise(
    service: Service,
    stopping: asyncio.Event,
    *,
    first_delay: float = 1.0,
    max_delay: float = 60.0,
    healthy_after: float = 60.0,
) -> None:
    """Run ``service`` until ``stopping`` is set, restarting it with backoff when it fails.

    The delay doubles after each failure up to ``max_delay``, and starts again from ``first_delay`` once the service
    has run for ``healthy_after`` seconds.
    """
    delay = first_delay
    while not stopping.is_set():
        started = time.monotonic()
        try:
            await service.run()
            if stopping.is_set():
                return
            log.warning("%s stopped on its own; restarting in %.1f s", service.name, delay)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("%s failed (%s: %s); restarting in %.1f s", service.name, type(exc).__name__, exc, delay)
        if time.monotonic() - started >= healthy_after:
            delay = first_delay
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=delay)
        delay = min(delay * 2, max_delay)


async def run_services(
    app: BotApp,
    services: Sequence[Service],
    stopping: asyncio.Event,
    *,
    drain_seconds: float = 20.0,
    tick_seconds: float = 30.0,
    first_delay: float = 1.0,
) -> None:
    """Run ``services`` and the scheduler until ``stopping`` is set, then shut down in order."""
    by_name = {s.name: s for s in services}

    async def deliver(reply: Reply) -> None:
        targets = [by_name[reply.platform]] if reply.platform in by_name else list(services)
        for service in targets:
            try:
                await service.post(reply)
            except Exception:
                log.exception("%s could not deliver a scheduled message", service.name)

    running = [asyncio.create_task(supervise(s, stopping, first_delay=first_delay)) for s in services]
    scheduler = asyncio.create_task(app.scheduler.run(utcnow, deliver, stopping, interval=tick_seconds))
    await stopping.wait()
    log.info("shutting down: finishing %d event(s) in flight", app.dispatcher.inflight)
    await app.dispatcher.drain(drain_seconds)
    for service in services:
        try:
            await service.stop()
        except Exception:
            log.exception("%s did not stop cleanly", service.name)
    await asyncio.gather(*running, return_exceptions=True)
    await scheduler
    await app.close()
    log.info("stopped")
