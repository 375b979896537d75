"""The Slack service under supervision: a restart really starts again, and stop() returns whatever the state."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.slack.app import SlackAdapter, SlackService
from bot.main.runtime import supervise
from bot.main.wiring import BotApp
from bot.service import ServiceStates
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
    return SlackAdapter(app.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/")


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


def mention(event_id: str, text: str) -> dict[str, Any]:
    """A Socket Mode envelope carrying an app_mention (a message of its own: its own ts, as every Slack message)."""
    event = fixture("app_mention.json")
    event["event_id"] = event_id
    event["event"]["text"] = f"<@U0BOT> {text}"
    event["event"]["ts"] = event["event"]["event_ts"] = f"1710000000.{sum(map(ord, event_id)):06d}"
    return {"envelope_id": f"env-{event_id}", "type": "events_api", "payload": event, "retry_attempt": 0}


async def test_socket_mode_is_reported_down_when_the_network_goes_and_answers_when_it_returns(
    app: BotApp, api: SlackApi
) -> None:
    """Under supervision: the websocket closes and Slack is unreachable; /healthz says down; back, it answers again."""
    url = api.base_url + "/api/"
    adapter = SlackAdapter(app.dispatcher.handle, "xoxb-test", SECRET, url, ping_interval=0.2)
    service = SlackService(adapter, app_token="xapp-test", lost_after=0.6)
    states = ServiceStates()
    stopping = asyncio.Event()
    supervisor = asyncio.ensure_future(supervise(service, stopping, states=states, first_delay=0.1, settle=60))
    try:
        await asyncio.wait_for(service.ready.wait(), 5)
        await api.envelopes.put(mention("Ev0BEFORE", "how many people should be in a learning circle?"))
        (before,) = await api.wait_for("chat.postMessage")
        await api.go_offline()
        await until(lambda: _true(not states.snapshot()["slack"].up))
        assert states.snapshot()["slack"].last_error == "ConnectionError"
        assert (await states.report(app.healthy)).parts["slack"].startswith("down since ")
        api.offline = False
        await api.envelopes.put(mention("Ev0AFTER", "how long and how often should we meet?"))
        (_, after) = await api.wait_for("chat.postMessage", 2, within=10)
        await until(lambda: _true(states.snapshot()["slack"].up))
    finally:
        stopping.set()
        await service.stop()
        await asyncio.wait_for(supervisor, 7)
    assert "How big should a learning circle be?" in json.dumps(before["blocks"])
    assert "How long and how often should a learning circle meet?" in json.dumps(after["blocks"])
    assert api.connections >= 2 and len(api.of("chat.postMessage")) == 2


async def test_http_mode_healthz_reports_each_part_and_is_up_once_listening(app: BotApp, api: SlackApi) -> None:
    """HTTP mode serves the runtime's per-part report at /healthz, with Slack up as soon as it listens (not 1 s on)."""
    states = ServiceStates()
    adapter = SlackAdapter(
        app.dispatcher.handle,
        "xoxb-test",
        SECRET,
        api.base_url + "/api/",
        health=lambda: states.report(app.healthy),
        metrics=app.metrics.render,
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    service = SlackService(adapter, port=port)
    stopping = asyncio.Event()
    supervisor = asyncio.ensure_future(supervise(service, stopping, states=states, settle=60))
    try:
        await asyncio.wait_for(service.ready.wait(), 5)
        await until(lambda: _true(states.snapshot()["slack"].up), within=2)
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert (response.status, await response.json()) == (200, {"database": "ok", "slack": "up"})
    finally:
        stopping.set()
        await service.stop()
        await asyncio.wait_for(supervisor, 7)


def test_the_run_command_serves_the_full_health_report_in_http_mode(tmp_path: Path) -> None:
    """`communitybot run slack --http`: /healthz on the Slack port names the database and Slack, as the health port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "COMMUNITYBOT_DATA_DIR": str(tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "slack", "--http", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        report = _poll_healthz(port, within=30)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=25)
    finally:
        process.kill()
    assert report == {"database": "ok", "slack": "up"}, stderr


def _poll_healthz(port: int, within: float) -> dict[str, Any]:
    """GET /healthz until Slack is reported up (or the time is over: the last answer)."""
    deadline = time.monotonic() + within
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                last = json.loads(response.read())
        except urllib.error.HTTPError as error:
            last = json.loads(error.read())
        except OSError:
            pass
        if last.get("slack") == "up":
            return last
        time.sleep(0.1)
    return last
