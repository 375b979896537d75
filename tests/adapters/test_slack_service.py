"""The Slack service under supervision: a restart really starts again, and stop() returns whatever the state."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from adapters.slack.app import SlackAdapter, SlackService
from bot.app import BotApp
from bot.runtime import supervise
from tests.adapters.slack_standin import SECRET, SlackApi, fixture, serving
from tests.conftest import DbTarget


@pytest.fixture
def db_target(tmp_path: Path) -> DbTarget:
    return DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'service.db'}", None)


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with serving() as standin:
        yield standin


def make_adapter(app: BotApp, api: SlackApi) -> SlackAdapter:
    return SlackAdapter(app.dispatcher.handle, app.db, "xoxb-test", SECRET, api.base_url + "/api/")


async def healthz(port: int) -> int | None:
    """The status of GET /healthz, or None when nothing answers on ``port``."""
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as response,
        ):
            return response.status
    except aiohttp.ClientConnectionError:
        return None


async def until(condition: object, within: float = 5.0) -> None:
    """Poll an async condition until it is true."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_http_mode_recovers_after_a_failed_bind(app: BotApp, api: SlackApi) -> None:
    """The port is taken: run() fails; once it is free, the supervisor's next run() serves /healthz again."""
    blocker = socket.socket()
    blocker.bind(("0.0.0.0", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    adapter = SlackAdapter(
        app.dispatcher.handle,
        app.db,
        "xoxb-test",
        SECRET,
        api.base_url + "/api/",
        health=app.healthy,
        metrics=app.metrics.render,
    )
    service = SlackService(adapter, port=port)
    stopping = asyncio.Event()
    supervisor = asyncio.ensure_future(supervise(service, stopping, first_delay=0.1, max_delay=0.2))
    await asyncio.sleep(0.5)  # a few failed binds
    assert not supervisor.done()
    blocker.close()

    async def serving_health() -> bool:
        return await healthz(port) == 200

    await until(serving_health)
    stopping.set()
    await service.stop()
    await asyncio.wait_for(supervisor, 5)
    assert await healthz(port) is None


async def test_http_mode_runs_again_after_a_stop(app: BotApp, api: SlackApi) -> None:
    """Each run() builds a new web app: stop, run again, and signed events are still answered."""
    adapter = make_adapter(app, api)
    service = SlackService(adapter, port=0)
    for _ in range(2):
        running = asyncio.ensure_future(service.run())
        await until(lambda: _true(adapter._runner is not None))
        await service.stop()
        await asyncio.wait_for(running, 5)
    assert adapter._runner is None


async def _true(value: bool) -> bool:
    return value


async def test_stop_returns_while_socket_mode_waits_for_a_slack_that_never_answers(app: BotApp, api: SlackApi) -> None:
    """Socket Mode pointed at a stand-in that never answers apps.connections.open: stop() ends run() at once."""
    api.hang = True
    service = SlackService(make_adapter(app, api), app_token="xapp-test")
    running = asyncio.ensure_future(service.run())
    await api.wait_for("apps.connections.open", refused=True)
    started = time.monotonic()
    await service.stop()
    await asyncio.wait_for(running, 7)
    assert time.monotonic() - started < 2.0


async def test_socket_mode_reconnects_with_a_fresh_client_after_a_restart(app: BotApp, api: SlackApi) -> None:
    """Run, stop, run again: the second run has its own Socket Mode client and answers an envelope."""
    adapter = make_adapter(app, api)
    service = SlackService(adapter, app_token="xapp-test")
    clients = []
    for attempt in range(2):
        running = asyncio.ensure_future(service.run())
        await until(lambda: _true(adapter._socket is not None))
        clients.append(adapter._socket)
        if attempt == 0:
            await service.stop()
            await asyncio.wait_for(running, 7)
    event = fixture("app_mention.json")
    await api.envelopes.put({"envelope_id": "env-1", "type": "events_api", "payload": event, "retry_attempt": 0})
    (posted,) = await api.wait_for("chat.postMessage")
    assert "How big should a learning circle be?" in json.dumps(posted["blocks"])
    assert clients[0] is not clients[1]
    await service.stop()
    await asyncio.wait_for(running, 7)
