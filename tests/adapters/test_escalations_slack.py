"""Peers before staff on Slack, through the strict stand-in: the peer's DM and the staff post, each sent once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.app import SlackAdapter
from bot.main.wiring import BotApp
from tests.adapters.slack_standin import SECRET, SlackApi, fixture, post_event, post_form, serving
from tests.bot.features.escalations.seed import solved_thread
from tests.conftest import Clock, DbTarget, make_settings, routed

QUESTION = "my cohort is dwindling"
THREAD = "1710000000.000100"
LINK = "https://p2pu.slack.com/archives/C0GENERAL/p1710000000000100"


@pytest.fixture
async def replicas(tmp_path: Path, clock: Clock) -> AsyncIterator[list[BotApp]]:
    """Two bots sharing one database; the help channel is C0HELP on Slack."""
    target = DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'replicas.db'}", None)
    settings = make_settings(target, tmp_path, channels={"help": {"slack": "C0HELP"}})
    apps = [BotApp(settings, clock=clock) for _ in range(2)]
    for app in apps:
        await app.start()
    yield apps
    for app in apps:
        await app.close()


@pytest.fixture
async def slack(replicas: list[BotApp]) -> AsyncIterator[tuple[str, SlackApi, SlackAdapter]]:
    async with serving() as api:
        adapter = SlackAdapter(replicas[0].dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/")
        port = await adapter.start(host="127.0.0.1", port=0)
        yield f"http://127.0.0.1:{port}/slack/events", api, adapter
        await adapter.stop()


def slash(api: SlackApi, text: str, user: str) -> dict[str, str]:
    return {
        **fixture("slash_consult.json"),
        "command": "/communitybot",
        "text": text,
        "user_id": user,
        "trigger_id": api.trigger(),
    }


def press(api: SlackApi, button: dict[str, Any], answer_ts: str) -> dict[str, str]:
    """Ann presses ``button`` on the bot's answer in her question's thread."""
    body = fixture("block_actions.json")
    body["trigger_id"] = api.trigger()
    body["container"] = {**body["container"], "message_ts": answer_ts, "thread_ts": THREAD}
    body["actions"] = [{**body["actions"][0], "action_id": button["action_id"], "value": button["value"]}]
    return {"payload": json.dumps(body)}


async def test_peer_is_asked_by_dm_then_staff_after_four_hours_once(
    slack: tuple[str, SlackApi, SlackAdapter], replicas: list[BotApp], clock: Clock
) -> None:
    """The opted-in peer who solved a similar question gets one DM linking the thread; 4 h later C0HELP gets one post."""
    url, api, adapter = slack
    await solved_thread(
        replicas[0].db,
        "slack",
        "C0HELPDESK",
        "1709000000.000100",
        "our cohort keeps dwindling fast",
        "U0PAT",
        clock.now,
    )
    await post_form(url, slash(api, "helper on", "U0PAT"))
    await api.wait_for("chat.postEphemeral")
    mention = fixture("app_mention.json")
    mention["event"]["text"] = f"<@U0BOT> {QUESTION}"
    await post_event(url, mention)
    (answer,) = await api.wait_for("chat.postMessage")
    assert answer["thread_ts"] == THREAD
    human = next(
        e
        for b in answer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Ask a human"
    )
    await post_form(url, press(api, human, "1710000000.000200"))

    posts = await api.wait_for("chat.postMessage", 2)
    told = await api.wait_for("chat.postEphemeral", 2)
    assert posts[1] == {  # to the user id: Slack posts it in the bot's DM with them
        "channel": "U0PAT",
        "text": "Can you help another member?",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Can you help another member?"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": PEER_DM}},
        ],
    }
    assert told[1] == {"channel": "C0GENERAL", "user": "U0ANN", "text": ASKED, "blocks": [SECTION(ASKED)]}

    clock.advance(hours=3, minutes=59)
    assert await tick_both(replicas, clock) == []
    clock.advance(minutes=1)
    for reply in await tick_both(replicas, clock):
        await adapter.send(routed(reply))
    assert await tick_both(replicas, clock) == []
    posts = await api.wait_for("chat.postMessage", 3)
    assert len(posts) == 3 and posts[2] == {
        "channel": "C0HELP",
        "text": "A question for a human",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "A question for a human"}},
            SECTION(STAFF_POST),
        ],
    }


async def tick_both(apps: list[BotApp], clock: Clock) -> list[Any]:
    """Both replicas tick at the same instant; what they would send."""
    results = await asyncio.gather(*(app.scheduler.tick(clock.now) for app in apps))
    return [reply for replies in results for reply in replies]


def SECTION(text: str) -> dict[str, Any]:  # noqa: N802 - reads as the block it builds
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


PEER_DM = (
    f"U0ANN asked: {QUESTION}\nYou helped with questions like this before. If you can answer, please reply in the "
    f"thread: {LINK}"
)
ASKED = (
    "I've asked 1 member(s) who helped with questions like this; if nobody answers in 4 hours, I'll pass it to the "
    "team."
)
STAFF_POST = (
    f"U0ANN asked: {QUESTION}\nNo answer after 4 hours from the 1 member(s) asked. Thread: {LINK}\n"
    "(question 1; staff can teach me the answer with `kb confirm 1 RECIPE_ID`)"
)
