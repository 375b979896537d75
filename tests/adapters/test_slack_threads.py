"""Threads, a watched help channel and ✅ reactions over Slack: signed Events API payloads in (message.channels,
app_mention, reaction_added), the strict Web API stand-in out (chat.postMessage with thread_ts,
conversations.replies)."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import SlackAdapter
from adapters.slack.reactions import reacted_thread
from bot.dispatcher import Dispatcher
from bot.features.threads.solve import CHECK_MARKS as SOLVE_MARKS
from bot.main.wiring import BotApp
from tests.adapters.slack_standin import (
    SECRET,
    SlackApi,
    answered,
    fixture,
    follow_up,
    mrkdwn_texts,
    post_event,
    post_form,
    serving,
)
from tests.conftest import Clock, DbTarget, make_settings
from tests.fixtures import own_recipes

MENTION_TS = "1710000000.000100"  # the app_mention fixture's message, in C0GENERAL
FOLLOW_UP_ANSWER = "How long and how often should a learning circle meet?"
OWN_FOLLOW_UP_ANSWER = "How long is each meeting, and for how many weeks?"  # the same, from the test recipes
DISPATCHERS: list[Dispatcher] = []  # the running bot's, for settle()


@pytest.fixture
def db_target(tmp_path: Path) -> DbTarget:
    """The wire tests need one database, not both: SQLite."""
    return DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'slack.db'}", None)


@pytest.fixture
async def slack(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[tuple[str, SlackApi]]:
    """The bot watching C0HELP, in HTTP mode against the stand-in."""
    async with watching(
        BotApp(make_settings(db_target, tmp_path, help_channels={"slack": ["C0HELP"]}), clock=clock)
    ) as s:
        yield s


@pytest.fixture
async def slack_own(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[tuple[str, SlackApi]]:
    """The same, answering from the test recipes."""
    settings = make_settings(db_target, tmp_path, help_channels={"slack": ["C0HELP"]}, **own_recipes())
    async with watching(BotApp(settings, clock=clock)) as s:
        yield s


@asynccontextmanager
async def watching(app: BotApp) -> AsyncIterator[tuple[str, SlackApi]]:
    """Start ``app`` and a Slack adapter watching C0HELP in front of it; the events URL and the stand-in."""
    await app.start()
    DISPATCHERS.append(app.dispatcher)
    async with serving() as api:
        adapter = SlackAdapter(
            app.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/", watched=frozenset({"C0HELP"})
        )
        port = await adapter.start(host="127.0.0.1", port=0)
        try:
            yield f"http://127.0.0.1:{port}/slack/events", api
        finally:
            await adapter.stop()
            await app.close()


def channel_message(
    text: str, user: str, ts: str, *, channel: str = "C0GENERAL", thread: str | None = None
) -> dict[str, Any]:
    """A message.channels event as Slack sends it (a thread reply carries thread_ts and parent_user_id)."""
    event = fixture("message_thread_reply.json" if thread else "message_channels.json")
    event["event_id"] = f"Ev{ts.replace('.', '')}"
    event["event"].update(text=text, user=user, ts=ts, event_ts=ts, channel=channel)
    if thread:
        event["event"]["thread_ts"] = thread
    return event


async def settle(
    url: str, api: SlackApi, n: int, user: str = "U0ANN", answer: str = FOLLOW_UP_ANSWER
) -> list[dict[str, Any]]:
    """Every chat.postMessage once everything sent so far has been handled: a DM question ``user`` sends now is
    answered, the core is idle and nothing more arrives for a moment."""
    event = follow_up(n)
    event["event"].update(user=user, channel="D" + user[1:])
    await post_event(url, event)
    seen, still = -1, 0
    for _ in range(500):
        found = api.of("chat.postMessage")
        done = ("D" + user[1:], answer) in [answered(p) for p in found]
        still = still + 1 if done and len(found) == seen and not DISPATCHERS[-1].inflight else 0
        if still >= 10:
            return found
        seen = len(found)
        await asyncio.sleep(0.02)
    raise AssertionError(f"{user}'s DM question was not answered, or replies kept coming: {found}")


async def test_answer_in_thread_follow_up_silence_and_reaction(slack: tuple[str, SlackApi]) -> None:
    """A mention is answered in its thread; the asker's follow-up there, without a mention, is answered with the
    first question in mind; after staff reply the bot is quiet; Ann's ✅ on the staff reply marks it solved."""
    url, api = slack
    mention = fixture("app_mention.json")
    api.posted("C0GENERAL", MENTION_TS, "U0ANN", mention["event"]["text"])
    await post_event(url, mention)
    # Slack also sends the mention as message.channels: it must not be answered twice.
    await post_event(url, channel_message(mention["event"]["text"], "U0ANN", MENTION_TS))
    (first,) = await api.wait_for("chat.postMessage")
    assert first["channel"] == "C0GENERAL" and first["thread_ts"] == MENTION_TS
    assert answered(first) == ("C0GENERAL", "How big should a learning circle be?")
    assert "Solved" in json.dumps(first["blocks"])

    api.posted("C0GENERAL", "1710000200.000200", "U0ANN", "what if only two show up?", MENTION_TS)
    await post_event(url, fixture("message_thread_reply.json"))
    (_, follow) = await api.wait_for("chat.postMessage", 2)
    assert follow["thread_ts"] == MENTION_TS
    assert answered(follow) == ("C0GENERAL", "How big should a learning circle be?")  # alone it is not answered

    api.posted("C0GENERAL", "1710000300.000300", "U0SAM", "Two is fine: start anyway.", MENTION_TS)
    await post_event(
        url, channel_message("Two is fine: start anyway.", "U0SAM", "1710000300.000300", thread=MENTION_TS)
    )
    await settle(url, api, 1, user="U0SAM")
    await post_event(url, channel_message("and with one person?", "U0ANN", "1710000350.000350", thread=MENTION_TS))
    posts = await settle(url, api, 2)
    assert sorted(answered(p)[0] for p in posts) == ["C0GENERAL", "C0GENERAL", "D0ANN", "D0SAM"]  # none after Sam

    await post_event(url, fixture("reaction_added.json"))
    (replies,) = await api.wait_for("conversations.replies")
    assert (replies["channel"], replies["ts"]) == ("C0GENERAL", "1710000300.000300")
    solved = (await api.wait_for("chat.postMessage", 5))[-1]
    assert solved["channel"] == "C0GENERAL" and solved["thread_ts"] == MENTION_TS
    # The message names Sam as a mention (Slack shows the name); the notification's plain text gives the id.
    assert mrkdwn_texts(solved) == [
        "Marked as solved. Thanks, U0SAM, for the answer!",
        "Marked as solved. Thanks, <@U0SAM>, for the answer!",
    ]


async def test_watched_channel_answers_new_posts_once_and_only_when_confident(
    slack_own: tuple[str, SlackApi],
) -> None:
    """In C0HELP a new post is answered in its thread; an unsure one gets one quiet line; small talk, a second copy
    of a post and top-level chatter in an unwatched channel get nothing. (The test recipes answer.)"""
    url, api = slack_own
    post = fixture("message_channels.json")
    await post_event(url, post)
    again = copy.deepcopy(post)
    again["event_id"] = "Ev0CHANNELMSG1b"  # the same message delivered again under another event id
    await post_event(url, again)
    await settle(url, api, 3, answer=OWN_FOLLOW_UP_ANSWER)
    await post_event(url, channel_message("hi all", "U0BO", "1710000110.000110", channel="C0HELP"))
    await post_event(url, channel_message("how do I find a venue", "U0BO", "1710000120.000120"))
    await post_event(
        url, channel_message("could we stop the circle early", "U0BO", "1710000130.000130", channel="C0HELP")
    )
    posts = await settle(url, api, 4, user="U0BO", answer=OWN_FOLLOW_UP_ANSWER)
    assert sorted(answered(p)[0] for p in posts) == ["C0HELP", "C0HELP", "D0ANN", "D0BO"]
    venue, unsure = [p for p in posts if p["channel"] == "C0HELP"]
    assert (venue["channel"], venue["thread_ts"]) == ("C0HELP", "1710000100.000100")
    assert answered(venue) == ("C0HELP", "Where can an in-person group meet?")
    assert (unsure["channel"], unsure["thread_ts"]) == ("C0HELP", "1710000130.000130")
    assert unsure["text"].startswith("These might help: “What happens at the final meeting?”")
    assert "not sure" not in json.dumps(unsure)


async def test_ask_a_human_in_the_watched_channel_links_the_thread_for_staff(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """With no helper to ask, "Ask a human" on the answer to a new post in the watched C0HELP posts to the staff
    channel C0STAFF once, naming the thread it was asked in ("Thread:" and its link), as the post after peers does."""
    staff = {"help": {"slack": "C0STAFF"}}
    app = BotApp(make_settings(db_target, tmp_path, help_channels={"slack": ["C0HELP"]}, channels=staff), clock=clock)
    await app.start()
    async with serving() as api:
        adapter = SlackAdapter(
            app.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/", watched=frozenset({"C0HELP"})
        )
        url = f"http://127.0.0.1:{await adapter.start(host='127.0.0.1', port=0)}/slack/events"
        try:
            await post_event(url, fixture("message_channels.json"))
            (answer,) = await api.wait_for("chat.postMessage")
            actions = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
            (human,) = [e for e in actions if e["text"]["text"] == "Ask a human"]
            body = fixture("block_actions.json")
            body["channel"] = {"id": "C0HELP", "name": "help"}
            body["container"] = {**body["container"], "channel_id": "C0HELP", "thread_ts": "1710000100.000100"}
            body["actions"] = [{**body["actions"][0], "action_id": human["action_id"], "value": human["value"]}]
            await post_form(url, {"payload": json.dumps(body)})
            (_, posted) = await api.wait_for("chat.postMessage", 2)
        finally:
            await adapter.stop()
            await app.close()
    said = (
        "<@U0ANN> asked: how do I find a venue\nThread: https://p2pu.slack.com/archives/C0HELP/p1710000100000100\n"
        "(question 1; staff can teach me the answer with `kb confirm 1 RECIPE_ID`)"
    )
    assert posted == {
        "channel": "C0STAFF",
        "text": "A question for a human",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "A question for a human"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": said}},
        ],
    }


async def test_two_replicas_post_one_answer_per_thread(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """Two replicas on one database get the same new post at once (the same event, and a copy under another
    event id): the thread gets exactly one answer."""
    settings = make_settings(db_target, tmp_path, help_channels={"slack": ["C0HELP"]})
    apps = [BotApp(settings, clock=clock) for _ in range(2)]
    for app in apps:
        await app.start()
    async with serving() as api:
        adapters = [
            SlackAdapter(
                app.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/", watched=frozenset({"C0HELP"})
            )
            for app in apps
        ]
        urls = [f"http://127.0.0.1:{await a.start(host='127.0.0.1', port=0)}/slack/events" for a in adapters]
        try:
            event = fixture("message_channels.json")
            copy_ = {**copy.deepcopy(event), "event_id": "Ev0CHANNELMSG1-copy"}
            await asyncio.gather(post_event(urls[0], event), post_event(urls[1], event), post_event(urls[1], copy_))
            DISPATCHERS.append(apps[1].dispatcher)
            await settle(urls[1], api, 9)
            DISPATCHERS.append(apps[0].dispatcher)
            posts = await settle(urls[0], api, 10)
        finally:
            for adapter in adapters:
                await adapter.stop()
            for app in apps:
                await app.close()
    answers = [p for p in posts if p["channel"] == "C0HELP"]
    assert [(p["thread_ts"], answered(p)[1]) for p in answers] == [
        ("1710000100.000100", "How do I choose a venue for an in-person learning circle?")
    ]


async def test_every_check_mark_the_core_takes_is_looked_up_on_slack() -> None:
    """A ☑️ (ballot_box_with_check) on a thread reply counts like ✅: the adapter finds its thread for the core,
    which marks threads solved by any of the check marks; a 👍 costs no lookup."""
    async with serving() as api:
        api.posted("C0GENERAL", "1710000300.000300", "U0SAM", "Two is fine: start anyway.", MENTION_TS)
        client = AsyncWebClient(token="xoxb-test", base_url=api.base_url + "/api/")
        for name in ("white_check_mark", "heavy_check_mark", "ballot_box_with_check"):
            assert name in SOLVE_MARKS
            event = copy.deepcopy(fixture("reaction_added.json")["event"]) | {"reaction": name}
            assert await reacted_thread(client, event) == MENTION_TS
        thumbs = copy.deepcopy(fixture("reaction_added.json")["event"]) | {"reaction": "+1"}
        assert await reacted_thread(client, thumbs) is None
        assert len(api.of("conversations.replies")) == 3
