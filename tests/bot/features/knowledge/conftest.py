"""The knowledge feature's tests answer from the test recipes (tests/fixtures/recipes), not the starter set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.main.wiring import BotApp
from tests.conftest import Clock, DbTarget, make_settings
from tests.fixtures import own_recipes


@pytest.fixture
async def app(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[BotApp]:
    """A started bot on a fresh database, with the test clock, answering from the test recipes."""
    bot = BotApp(make_settings(db_target, tmp_path, **own_recipes()), clock=clock)
    await bot.start()
    yield bot
    await bot.close()
