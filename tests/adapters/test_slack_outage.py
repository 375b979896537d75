"""A database outage on Slack: every kind of request still gets the short "database" reply, never silence or an error.

The adapter records each event (and each trigger id) in the database to drop Slack's retries; with the database
gone, that record cannot be written, and the request must go on to the core, which tells the user.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.main.wiring import BotApp
from tests.adapters.slack_standin import SlackApi, bot_over_http, fixture, post_event, post_form
from tests.conftest import DbTarget
from tests.security.test_outage import NO_DATABASE, break_database


@pytest.fixture
def db_target(tmp_path: Path) -> DbTarget:
    return DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'outage.db'}", None)


@pytest.fixture
async def slack(app: BotApp) -> AsyncIterator[tuple[str, SlackApi]]:
    async with bot_over_http(app) as served:
        yield served


@pytest.fixture
def outage(app: BotApp) -> Iterator[None]:
    """The database is unreachable for the test, and back afterwards."""
    working = app.db.engine
    break_database(app)
    yield
    app.db.engine = working
    app.db.sessions = async_sessionmaker(working, expire_on_commit=False)


async def test_mention_during_an_outage_gets_the_database_reply(slack: tuple[str, SlackApi], outage: None) -> None:
    """A mention while the database is down is answered, privately, that the database is away."""
    url, api = slack
    assert (await post_event(url, fixture("app_mention.json")))[0] == 200
    (reply,) = await api.wait_for("chat.postEphemeral")
    assert (reply["channel"], reply["user"], reply["text"]) == ("C0GENERAL", "U0ANN", NO_DATABASE)
    assert reply["blocks"] == [{"type": "section", "text": {"type": "mrkdwn", "text": NO_DATABASE}}]


async def test_slash_command_button_and_form_during_an_outage_get_the_database_reply(
    slack: tuple[str, SlackApi], outage: None
) -> None:
    """A slash command, a button and a modal submission during an outage: 200 (no "dispatch_failed"), then the reply."""
    url, api = slack
    command = {
        **fixture("slash_consult.json"),
        "command": "/communitybot",
        "text": "ask how long is a meeting",
        "trigger_id": api.trigger(),
    }
    assert (await post_form(url, command))[0] == 200
    press = {**fixture("block_actions.json"), "trigger_id": api.trigger()}
    assert (await post_form(url, {"payload": json.dumps(press)}))[0] == 200
    submission = copy.deepcopy(fixture("view_submission.json"))
    submission["trigger_id"] = api.trigger()
    submission["view"]["state"]["values"]["email"]["value"]["value"] = "ann@example.org"
    assert await post_form(url, {"payload": json.dumps(submission)}) == (200, "")  # the modal closes
    replies = await api.wait_for("chat.postEphemeral", 3)
    assert [(r["channel"], r["user"], r["text"]) for r in replies] == [("C0GENERAL", "U0ANN", NO_DATABASE)] * 3
    assert api.of("chat.postMessage") == []
