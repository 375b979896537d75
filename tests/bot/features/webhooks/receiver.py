"""A loopback CRM: an aiohttp server that verifies each POST with the spec's reference library, ``standardwebhooks``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class Received:
    """One POST: its headers, the verified body (None if verification failed), and when it arrived."""

    headers: dict[str, str]
    event: dict[str, Any] | None
    error: str | None
    at: float


@dataclass
class Receiver:
    """Answers each POST with the next of ``answers`` (then 200); records what it got."""

    url: str = ""
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    got: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            event, error = Webhook(SECRET).verify(body, headers), None
        except WebhookVerificationError as exc:
            event, error = None, str(exc)
        self.got.append(Received(headers, event, error, time.perf_counter()))
        self.arrived.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(status=self.answers.pop(0) if self.answers else 200)

    @property
    def events(self) -> list[dict[str, Any]]:
        """The verified bodies, in arrival order (a POST that failed verification fails the test here)."""
        assert all(r.error is None for r in self.got), [r.error for r in self.got]
        return [r.event for r in self.got if r.event is not None]


@asynccontextmanager
async def receiving(path: str = "/hooks") -> AsyncIterator[Receiver]:
    """A receiver listening on a free loopback port."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post(path, receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    receiver.url = f"http://127.0.0.1:{port}{path}"
    try:
        yield receiver
    finally:
        await runner.cleanup()
