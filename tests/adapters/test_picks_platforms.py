"""A recipe picked from a declined question's suggestions, on Slack and Discord through their strict stand-ins:
it carries Helpful and Not helpful, and Helpful there teaches it the question. The bots answer from the test recipes
(tests/fixtures/recipes), not the starter set."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.app import SlackAdapter
from bot.main.wiring import BotApp
from storage.questions import get_question
from tests.adapters.discord_bot import Bot, buttons, embed_titles, running_bot
from tests.adapters.slack_standin import SECRET, SlackApi, fixture, post_event, post_form, serving
from tests.conftest import DbTarget

pytestmark = pytest.mark.test_recipes  # answers from tests/fixtures/recipes

SHRINKING = "our group keeps shrinking, what now"
PICKED = "people/drop-off"


@pytest.fixture
def db_target(tmp_path: Path) -> DbTarget:
    """The wire tests need one database, not both: SQLite."""
    return DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'picks.db'}", None)


@pytest.fixture
async def bot(db_target: DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Bot]:
    """The bot on the Discord stand-in, answering from the test recipes."""
    async with running_bot(db_target, tmp_path, monkeypatch, test_recipes=True) as started:
        yield started


async def learned(app: BotApp) -> tuple[str | None, str | None, bool]:
    """The first question's vote and recipe, and whether the picked recipe learned its phrasing."""
    async with app.db.session() as session:
        asked = await get_question(session, 1)
    assert asked is not None
    return asked.feedback, asked.recipe_id, SHRINKING in app.kb.by_id[PICKED].questions


@pytest.fixture
async def slack(app: BotApp) -> AsyncIterator[tuple[str, SlackApi]]:
    async with serving() as api:
        adapter = SlackAdapter(app.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/")
        port = await adapter.start(host="127.0.0.1", port=0)
        yield f"http://127.0.0.1:{port}/slack/events", api
        await adapter.stop()


def slack_buttons(posted: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in posted["blocks"] if b["type"] == "actions" for e in b["elements"]]


def press(api: SlackApi, button: dict[str, Any]) -> dict[str, str]:
    body = {**fixture("block_actions.json"), "trigger_id": api.trigger()}
    body["actions"] = [{**body["actions"][0], "action_id": button["action_id"], "value": button["value"]}]
    return {"payload": json.dumps(body)}


async def test_slack_pick_shows_votes_and_helpful_teaches_it(slack: tuple[str, SlackApi], app: BotApp) -> None:
    """On Slack the suggestion opens the recipe with Helpful, Not helpful and Ask a human; Helpful is learned."""
    url, api = slack
    mention = fixture("app_mention.json")
    mention["event"]["text"] = f"<@U0BOT> {SHRINKING}"
    await post_event(url, mention)
    (declined,) = await api.wait_for("chat.postMessage")
    pick = next(b for b in slack_buttons(declined) if b["text"]["text"] == "What if learners stop showing up?")
    assert (pick["action_id"], pick["value"]) == ("kb:pick|0", f"1:{PICKED}")
    await post_form(url, press(api, pick))
    shown = (await api.wait_for("chat.postMessage", 2))[1]
    assert shown["blocks"][0]["text"]["text"] == "What if learners stop showing up?"
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in slack_buttons(shown)] == [
        ("Helpful", "kb:helpful|0", f"1:{PICKED}"),
        ("Not helpful", "kb:unhelpful|1", f"1:{PICKED}"),
        ("Ask a human", "kb:human|2", "1"),
    ]
    await post_form(url, press(api, slack_buttons(shown)[0]))
    (thanks,) = await api.wait_for("chat.postEphemeral")
    assert "Thanks! I'll remember that this answer fits questions like yours." in json.dumps(thanks)
    assert await learned(app) == ("helpful", PICKED, True)


async def test_discord_pick_shows_votes_and_helpful_teaches_it(bot: Bot) -> None:
    """On Discord the suggestion's custom_id carries the question and the recipe; so do the votes under it."""
    declined = await bot.ask(SHRINKING)
    assert ("What if learners stop showing up?", f"cb|kb:pick|1:{PICKED}") in buttons(declined)
    shown = await bot.press(f"cb|kb:pick|1:{PICKED}")
    assert embed_titles(shown) == ["What if learners stop showing up?"]
    assert buttons(shown) == [
        ("Helpful", f"cb|kb:helpful|1:{PICKED}"),
        ("Not helpful", f"cb|kb:unhelpful|1:{PICKED}"),
        ("Ask a human", "cb|kb:human|1"),
    ]
    thanks = await bot.press(f"cb|kb:helpful|1:{PICKED}")
    assert thanks.body["data"]["flags"] == 64
    assert thanks.body["data"]["content"] == "Thanks! I'll remember that this answer fits questions like yours."
    assert await learned(bot.app) == ("helpful", PICKED, True)
