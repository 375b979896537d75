"""Supervision that really restarts: a lost network brings the adapter back through bot.runtime.supervise, and
``stop()`` returns promptly in every state."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
import yarl

from adapters.discord import DiscordAdapter, for_app
from bot.app import BotApp
from bot.events import Event, Reply
from bot.runtime import ServiceStates, supervise
from tests.adapters import discord_bot
from tests.adapters.discord_bot import READY_AFTER, embed_titles
from tests.adapters.discord_standin import Call, DiscordStandIn, fixture
from tests.conftest import DbTarget, make_settings

db_target = discord_bot.db_target


@pytest.fixture
async def standin(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordStandIn]:
    server = DiscordStandIn()
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
    try:
        yield server
    finally:
        await server.stop()


async def _ask(standin: DiscordStandIn, n: int) -> Call:
    payload = copy.deepcopy(fixture("interaction_command"))
    payload["id"], payload["token"] = str(1610000000000000000 + n), f"token-{n}"
    await standin.dispatch("INTERACTION_CREATE", payload)
    return await standin.wait_for(lambda c: c.path == f"/interactions/{payload['id']}/token-{n}/callback")


class _Runs:
    """Counts the adapter's failed runs, so a test waits for them instead of sleeping."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.failures = 0
        self.changed = asyncio.Condition()
        self._run = adapter.run
        adapter.run = self.run  # type: ignore[method-assign]  # supervise calls it by attribute

    async def run(self) -> None:
        try:
            await self._run()
        except Exception:
            async with self.changed:
                self.failures += 1
                self.changed.notify_all()
            raise

    async def failed(self, times: int) -> None:
        async with asyncio.timeout(10), self.changed:
            await self.changed.wait_for(lambda: self.failures >= times)


class _States(ServiceStates):
    """The runtime's record of services, with an event a test can wait on: set while the adapter is up."""

    def __init__(self) -> None:
        super().__init__()
        self.up = asyncio.Event()

    def mark_up(self, name: str) -> None:
        super().mark_up(name)
        self.up.set()

    def mark_down(self, name: str, error: str | None) -> None:
        super().mark_down(name, error)
        self.up.clear()


async def test_after_the_network_drops_supervise_rebuilds_the_adapter_and_it_answers_again(
    db_target: DbTarget, tmp_path: Path, standin: DiscordStandIn
) -> None:
    """The stand-in drops off the network: run() fails, supervise restarts it with a new client, it answers."""
    app = BotApp(make_settings(db_target, tmp_path, discord_guild_ids=[1200000000000000001]))
    await app.start()
    adapter = for_app(app, app.settings, token="test-token", guild_ready_timeout=READY_AFTER)
    runs = _Runs(adapter)
    states = _States()
    stopping = asyncio.Event()
    supervisor = asyncio.ensure_future(supervise(adapter, stopping, states=states, first_delay=0.1, max_delay=0.4))
    try:
        await asyncio.wait_for(states.up.wait(), 10)  # up once connected (its ready event), not before
        before = await _ask(standin, 1)
        first_client = adapter.client
        await standin.kill_network()
        await runs.failed(2)  # run() fails, and so does at least one restart while the network is gone
        assert not adapter.ready.is_set() and not states.snapshot()["discord"].up
        await standin.restore_network()
        await asyncio.wait_for(standin.identified.wait(), 10)
        await asyncio.wait_for(states.up.wait(), 10)
        after = await _ask(standin, 2)
        assert adapter.client is not first_client
        assert embed_titles(before) == embed_titles(after) == ["How big should a learning circle be?"]
    finally:
        stopping.set()
        await adapter.stop()
        await asyncio.wait_for(supervisor, 5)
        await app.close()


async def _nothing(event: Event) -> list[Reply]:
    return []


async def _stops_promptly(adapter: DiscordAdapter, runner: asyncio.Future[None] | None) -> float:
    started = time.monotonic()
    await asyncio.wait_for(adapter.stop(), 6)
    if runner is not None:
        await asyncio.wait_for(asyncio.gather(runner, return_exceptions=True), 6)
    return time.monotonic() - started


async def test_stop_before_start_returns_at_once() -> None:
    """Never started: stop() has nothing to close and returns."""
    assert await _stops_promptly(DiscordAdapter(_nothing, "token"), None) < 1


class _Silent:
    """A server that accepts connections and never answers (Discord unreachable behind a black hole)."""

    def __init__(self) -> None:
        self.connected = asyncio.Event()
        self._held: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._held.append(writer)
        self.connected.set()

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/api/v10"

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._held:
            writer.close()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


async def test_stop_while_connecting_to_a_discord_that_never_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Login hangs (a server that accepts and never answers): stop() still ends run() promptly."""
    silent = _Silent()
    async with silent as api_url:
        monkeypatch.setattr(discord.http.Route, "BASE", api_url)
        adapter = DiscordAdapter(_nothing, "token")
        runner = asyncio.ensure_future(adapter.run())
        await asyncio.wait_for(silent.connected.wait(), 5)  # login is under way, and gets no answer
        assert not runner.done()
        assert await _stops_promptly(adapter, runner) < 2
        assert runner.done() and runner.exception() is None


async def test_the_runtime_counts_the_adapter_up_only_once_connected(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through its ready event: an adapter still logging in stays down in /healthz, however long run() lasts."""
    silent = _Silent()
    async with silent as api_url:
        monkeypatch.setattr(discord.http.Route, "BASE", api_url)
        adapter = DiscordAdapter(_nothing, "token")
        states, stopping = _States(), asyncio.Event()
        supervisor = asyncio.ensure_future(supervise(adapter, stopping, states=states, settle=0.05))
        try:
            await asyncio.wait_for(silent.connected.wait(), 5)
            await asyncio.sleep(0.3)  # six times what a service without a ready event needs to count as up
            assert not states.up.is_set()
            assert states.snapshot()["discord"].describe().startswith("down since ")
        finally:
            stopping.set()
            await adapter.stop()
            await asyncio.wait_for(supervisor, 5)


async def test_stop_when_connected_and_after_a_failure(standin: DiscordStandIn) -> None:
    """Connected: stop() closes and run() returns; failed (network gone): stop() still returns promptly."""
    adapter = DiscordAdapter(_nothing, "token", guild_ready_timeout=READY_AFTER)
    runner = asyncio.ensure_future(adapter.run())
    await asyncio.wait_for(adapter.ready.wait(), 10)
    assert await _stops_promptly(adapter, runner) < 2
    assert runner.exception() is None
    failing = asyncio.ensure_future(adapter.run())
    await asyncio.wait_for(adapter.ready.wait(), 10)
    await standin.kill_network()
    with pytest.raises((OSError, discord.DiscordException)):
        await asyncio.wait_for(failing, 10)
    assert await _stops_promptly(adapter, None) < 2
