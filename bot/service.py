"""What the runtime supervises and what ``/healthz`` reports: the service contract and the services' states.

These types live in the core, not in :mod:`bot.main`, because adapters use them too (the health server renders a
:class:`HealthReport`, the Slack adapter serves one) and adapters may not import the composition root.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.adapter import Delivery
from bot.clock import utcnow
from bot.metrics import Metrics

__all__ = ["HealthReport", "Service", "ServiceState", "ServiceStates"]


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
        metrics: where ``communitybot_adapter_up`` and ``communitybot_adapter_restarts`` are kept, if anywhere.
    """

    def __init__(
        self,
        clock: Callable[[], datetime] = utcnow,
        max_down: timedelta = timedelta(minutes=2),
        metrics: Metrics | None = None,
    ) -> None:
        self._clock = clock
        self.max_down = max_down
        self._metrics = metrics
        self._states: dict[str, ServiceState] = {}

    def starting(self, name: str) -> None:
        """``name`` is configured but not up yet (counted as down from now)."""
        self._states.setdefault(name, ServiceState(False, self._clock()))
        if self._metrics is not None:
            self._metrics.adapter_up.labels(name).set(0)

    def mark_up(self, name: str) -> None:
        """``name`` is serving."""
        current = self._states.get(name)
        if current is None or not current.up:
            self._states[name] = ServiceState(True, self._clock(), current.last_error if current else None)
        if self._metrics is not None:
            self._metrics.adapter_up.labels(name).set(1)

    def mark_down(self, name: str, error: str | None) -> None:
        """``name`` stopped serving (``error``: the exception's type, if it failed); keeps the first down time."""
        current = self._states.get(name)
        since = current.since if current is not None and not current.up else self._clock()
        self._states[name] = ServiceState(False, since, error or (current.last_error if current else None))
        if self._metrics is not None:
            self._metrics.adapter_up.labels(name).set(0)
            if error is not None:
                self._metrics.adapter_restarts.labels(name).inc()

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
