"""Run the bot for real: every configured adapter and the scheduler in one asyncio process.

Each adapter is a :class:`~bot.service.Service`. A service that crashes (or returns while the bot is still running)
is restarted with exponential backoff, and the others keep answering; :class:`~bot.service.ServiceStates` records
which are up and since when, for ``/healthz``. On stop (SIGTERM or SIGINT), the dispatcher stops taking new events
and waits, bounded, for those in flight; then the services stop, the scheduler finishes its tick, and the database
closes. Every step of the stop is bounded, so the process ends in about 20 seconds whatever state an adapter is in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.adapter import Delivery, EventCalendar
from bot.clock import utcnow
from bot.errors import DeliveryError, StorageError
from bot.events import Reply
from bot.features.calendars.sync import sync_events
from bot.routing import ANY_PLATFORM, Channels, route
from bot.service import Service, ServiceStates

if TYPE_CHECKING:
    from bot.main.wiring import BotApp

__all__ = ["make_deliver", "run_services", "supervise", "sync_calendars"]

log = logging.getLogger(__name__)


async def supervise(
    service: Service,
    stopping: asyncio.Event,
    *,
    states: ServiceStates | None = None,
    first_delay: float = 1.0,
    max_delay: float = 60.0,
    healthy_after: float = 60.0,
    settle: float = 1.0,
) -> None:
    """Run ``service`` until ``stopping`` is set, restarting it with backoff when it fails.

    The delay doubles after each failure up to ``max_delay``, and starts again from ``first_delay`` once the service
    has run for ``healthy_after`` seconds. ``states`` (if given) records the service up once its ``ready`` event is
    set, or once it has run for ``settle`` seconds if it has none, and down when it fails.
    """
    states = states or ServiceStates()
    states.starting(service.name)
    delay = first_delay
    while not stopping.is_set():
        started = time.monotonic()
        ready: Any = getattr(service, "ready", None)
        if isinstance(ready, asyncio.Event):
            ready.clear()  # set again by this run once it connects
        watcher = asyncio.create_task(_mark_up_when_ready(service, states, settle))
        try:
            await service.run()
            if stopping.is_set():
                return
            states.mark_down(service.name, "stopped on its own")
            log.warning("%s stopped on its own; restarting in %.1f s", service.name, delay)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            states.mark_down(service.name, type(exc).__name__)
            log.error("%s failed (%s: %s); restarting in %.1f s", service.name, type(exc).__name__, exc, delay)
        finally:
            watcher.cancel()
            if stopping.is_set():
                states.mark_down(service.name, None)
        if time.monotonic() - started >= healthy_after:
            delay = first_delay
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=delay)
        delay = min(delay * 2, max_delay)


async def _mark_up_when_ready(service: Service, states: ServiceStates, settle: float) -> None:
    ready: Any = getattr(service, "ready", None)
    if isinstance(ready, asyncio.Event):
        await ready.wait()
    else:
        await asyncio.sleep(settle)
    states.mark_up(service.name)


def make_deliver(services: Sequence[Service]) -> Callable[[Reply], Awaitable[None]]:
    """How the scheduler sends a stored message: routed (:func:`bot.routing.route`), to the service of the platform
    its target names; a legacy target on platform ``*`` (no platform known) goes to every chat service.

    A message for ``*`` counts as sent if any service took it. A failure is raised for the scheduler to retry; a
    platform that is not running raises a (non-permanent) :class:`DeliveryError`.
    """
    chat = [s for s in services if getattr(s, "chat", True)]
    by_name = {s.name: s for s in chat}

    async def deliver(reply: Reply) -> None:
        for delivery in route(None, reply, Channels({})):
            platform = delivery.target.platform
            if platform == ANY_PLATFORM:
                await _to_every(chat, delivery)
            elif platform in by_name:
                await by_name[platform].send(delivery)
            else:
                raise DeliveryError(platform, "not running", permanent=False)

    return deliver


async def _to_every(chat: Sequence[Service], delivery: Delivery) -> None:
    """``delivery`` on every chat service, each as its own platform; raises only if none took it."""
    errors: list[Exception] = []
    for service in chat:
        try:
            await service.send(replace(delivery, target=replace(delivery.target, platform=service.name)))
        except Exception as exc:
            errors.append(exc)
    if len(errors) == len(chat):
        permanent = bool(errors) and all(isinstance(e, DeliveryError) and e.permanent for e in errors)
        codes = ", ".join(e.code if isinstance(e, DeliveryError) else type(e).__name__ for e in errors)
        raise DeliveryError("any", codes or "no chat service", permanent=permanent)


async def run_services(
    app: BotApp,
    services: Sequence[Service],
    stopping: asyncio.Event,
    *,
    states: ServiceStates | None = None,
    drain_seconds: float = 8.0,
    stop_seconds: float = 5.0,
    tick_seconds: float = 30.0,
    first_delay: float = 1.0,
) -> None:
    """Run ``services`` and the scheduler until ``stopping`` is set, then shut down in order, each step bounded.

    After the drain (``drain_seconds``), each service's ``stop()`` gets ``stop_seconds``; a ``run()`` still going
    two seconds later is cancelled (and given two more), the scheduler gets three seconds to end its tick and one
    after a cancel, the database two: at most 23 seconds with the defaults, inside Docker's and systemd's grace.
    """
    states = states or ServiceStates()
    for service in services:
        if getattr(service, "chat", True):
            states.starting(service.name)
    watched = [s for s in services if getattr(s, "chat", True)]
    running = [
        asyncio.create_task(
            supervise(s, stopping, states=states if s in watched else None, first_delay=first_delay),
            name=f"supervise-{s.name}",
        )
        for s in services
    ]
    scheduler = asyncio.create_task(
        app.scheduler.run(utcnow, make_deliver(services), stopping, interval=tick_seconds), name="scheduler"
    )
    calendars = asyncio.create_task(sync_calendars(app, services, stopping, tick_seconds), name="calendars")
    await stopping.wait()
    log.info("shutting down: finishing %d event(s) in flight", app.dispatcher.inflight)
    await app.dispatcher.drain(drain_seconds)
    await asyncio.gather(*(_stop(s, stop_seconds) for s in services))
    await _finish(running, 2.0, 2.0, "service")
    await _finish([scheduler, calendars], 3.0, 1.0, "the")
    try:
        await asyncio.wait_for(app.close(), timeout=2.0)
    except TimeoutError:
        log.error("the database did not close within 2 s")
    log.info("stopped")


async def sync_calendars(app: BotApp, services: Sequence[Service], stopping: asyncio.Event, interval: float) -> None:
    """Every ``interval`` seconds until ``stopping``, push changed meetings to each service that keeps a calendar of
    its own (:class:`bot.adapter.EventCalendar`: Discord's scheduled events)."""
    calendars = [s for s in services if isinstance(s, EventCalendar)]
    while calendars and not stopping.is_set():
        for calendar in calendars:
            try:
                await sync_events(app.db, calendar, app.settings.community_name, utcnow())
            except (StorageError, DeliveryError) as exc:  # the next round tries again
                log.warning("calendar sync on %s failed: %s", calendar.name, exc)
            except Exception:  # a bug in one round must not end the sync for good, as a scheduled job's does not
                log.exception("calendar sync on %s failed", calendar.name)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=interval)


async def _stop(service: Service, seconds: float) -> None:
    try:
        await asyncio.wait_for(service.stop(), timeout=seconds)
    except TimeoutError:
        log.error("%s did not stop within %.0f s; cancelling it", service.name, seconds)
    except Exception:
        log.exception("%s did not stop cleanly", service.name)


async def _finish(tasks: Sequence[asyncio.Task[None]], seconds: float, after_cancel: float, what: str) -> None:
    """Wait ``seconds`` for ``tasks``, then cancel the rest and wait ``after_cancel`` more."""
    _, pending = await asyncio.wait(tasks, timeout=seconds) if tasks else (set(), set())
    for task in pending:
        log.error("%s %s still running after stop; cancelling it", what, task.get_name())
        task.cancel()
    if pending:
        _, stuck = await asyncio.wait(pending, timeout=after_cancel)
        for task in stuck:
            log.error("%s %s ignores cancellation; leaving it behind", what, task.get_name())
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("%s %s ended with an error", what, task.get_name(), exc_info=task.exception())
