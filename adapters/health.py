"""``/healthz``, ``/metrics`` and the calendar feeds on a port of their own, for deployments without Slack's HTTP mode.

``/calendar/<token>.ics`` answers a group's iCalendar feed when given a way to find it; any other token is 404.

``/healthz`` answers JSON, one line per part, and 200 or 503::

    {"database": "ok", "slack": "up", "discord": "down since 2026-11-27T10:00:00+00:00 (ConnectionError)"}
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.adapter import Delivery
from bot.metrics import CONTENT_TYPE
from bot.service import HealthReport

__all__ = ["Feed", "HealthServer"]

Feed = Callable[[str], Awaitable[bytes | None]]
"""A group's ``.ics`` by its secret feed token; None for a token that names no group."""
_ICS = "text/calendar; charset=utf-8"


class HealthServer:
    """A tiny HTTP server: ``/healthz``, ``/metrics`` and, given ``calendar``, ``/calendar/<token>.ics``.

    ``health`` gives a :class:`HealthReport` (the database and each adapter; 503 unless ``ok``), or just whether the
    bot is healthy. It is a runtime service like the adapters, so it is restarted if it fails; it sends no messages.
    """

    name = "health"
    chat = False

    def __init__(
        self,
        health: Callable[[], Awaitable[bool | HealthReport]],
        metrics: Callable[[], bytes],
        port: int,
        host: str = "0.0.0.0",
        calendar: Feed | None = None,
    ) -> None:
        self._health = health
        self._calendar = calendar
        self._metrics = metrics
        self._host = host
        self.port = port
        self._stopped = asyncio.Event()
        self.started = asyncio.Event()

    def web_app(self) -> web.Application:
        """The aiohttp application."""
        application = web.Application()
        self.add_routes(application)
        return application

    def add_routes(self, application: web.Application) -> None:
        """Serve ``/healthz``, ``/metrics`` (and the feeds) from another aiohttp application (Slack's HTTP mode)."""
        application.router.add_get("/healthz", self._healthz)
        application.router.add_get("/metrics", self._metrics_page)
        if self._calendar is not None:
            application.router.add_get("/calendar/{name}", self._feed)

    async def _feed(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        token = name.removesuffix(".ics")
        body = await self._calendar(token) if self._calendar is not None and name.endswith(".ics") else None
        if body is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=body, headers={"Content-Type": _ICS, "Cache-Control": "private, max-age=300"})

    async def _healthz(self, request: web.Request) -> web.Response:
        result = await self._health()
        if isinstance(result, HealthReport):
            return web.json_response(result.parts, status=200 if result.ok else 503)
        return web.json_response({"status": "ok" if result else "unhealthy"}, status=200 if result else 503)

    async def _metrics_page(self, request: web.Request) -> web.Response:
        return web.Response(body=self._metrics(), headers={"Content-Type": CONTENT_TYPE})

    async def run(self) -> None:
        """Serve until :meth:`stop`."""
        self._stopped.clear()
        runner = web.AppRunner(self.web_app())
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self.port)
            await site.start()
            if runner.addresses:
                self.port = int(runner.addresses[0][1])
            self.started.set()
            await self._stopped.wait()
        finally:
            self.started.clear()
            await runner.cleanup()

    async def stop(self) -> None:
        """Stop serving."""
        self._stopped.set()

    async def send(self, delivery: Delivery) -> None:
        """Nothing to send: the health server has no chat."""
