"""Running for real: draining in-flight events, restarting a crashed adapter, the health server, SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from adapters.health import HealthServer
from bot.adapter import Delivery
from bot.dispatcher import Dispatcher
from bot.errors import DeliveryError
from bot.events import Message, Origin, Reply
from bot.feature import Command, Context, Surface
from bot.main.runtime import make_deliver, run_services, supervise
from bot.main.wiring import BotApp
from bot.metrics import Metrics
from bot.permissions import RoleResolver
from bot.registry import Registry
from bot.service import HealthReport, ServiceStates
from bot.settings import Settings
from storage import Database
from tests.conftest import Clock, DbTarget

ORIGIN = Origin("test", "c1", "u1", is_dm=True)


@pytest.fixture
def db_target(tmp_path: Path) -> DbTarget:
    """The runtime is platform plumbing: one database is enough."""
    return DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'runtime.db'}", None)


async def test_shutdown_finishes_the_event_in_flight_and_refuses_new_ones(tmp_path: Path) -> None:
    gate = asyncio.Event()

    async def slow(ctx: Context, args: str) -> list[Reply]:
        await gate.wait()
        return [Reply("finished")]

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    await db.upgrade()
    registry = Registry.build([Surface("slow", (Command("slow", slow, "waits"),))])
    dispatcher = Dispatcher(db, RoleResolver(Settings().roles), registry)
    in_flight = asyncio.create_task(dispatcher.handle(Message(ORIGIN, "slow")))
    await asyncio.sleep(0.05)
    assert dispatcher.inflight == 1
    draining = asyncio.create_task(dispatcher.drain(5))
    await asyncio.sleep(0.05)
    assert not draining.done()  # waits for the event in flight
    refused = await dispatcher.handle(Message(ORIGIN, "help"))
    assert "restarting" in refused[0].text
    gate.set()
    assert await draining is True
    assert (await in_flight)[0].text == "finished"
    await db.close()


async def test_drain_gives_up_after_its_bound(tmp_path: Path) -> None:
    async def stuck(ctx: Context, args: str) -> list[Reply]:
        await asyncio.sleep(10)
        return []

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    await db.upgrade()
    registry = Registry.build([Surface("stuck", (Command("stuck", stuck, "x"),))])
    dispatcher = Dispatcher(db, RoleResolver(Settings().roles), registry)
    task = asyncio.create_task(dispatcher.handle(Message(ORIGIN, "stuck")))
    await asyncio.sleep(0.05)
    assert await dispatcher.drain(0.1) is False
    task.cancel()
    await db.close()


class Crashy:
    """An adapter that fails the first time it runs."""

    name = "crashy"

    def __init__(self) -> None:
        self.runs = 0
        self.stopped = asyncio.Event()
        self.back = asyncio.Event()

    async def run(self) -> None:
        self.runs += 1
        if self.runs == 1:
            raise ConnectionError("gateway went away")
        self.back.set()
        await self.stopped.wait()

    async def stop(self) -> None:
        self.stopped.set()

    async def send(self, delivery: Delivery) -> None:
        pass


class Steady:
    """An adapter that keeps answering questions through the real core while the other one restarts."""

    name = "steady"

    def __init__(self, app: BotApp) -> None:
        self.app = app
        self.answers: list[str] = []
        self.stopped = asyncio.Event()
        self.accepting_at_stop: bool | None = None

    async def run(self) -> None:
        while not self.stopped.is_set():
            replies = await self.app.dispatcher.handle(Message(ORIGIN, "ask how long should each meeting be"))
            self.answers.append(replies[0].title or replies[0].text)
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.accepting_at_stop = self.app.dispatcher.accepting
        self.stopped.set()

    async def send(self, delivery: Delivery) -> None:
        pass


async def test_a_crashed_adapter_is_restarted_while_the_other_keeps_answering(app: BotApp) -> None:
    crashy, steady = Crashy(), Steady(app)
    stopping = asyncio.Event()
    runner = asyncio.create_task(run_services(app, [crashy, steady], stopping, first_delay=0.2, tick_seconds=60))
    await asyncio.wait_for(crashy.back.wait(), 5)
    assert crashy.runs == 2
    answered = len(steady.answers)
    assert answered > 0 and all("meet" in a.lower() for a in steady.answers), steady.answers
    stopping.set()
    await asyncio.wait_for(runner, 10)
    assert steady.accepting_at_stop is False  # new events were refused before the adapters stopped
    assert app.db.closed


async def test_health_server_reports_database_and_metrics(app: BotApp) -> None:
    await app.dispatcher.handle(Message(ORIGIN, "ask how many people should be in a learning circle"))
    server = HealthServer(app.healthy, app.metrics.render, port=0, host="127.0.0.1")
    task = asyncio.create_task(server.run())
    await asyncio.wait_for(server.started.wait(), 5)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{server.port}/healthz") as response:
            assert response.status == 200
        async with http.get(f"http://127.0.0.1:{server.port}/metrics") as response:
            text = await response.text()
    assert 'communitybot_events_total{kind="Message",platform="test"} 1.0' in text
    assert "communitybot_answers_total" in text
    await server.stop()
    await asyncio.wait_for(task, 5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sigterm_stops_run_cleanly_with_exit_code_zero(tmp_path: Path) -> None:
    """`communitybot run slack --http` serves, and SIGTERM makes it stop taking events and exit 0."""
    port, health = _free_port(), _free_port()
    env = {
        **os.environ,
        "COMMUNITYBOT_DATA_DIR": str(tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "slack", "--http", "--port", str(port), "--health-port", str(health)],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_port(health)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "shutting down" in stderr and "stopped" in stderr


class Edge:
    """A service whose sends fail as told; records what it took."""

    def __init__(self, name: str, failure: Exception | None = None) -> None:
        self.name = name
        self.failure = failure
        self.posted: list[Reply] = []

    async def run(self) -> None:
        await asyncio.Event().wait()

    async def stop(self) -> None:
        pass

    async def send(self, delivery: Delivery) -> None:
        if self.failure is not None:
            raise self.failure
        self.posted.append(delivery.reply)


async def test_delivery_failures_reach_the_scheduler() -> None:
    """The runtime's deliver raises what the adapter raised, so the scheduler keeps the message for a retry."""
    refused = DeliveryError("slack", "ratelimited", permanent=False)
    slack, discord = Edge("slack", refused), Edge("discord")
    deliver = make_deliver([slack, discord, HealthServer(_ok, lambda: b"", port=0)])
    with pytest.raises(DeliveryError) as caught:
        await deliver(Reply("prompt", platform="slack", channel="C1"))
    assert caught.value is refused
    with pytest.raises(DeliveryError, match="mastodon refused the message: not running") as missing:
        await deliver(Reply("prompt", platform="mastodon", channel="C1"))
    assert not missing.value.permanent
    await deliver(Reply("lead L-0001 is still new", channel="staff"))  # no platform: one service took it
    assert [r.text for r in discord.posted] == ["lead L-0001 is still new"]
    gone = DeliveryError("discord", "unknown_channel", permanent=True)
    both_gone = make_deliver(
        [Edge("slack", DeliveryError("slack", "channel_not_found", permanent=True)), Edge("d", gone)]
    )
    with pytest.raises(DeliveryError, match="channel_not_found, unknown_channel") as failed:
        await both_gone(Reply("lead L-0001 is still new", channel="staff"))
    assert failed.value.permanent


async def _ok() -> bool:
    return True


class Flaky:
    """A service that fails its first run, then connects (sets ``ready``) and serves until stopped."""

    def __init__(self, name: str, failures: int = 1) -> None:
        self.name = name
        self.failures = failures
        self.runs = 0
        self.ready = asyncio.Event()
        self.stopped = asyncio.Event()

    async def run(self) -> None:
        self.runs += 1
        self.ready.clear()
        self.stopped.clear()
        if self.runs <= self.failures:
            raise ConnectionError("network unreachable")
        self.ready.set()
        await self.stopped.wait()

    async def stop(self) -> None:
        self.stopped.set()

    async def send(self, delivery: Delivery) -> None:
        pass


async def test_supervision_records_down_since_and_recovery(clock: Clock) -> None:
    """A failing adapter is down since its failure (with the error's type), and up again once reconnected; the
    Prometheus gauge says the same and the restart is counted."""
    metrics = Metrics()
    states = ServiceStates(clock=clock, metrics=metrics)
    flaky, stopping = Flaky("discord"), asyncio.Event()
    states.starting("discord")
    down_at = clock.now
    task = asyncio.create_task(supervise(flaky, stopping, states=states, first_delay=0.3))
    await asyncio.sleep(0.1)
    assert states.snapshot()["discord"].describe() == f"down since {down_at.isoformat()} (ConnectionError)"
    assert metrics.registry.get_sample_value("communitybot_adapter_up", {"adapter": "discord"}) == 0
    assert metrics.registry.get_sample_value("communitybot_adapter_restarts_total", {"adapter": "discord"}) == 1
    clock.advance(seconds=5)
    await asyncio.wait_for(flaky.ready.wait(), 5)
    await asyncio.sleep(0)
    assert states.snapshot()["discord"].describe() == "up"
    assert metrics.registry.get_sample_value("communitybot_adapter_up", {"adapter": "discord"}) == 1
    assert states.snapshot()["discord"].since == down_at + timedelta(seconds=5)
    stopping.set()
    await flaky.stop()
    await asyncio.wait_for(task, 5)


async def _get(port: int) -> tuple[int, dict[str, str]]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status, await response.json()


async def test_healthz_reports_each_adapter_and_fails_when_one_is_down_too_long(clock: Clock) -> None:
    """`/healthz` lists the database and each adapter; 503 once an adapter is down past the limit or the DB is."""
    states = ServiceStates(clock=clock, max_down=timedelta(minutes=2))
    database = {"ok": True}

    async def db_ok() -> bool:
        return database["ok"]

    async def report() -> HealthReport:
        return await states.report(db_ok)

    server = HealthServer(report, lambda: b"", port=0, host="127.0.0.1")
    task = asyncio.create_task(server.run())
    await asyncio.wait_for(server.started.wait(), 5)
    states.starting("slack")
    states.mark_up("slack")
    states.mark_down("discord", "ConnectionError")
    since = clock.now.isoformat()
    assert await _get(server.port) == (
        200,
        {"database": "ok", "discord": f"down since {since} (ConnectionError)", "slack": "up"},
    )
    clock.advance(minutes=2, seconds=1)
    assert await _get(server.port) == (
        503,
        {"database": "ok", "discord": f"down since {since} (ConnectionError)", "slack": "up"},
    )
    states.mark_up("discord")
    assert await _get(server.port) == (200, {"database": "ok", "discord": "up", "slack": "up"})
    database["ok"] = False
    assert await _get(server.port) == (503, {"database": "unreachable", "discord": "up", "slack": "up"})
    await server.stop()
    await asyncio.wait_for(task, 5)


class HangsInStop(Flaky):
    """An adapter whose stop() never returns (a close waiting on a dead network)."""

    async def stop(self) -> None:
        await asyncio.Event().wait()


class NeverConnects(Flaky):
    """An adapter stuck connecting: run() ignores stop() (but can be cancelled)."""

    async def run(self) -> None:
        self.runs += 1
        await asyncio.Event().wait()


async def test_stop_is_bounded_whatever_state_the_adapters_are_in(app: BotApp) -> None:
    """With one adapter hanging in stop(), one stuck connecting and one in backoff, the runtime still ends quickly."""
    hangs, stuck, failing = HangsInStop("slack", failures=0), NeverConnects("discord"), Flaky("other", failures=99)
    stopping = asyncio.Event()
    runner = asyncio.create_task(
        run_services(app, [hangs, stuck, failing], stopping, stop_seconds=1.0, first_delay=0.2, tick_seconds=60)
    )
    await asyncio.wait_for(hangs.ready.wait(), 5)

    for _ in range(100):  # the failing one restarts after its 0.2 s backoff (later on a busy machine)
        if failing.runs >= 2:
            break
        await asyncio.sleep(0.05)
    assert stuck.runs == 1 and failing.runs >= 2
    started = time.monotonic()
    stopping.set()
    await asyncio.wait_for(runner, 15)
    assert time.monotonic() - started < 8
    assert app.db.closed


def test_sigterm_stops_socket_mode_stuck_on_a_silent_server_within_25_seconds(tmp_path: Path) -> None:
    """Socket Mode pointed at a server that accepts and never answers still exits on SIGTERM, promptly and with 0."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    health = _free_port()
    env = {
        **os.environ,
        "COMMUNITYBOT_DATA_DIR": str(tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "SLACK_API_URL": f"http://127.0.0.1:{silent.getsockname()[1]}/api/",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "slack", "--health-port", str(health)],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_port(health)
        time.sleep(1.0)  # let Socket Mode get stuck waiting on the silent server
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        process.kill()
        silent.close()
    assert process.returncode == 0, stderr
    assert took < 25, stderr
    assert "stopped" in stderr


class DropsThenHangs:
    """Connects (sets ``ready``) and drops on its first run; then hangs connecting, never setting it again itself."""

    name = "discord"

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.runs = 0
        self.second = asyncio.Event()

    async def run(self) -> None:
        self.runs += 1
        if self.runs == 1:
            self.ready.set()
            await asyncio.sleep(0.1)
            raise ConnectionError("connection reset")
        self.second.set()
        await asyncio.Event().wait()

    async def stop(self) -> None:
        pass

    async def send(self, delivery: Delivery) -> None:
        pass


async def test_a_restart_that_has_not_connected_yet_is_not_reported_up(clock: Clock) -> None:
    """The ready event of the previous connection does not make a stuck restart look up."""
    states, service, stopping = ServiceStates(clock=clock), DropsThenHangs(), asyncio.Event()
    task = asyncio.create_task(supervise(service, stopping, states=states, first_delay=0.1))
    await asyncio.wait_for(service.second.wait(), 5)
    await asyncio.sleep(0.2)
    assert states.snapshot()["discord"].describe() == f"down since {clock.now.isoformat()} (ConnectionError)"
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _wait_for_port(port: int, seconds: float = 30) -> None:
    """Block until something listens on ``port`` (the bot's health port), or fail the test."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("the health port never opened")
