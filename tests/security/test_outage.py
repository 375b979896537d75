"""Events during a database outage get a short, true reply instead of silence or "something went wrong"."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.main.wiring import BotApp
from tests.bot.lead_answers import VALID
from tests.conftest import Chat

NO_DATABASE = "I can't reach my database right now, try again in a minute."


def break_database(app: BotApp) -> None:
    """Point the bot's engine at a database that cannot be reached (a missing folder, or a closed port)."""
    if app.db.dialect == "sqlite":
        url = "sqlite+aiosqlite:////nonexistent-folder/for-sure/bot.db"
    else:
        url = "postgresql+asyncpg://postgres@127.0.0.1:9/test"
    app.db.engine = create_async_engine(url)
    app.db.sessions = async_sessionmaker(app.db.engine, expire_on_commit=False)


async def test_outage_gets_a_short_reply(chat: Chat, app: BotApp, caplog: pytest.LogCaptureFixture) -> None:
    """A question, a staff command, a button and a form during an outage each get the database reply."""
    broken = app.db.engine
    break_database(app)
    try:
        with caplog.at_level(logging.INFO):
            replies = [
                await chat.say("ask how long is a meeting"),
                await chat.say("leads list", role="staff"),
                await chat.press("kb:helpful", "1"),
                await chat.submit("consult:intake", VALID),
            ]
    finally:
        await app.db.engine.dispose()
        app.db.engine = broken
        app.db.sessions = async_sessionmaker(broken, expire_on_commit=False)
    assert [[r.text for r in rs] for rs in replies] == [[NO_DATABASE]] * 4
    logged = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert all(r.exc_info is None and "Ann" not in r.getMessage() for r in logged)
    assert any("database unreachable while handling Message" in r.getMessage() for r in logged)
    # Back up: the bot answers normally again.
    assert (await chat.say("ask how long is a meeting"))[0].title == (
        "How long and how often should a learning circle meet?"
    )
