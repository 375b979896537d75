"""Running for real: draining in-flight events, restarting a crashed adapter, the health server, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from adapters.health import HealthServer
from bot.app import BotApp
from bot.dispatcher import Command, Context, Dispatcher, Feature
from bot.events import Message, Origin, Reply
from bot.permissions import RoleResolver
from bot.runtime import run_services
from bot.settings import Settings
from storage import Database
from tests.conftest import DbTarget

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
    dispatcher = Dispatcher(db, RoleResolver(Settings().roles), [Feature("slow", (Command("slow", slow, "waits"),))])
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
    dispatcher = Dispatcher(db, RoleResolver(Settings().roles), [Feature("stuck", (Command("stuck", stuck, "x"),))])
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

    async def post(self, reply: Reply) -> None:
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

    async def post(self, reply: Reply) -> None:
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
        [sys.executable, "-m", "bot.cli", "run", "slack", "--http", "--port", str(port), "--health-port", str(health)],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", health), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the health port never opened")
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "shutting down" in stderr and "stopped" in stderr
