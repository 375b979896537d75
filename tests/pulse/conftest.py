"""Fixtures for the pulse tests: a migrated database with six weeks of activity in it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage import Database
from tests.pulse.seed import Seeded, seed_six_weeks


@pytest.fixture
async def seeded(db: Database) -> AsyncIterator[Seeded]:
    """The six weeks of activity from tests/pulse/seed.py, on SQLite and PostgreSQL."""
    yield await seed_six_weeks(db)
