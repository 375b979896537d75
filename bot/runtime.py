"""Run the bot for real: every configured adapter and the scheduler in one asyncio process.

Each adapter is a :class:`Service`. A service that crashes (or returns while the bot is still running) is restarted
with exponential backoff, and the others keep answering; :class:`ServiceStates` records which are up and since when,
for ``/healthz``. On stop (SIGTERM or SIGINT), the dispatcher stops taking new events and waits, bounded, for those
in flight; then the services stop, the scheduler finishes its tick, and the database closes. Every step of the stop
is bounded, so the process ends in about 20 seconds whatever state an adapter is in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.adapter import Delivery
from bot.clock import utcnow
from bot.errors import DeliveryError
from bot.events import Reply
from bot.routing import ANY_PLATFORM, Channels, route

if TYPE_CHECKING:  # the health server imports this module and needs none of the app
    from bot.app import BotApp

__all__ = ["HealthReport", "Service", "ServiceState", "ServiceStates", "make_deliver", "run_services", "supervise"]

log = logging.getLogger(__name__)


class Service(Protocol):
    """Something the runtime keeps running: an adapter, or the health endpoint.

    A service may also have ``ready`` (an :class:`asyncio.Event` set once it is connected; the runtime clears it
    before each run), which tells the runtime when it is up; without one it counts as up once :meth:`run` has lasted
    a second. A service with ``chat = False``
    (the health server) sends no messages.
    """

    name: str

    async def run(self) -> None:
        """Serve until :meth:`stop` is called; raise if the service fails."""

    async def stop(self) -> None:
        """Stop serving; :meth:`run` then returns."""

    async def send(self, delivery: Delivery) -> None:
        """Send a message nobody's event asked for (see :meth:`bot.adapter.Adapter.send`).

        Raises:
            DeliveryError: the platform refused or failed the send (any other exception counts as a failure too).
        """


@dataclass(frozen=True)
class ServiceState:
    """Whether a service is up, since when, and why it last went down (the exception's type only: no details)."""

    up: bool
    since: datetime
    last_error: str | None = None

    def describe(self) -> str:
        """``up``, or ``down since <ISO time>`` with the last error's type."""
        if self.up:
            return "up"
        return f"down since {self.since.isoformat(timespec='seconds')}" + (
            f" ({self.last_error})" if self.last_error else ""
        )


@dataclass(frozen=True)
class HealthReport:
    """What ``/healthz`` says: ``ok`` (200, else 503) and one line per part (``database``, then each adapter)."""

    ok: bool
    parts: dict[str, str]


class ServiceStates:
    """Each supervised service's state, written by :func:`supervise` and read by the health server.

    Args:
        clock: the current time.
        max_down: an adapter down longer than this makes the bot unhealthy.
    """

    def __init__(self, clock: Callable[[], datetime] = utcnow, max_down: timedelta = timedelta(minutes=2)) -> None:
        self._clock = clock
        self.max_down = max_down
        self._states: dict[str, ServiceState] = {}

    def starting(self, name: str) -> None:
        """``name`` is configured but not up yet (counted as down from now)."""
        self._states.setdefault(name, ServiceState(False, self._clock()))

    def mark_up(self, name: str) -> None:
        """``name`` is serving."""
        current = self._states.get(name)
        if current is None or not current.up:
            self._states[name] = ServiceState(True, self._clock(), current.last_error if current else None)

    def mark_down(self, name: str, error: str | None) -> None:
        """``name`` stopped serving (``error``: the exception's type, if it failed); keeps the first down time."""
        current = self._states.get(name)
        since = current.since if current is not None and not current.up else self._clock()
        self._states[name] = ServiceState(False, since, error or (current.last_error if current else None))

    def snapshot(self) -> dict[str, ServiceState]:
        """Every service's state, by name."""
        return dict(self._states)

    def too_long_down(self) -> list[str]:
        """Services down for longer than ``max_down``."""
        now = self._clock()
        return [name for name, s in self._states.items() if not s.up and now - s.since > self.max_down]

    async def report(self, database_ok: Callable[[], Awaitable[bool]]) -> HealthReport:
        """The health report: the database answers and no adapter has been down longer than ``max_down``."""
        db_ok = await database_ok()
        parts = {"database": "ok" if db_ok else "unreachable"}
        parts |= {name: state.describe() for name, state in sorted(self._states.items())}
        return HealthReport(db_ok and not self.too_long_down(), parts)


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
    await stopping.wait()
    log.info("shutting down: finishing %d event(s) in flight", app.dispatcher.inflight)
    await app.dispatcher.drain(drain_seconds)
    await asyncio.gather(*(_stop(s, stop_seconds) for s in services))
    await _finish(running, 2.0, 2.0, "service")
    await _finish([scheduler], 3.0, 1.0, "the")
    try:
        await asyncio.wait_for(app.close(), timeout=2.0)
    except TimeoutError:
        log.error("the database did not close within 2 s")
    log.info("stopped")


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
