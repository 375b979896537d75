"""Shared fixtures: a database on SQLite and PostgreSQL, a bot app with a fixed clock, and a chat helper."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.adapter import Delivery
from bot.events import Action, Event, FormSubmission, Message, Origin, Reply
from bot.main.wiring import BotApp
from bot.routing import Channels, route
from bot.settings import Settings
from bot.when import plain
from storage import Database
from storage.db import sqlite_file
from tests.fixtures import own_recipes

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PG_URL = os.environ.get("COMMUNITYBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class DbTarget:
    """Where a test's database lives."""

    url: str
    schema: str | None


async def _pg_reachable() -> str | None:
    engine = create_async_engine(PG_URL)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # any failure means "not reachable" for the skip message
        return str(exc).splitlines()[0]
    finally:
        await engine.dispose()


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Undo what a test's in-process ``communitybot`` call did to the root logger (its handler redacts records)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    root.handlers[:], level = saved
    root.setLevel(level)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DbTarget]:
    """A fresh, empty database: a SQLite file, or a schema of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        yield DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}", None)
        return
    problem = await _pg_reachable()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} is required in CI: {problem}")
        pytest.skip(f"PostgreSQL at {PG_URL} is not reachable: {problem}")
    schema = f"cbtest_{uuid.uuid4().hex[:12]}"
    yield DbTarget(PG_URL, schema)
    engine = create_async_engine(PG_URL)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


@pytest.fixture(scope="session")
def warm_start(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where a bot started once (built once per session and only read): ``test.db``, a SQLite database
    migrated to head, and ``kb-cache``, the starter recipes' index. Tests start from copies of them, since each
    migration (0.2 s) and index build (0.3 s) is the same work every time; the migrations and the index are tested
    from nothing in tests/storage/test_migrations.py and tests/knowledge."""
    folder = tmp_path_factory.mktemp("warm-start")

    async def start() -> None:
        bot = BotApp(make_settings(DbTarget(f"sqlite+aiosqlite:///{folder / 'test.db'}", None), folder))
        await bot.start()
        await bot.close()

    asyncio.run(start())
    return folder


def start_warm(warm: Path, target: DbTarget, data_dir: Path | None = None) -> None:
    """Give a test's fresh SQLite database, and its data folder if given, copies of what :func:`warm_start` made
    (files already there are left alone). An app whose settings change the index (other recipes, another threshold)
    builds its own."""
    file = sqlite_file(target.url)
    if file is not None and not file.exists():
        shutil.copy2(warm / "test.db", file)  # the mode too: the database is its owner's alone (0600)
    if data_dir is not None and not (data_dir / "kb-cache").exists():
        shutil.copytree(warm / "kb-cache", data_dir / "kb-cache")  # 0700 and 0600: the cache refuses anything looser


@pytest.fixture
async def db(db_target: DbTarget, warm_start: Path) -> AsyncIterator[Database]:
    """A migrated database (on SQLite a copy of the session's, which ``upgrade`` finds at head)."""
    start_warm(warm_start, db_target)
    database = Database(db_target.url, schema=db_target.schema)
    await database.upgrade()
    yield database
    await database.close()


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def make_settings(target: DbTarget, data_dir: Path, **extra: object) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=target.url,
        database_schema=target.schema,
        staff_channel="staff",
        help_channel="help",
        **extra,  # type: ignore[arg-type]
    )


@dataclass
class Chat:
    """Talk to a running app as any user; returns the replies."""

    app: BotApp
    sent: list[Reply] = field(default_factory=list)

    def origin(
        self, user: str = "ann", role: str = "member", channel: str | None = None, modals: bool = False
    ) -> Origin:
        return Origin(
            platform="console",
            channel=channel or f"dm-{user}",
            user=user,
            user_name=user.title(),
            is_dm=channel is None,
            platform_roles=frozenset({role}),
            form_page_size=100 if modals else 0,
        )

    async def send(self, event: Event) -> list[Reply]:
        replies = await self.app.dispatcher.handle(event)
        self.sent += replies
        return replies

    async def say(self, text: str, mention: bool = False, **who: object) -> list[Reply]:
        return await self.send(Message(self.origin(**who), text, is_mention=mention))  # type: ignore[arg-type]

    async def press(self, action_id: str, value: str = "", **who: object) -> list[Reply]:
        return await self.send(Action(self.origin(**who), action_id, value))  # type: ignore[arg-type]

    async def submit(self, form_id: str, values: dict[str, str], **who: object) -> list[Reply]:
        origin = self.origin(modals=True, **who)  # type: ignore[arg-type]
        return await self.send(FormSubmission(origin, form_id, values))


@pytest.fixture
async def app(
    db_target: DbTarget, tmp_path: Path, clock: Clock, warm_start: Path, request: pytest.FixtureRequest
) -> AsyncIterator[BotApp]:
    """A started bot on a fresh database (a copy of the session's migrated one), with the test clock; a test marked
    ``test_recipes`` gets one answering from the test recipes (:data:`tests.fixtures.RECIPES`)."""
    start_warm(warm_start, db_target, tmp_path)
    own = own_recipes() if request.node.get_closest_marker("test_recipes") else {}
    bot = BotApp(make_settings(db_target, tmp_path, **own), clock=clock)
    await bot.start()
    yield bot
    await bot.close()


@pytest.fixture
def chat(app: BotApp) -> Chat:
    return Chat(app)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """../shared, or a skip saying why it is missing."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not here (it exists only in the team's workspace)")
    yield SHARED


def routed(reply: Reply) -> Delivery:
    """The one delivery :func:`bot.routing.route` makes of a message the scheduler sends (no event, no mapping)."""
    (delivery,) = route(None, reply, Channels({}))
    return delivery


def texts(replies: list[Reply]) -> str:
    """Everything the replies say, as one string, times as a reader with no zone of their own reads them."""
    parts = []
    for r in replies:
        parts += [r.title or "", r.text, *(f"{k}: {v}" for k, v in r.fields)]
    return plain("\n".join(parts))
