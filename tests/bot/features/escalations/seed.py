"""Help threads as the threads feature leaves them (opened, answered by a person, solved), for escalation tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

from bot.main.wiring import BotApp
from storage import Database
from storage.models import Base  # noqa: F401 - the models first: storage.threads' module imports them in turn
from storage.threads import mark_solved, open_thread, record_human_reply
from tests.conftest import Clock, DbTarget, make_settings


@contextlib.asynccontextmanager
async def bot_with_own_folder(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[BotApp]:
    """A bot with a recipe folder of the community's own (``tmp_path/ours``), for `kb publish`."""
    (tmp_path / "ours").mkdir()
    bot = BotApp(make_settings(db_target, tmp_path, knowledge_dirs=[str(tmp_path / "ours")]), clock=clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.close()


async def solved_thread(
    db: Database, platform: str, channel: str, thread: str, question: str, solver: str, at: datetime
) -> None:
    """A thread someone asked ``question`` in, which ``solver`` answered and the asker marked solved."""
    async with db.session() as session:
        await open_thread(session, platform, channel, thread, "someone", question, at)
        await record_human_reply(session, platform, channel, thread, solver, at)
        await mark_solved(session, platform, channel, thread, "someone", solver, at)


async def thread_for(
    db: Database, platform: str, channel: str, thread: str, asker: str, question: str, qid: int, at: datetime
) -> None:
    """The thread ``asker`` asked the logged question ``qid`` in (what the threads feature records)."""
    async with db.session() as session:
        await open_thread(session, platform, channel, thread, asker, question, at, question_id=qid)


async def answer_and_solve(
    db: Database, platform: str, channel: str, thread: str, by: str, at: datetime, solve: bool = True
) -> None:
    """``by`` replies in the thread (and the asker marks it solved, crediting them)."""
    async with db.session() as session:
        await record_human_reply(session, platform, channel, thread, by, at)
        if solve:
            await mark_solved(session, platform, channel, thread, "asker", by, at)
