"""Forum posts over Discord (the unchanged discord.py client against the strict stand-in): a post in a watched
forum is answered in its thread and tagged; "Solved" (button or word) marks it, credits the replier, tags it. The bot
answers from the test recipes (tests/fixtures/recipes), so which posts it is sure of does not follow the starter set."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from storage.escalations import list_escalations
from tests.adapters.discord_bot import Bot, buttons, embed_titles, running_bot
from tests.adapters.discord_standin import (
    BOT_ID,
    FORUM_CHANNEL,
    HELP_CHANNEL,
    MEMBER_ID,
    STAFF_CHANNEL,
    Call,
    DiscordStandIn,
    fixture,
)
from tests.conftest import DbTarget

THREAD, OTHER_THREAD = "1800000000000000101", "1800000000000000102"
SOLVED_TAG, NEEDS_HUMAN_TAG, VENUES_TAG = "1700000000000000001", "1700000000000000002", "1700000000000000003"
BO = {"id": "1300000000000000002", "username": "bo", "discriminator": "0", "global_name": "Bo", "avatar": None}
WATCHING = {"help_channels": {"discord": [FORUM_CHANNEL]}}


@pytest.fixture
def db_target(tmp_path: Path) -> DbTarget:
    """The wire tests need one database, not both: SQLite."""
    return DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'discord.db'}", None)


def post(text: str, *, mention: bool) -> dict[str, Any]:
    """Ada's message (the fixture's author), mentioning the bot or not."""
    message = copy.deepcopy(fixture("message_create"))
    message["content"] = f"<@{BOT_ID}> {text}" if mention else text
    message["mentions"] = message["mentions"] if mention else []
    return message


def in_thread(thread: str) -> Any:
    return lambda c: c.method == "POST" and c.path == f"/channels/{thread}/messages"


async def press_in_thread(bot: Bot, custom_id: str, thread: str) -> Call:
    """Ada presses a button on a message in the forum post ``thread``."""
    channel = {
        "id": thread,
        "type": 11,
        "name": "post",
        "guild_id": fixture("guild_create")["id"],
        "parent_id": FORUM_CHANNEL,
    }
    data = {"custom_id": custom_id, "component_type": 2}
    return await bot.interact("interaction_component", data=data, channel_id=thread, channel=channel)


async def idle(bot: Bot) -> None:
    """Wait until the core has handled everything dispatched so far."""
    for _ in range(50):
        await asyncio.sleep(0.05)
        if not bot.app.dispatcher.inflight and not bot.adapter._inflight:
            return


async def test_a_post_mentioning_the_bot_works_without_the_intent_and_solved_tags_it(
    db_target: DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the message-content intent, a forum post that mentions the bot is answered in its thread (with
    "Solved"); the asker's Solved press marks it and tags the post "Solved"; a post not mentioning it gets nothing."""
    async with running_bot(db_target, tmp_path, monkeypatch, test_recipes=True, **WATCHING) as bot:
        await bot.standin.forum_post(THREAD, post("how do I find a venue", mention=True), title="Venue?")
        answer = await bot.standin.wait_for(in_thread(THREAD))
        assert str(answer.body["message_reference"]["message_id"]) == THREAD
        assert answer.body["allowed_mentions"]["parse"] == []
        assert embed_titles(answer) == ["Where can an in-person group meet?"]
        labels = [label for label, _ in buttons(answer)]
        assert labels[:2] == ["Helpful", "Not helpful"] and labels[-1] == "Solved"
        await bot.standin.forum_post(OTHER_THREAD, post("how do I find a venue", mention=False))

        solved = await press_in_thread(bot, buttons(answer)[-1][1], THREAD)
        assert solved.body["type"] == 4 and solved.body["data"]["content"] == "Marked as solved."
        tagged = await bot.standin.wait_for(lambda c: c.method == "PATCH" and c.path == f"/channels/{THREAD}")
        assert tagged.body == {"applied_tags": [SOLVED_TAG]}
        await idle(bot)
        assert not [c for c in bot.standin.calls if in_thread(OTHER_THREAD)(c)]


async def test_with_the_intent_an_unsure_post_gets_one_line_and_the_repliers_credit(
    db_target: DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the intent, a post the bot is unsure of gets one quiet line and "Needs a human"; Bo's reply silences the
    bot; Ada's "solved" credits Bo and adds "Solved"."""
    async with running_bot(db_target, tmp_path, monkeypatch, test_recipes=True, intent=True, **WATCHING) as bot:
        await bot.standin.forum_post(THREAD, post("could we stop the circle early", mention=False))
        line = await bot.standin.wait_for(in_thread(THREAD))
        assert line.body["content"].startswith("These might help: “What happens at the final meeting?”, “")
        needs = await bot.standin.wait_for(lambda c: c.method == "PATCH" and c.path == f"/channels/{THREAD}")
        assert needs.body == {"applied_tags": [NEEDS_HUMAN_TAG]}

        reply = {**post("Yes: just agree on it together at the next meeting.", mention=False), "author": BO}
        await bot.standin.dispatch("MESSAGE_CREATE", {**reply, "id": "1800000000000000201", "channel_id": THREAD})
        await idle(bot)
        follow = {**post("what about online circles?", mention=False), "id": "1800000000000000202"}
        await bot.standin.dispatch("MESSAGE_CREATE", {**follow, "channel_id": THREAD})
        await idle(bot)
        done = {**post("solved, thanks!", mention=False), "id": "1800000000000000203"}
        await bot.standin.dispatch("MESSAGE_CREATE", {**done, "channel_id": THREAD})
        posts = [c for c in bot.standin.calls if in_thread(THREAD)(c)]
        marked = await bot.standin.wait_for(lambda c: in_thread(THREAD)(c) and c not in posts)
        # Bo's name as Discord shows it (a mention; nothing pings: allowed_mentions is empty)
        assert marked.body["content"] == "Marked as solved. Thanks, <@1300000000000000002>, for the answer!"
        patches = [c for c in bot.standin.calls if c.method == "PATCH"]
        await bot.standin.wait_for(lambda c: c.method == "PATCH" and c not in patches)
        await idle(bot)
        assert [c.body for c in bot.standin.calls if c.method == "PATCH"] == [
            {"applied_tags": [NEEDS_HUMAN_TAG]},
            {"applied_tags": [NEEDS_HUMAN_TAG, SOLVED_TAG]},
        ]
        assert len([c for c in bot.standin.calls if in_thread(THREAD)(c)]) == 2  # nothing after Bo's reply


async def test_ask_a_human_from_a_forum_post_counts_a_reply_in_the_post(
    db_target: DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``/ask`` typed inside a forum post, then "Ask a human": the escalation is the post's thread (Discord sends the
    thread as the interaction's channel), so Bo's reply there answers it and staff are not told four hours later."""
    async with running_bot(db_target, tmp_path, monkeypatch, test_recipes=True, intent=True, **WATCHING) as bot:
        helper = {
            "id": "1",
            "name": "helper",
            "type": 1,
            "options": [{"name": "action", "type": 3, "value": "on cohort"}],
        }
        await bot.interact(
            "interaction_command", data=helper, member={**fixture("interaction_command")["member"], "user": BO}
        )
        await bot.standin.forum_post(THREAD, post("can we end the circle early", mention=False))
        await bot.standin.wait_for(in_thread(THREAD))
        here = {**bot.standin.threads[THREAD], "message_count": 1}
        declined = await bot.ask("my cohort is dwindling", channel_id=THREAD, channel=here)
        (human,) = [cid for label, cid in buttons(declined) if label == "Ask a human"]
        data = {"custom_id": human, "component_type": 2}
        await bot.interact("interaction_component", data=data, channel_id=THREAD, channel=here)
        dm = await bot.standin.wait_for(lambda c: c.path.endswith("/messages") and "Can you help" in json.dumps(c.body))
        link = f"https://discord.com/channels/{fixture('guild_create')['id']}/{THREAD}"
        assert dm.body["embeds"][0]["description"].endswith(f"please reply in the thread: {link}")
        reply = {**post("Ask them what changed; then move the time.", mention=False), "author": BO}
        await bot.standin.dispatch("MESSAGE_CREATE", {**reply, "id": "1800000000000000301", "channel_id": THREAD})
        await idle(bot)
        async with bot.app.db.session() as session:
            (escalation,) = await list_escalations(session)
        assert (escalation.thread, escalation.state) == (THREAD, "answered")
        assert await bot.app.scheduler.tick(datetime.now(UTC) + timedelta(hours=4, minutes=1)) == []


async def test_ask_a_human_in_a_watched_forum_post_links_the_post_for_staff(
    db_target: DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no helper to ask, "Ask a human" on the answer in a watched forum's post sends staff one embed naming the
    post it was asked in ("Thread:" and its link), as the post after peers does."""
    staff = {"channels": {"help": {"discord": STAFF_CHANNEL}}}
    async with running_bot(db_target, tmp_path, monkeypatch, test_recipes=True, **WATCHING, **staff) as bot:
        await bot.standin.forum_post(THREAD, post("how do I find a venue", mention=True), title="Venue?")
        answer = await bot.standin.wait_for(in_thread(THREAD))
        (human,) = [cid for label, cid in buttons(answer) if label == "Ask a human"]
        await press_in_thread(bot, human, THREAD)
        posted = await bot.standin.wait_for(lambda c: c.path == f"/channels/{STAFF_CHANNEL}/messages")
        link = f"https://discord.com/channels/{fixture('guild_create')['id']}/{THREAD}"
        assert posted.body["embeds"] == [
            {
                "flags": 0,
                "type": "rich",
                "title": "A question for a human",
                "description": f"<@{MEMBER_ID}> asked: how do I find a venue\nThread: {link}\n"
                "(question 1; staff can teach me the answer with `kb confirm 1 RECIPE_ID`)",
            }
        ]
        assert posted.body["allowed_mentions"] == {"parse": []}


async def _patch(standin: DiscordStandIn, channel: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session:
        url = f"{standin.api_url}/channels/{channel}"
        async with session.patch(url, json=body, headers={"Authorization": "Bot x"}) as response:
            return response.status, await response.json()


async def test_the_stand_in_refuses_tags_discord_would_refuse() -> None:
    """Tags must be the forum's own, five at most, and only on a forum's post: 400/50035 naming applied_tags."""
    standin = DiscordStandIn()
    await standin.start()
    try:
        standin.threads[THREAD] = {"id": THREAD, "type": 11, "parent_id": FORUM_CHANNEL, "applied_tags": []}
        standin._channels.add(THREAD)
        assert (await _patch(standin, THREAD, {"applied_tags": [SOLVED_TAG, VENUES_TAG]}))[0] == 200
        status, body = await _patch(standin, THREAD, {"applied_tags": ["1799999999999999999"]})
        assert status == 400 and body["code"] == 50035 and "0" in body["errors"]["applied_tags"]
        status, body = await _patch(standin, THREAD, {"applied_tags": [SOLVED_TAG] * 6})
        assert status == 400 and body["errors"]["applied_tags"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
        status, body = await _patch(standin, HELP_CHANNEL, {"applied_tags": [SOLVED_TAG]})
        assert status == 400 and body["code"] == 50035
    finally:
        await standin.stop()
