"""Two replicas for the form tests: two bots sharing one database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.main.wiring import BotApp
from tests.conftest import Chat, Clock, DbTarget, make_settings


@pytest.fixture
async def replicas(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[tuple[Chat, Chat]]:
    """Two bots sharing one database (two replicas), each with a chat as Ann."""
    apps = [BotApp(make_settings(db_target, tmp_path), clock=clock) for _ in range(2)]
    for app in apps:
        await app.start()
    yield Chat(apps[0]), Chat(apps[1])
    for app in apps:
        await app.close()
