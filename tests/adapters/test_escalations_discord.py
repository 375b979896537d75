"""Peers before staff on Discord, through the strict stand-in: the peer's DM and the staff post, each sent once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl

from bot.main.adapters import discord_adapter
from bot.main.wiring import BotApp
from storage.escalations import list_escalations
from tests.adapters.discord_bot import READY_AFTER, Bot, buttons, custom_ids
from tests.adapters.discord_standin import (
    GUILD_ID,
    HELP_CHANNEL,
    MEMBER_ID,
    STAFF_CHANNEL,
    STAFF_ROLE,
    DiscordStandIn,
)
from tests.bot.features.escalations.seed import answer_and_solve, solved_thread, thread_for
from tests.conftest import DbTarget, make_settings, routed

PEER_ID = "1300000000000000002"
QUESTION = "my cohort is dwindling"
POST_ID = "1800000000000000040"  # the member's question, which the threads feature answered in its thread
LINK = f"https://discord.com/channels/{GUILD_ID}/{HELP_CHANNEL}/{POST_ID}"


@pytest.fixture
async def replicas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Bot, BotApp]]:
    """The Discord bot on the stand-in, and a second replica on the same database; "help" is the staff channel."""
    standin = DiscordStandIn()
    await standin.start()
    monkeypatch.setattr(discord.http.Route, "BASE", standin.api_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(standin.gateway_url))
    target = DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'discord.db'}", None)
    (tmp_path / "ours").mkdir()
    settings = make_settings(
        target,
        tmp_path,
        discord_guild_ids=[int(GUILD_ID)],
        channels={"help": {"discord": STAFF_CHANNEL}},
        roles={"platform_roles": {"Staff": "staff"}},
        knowledge_dirs=[str(tmp_path / "ours")],
    )
    app, other = BotApp(settings), BotApp(settings)
    try:
        await app.start()
        await other.start()
        adapter = discord_adapter(app, settings, token="test-token", guild_ready_timeout=READY_AFTER)
        runner = asyncio.create_task(adapter.run())
        try:
            await asyncio.wait_for(adapter.ready.wait(), 10)
            yield Bot(app, adapter, standin), other
            assert not standin.refused, f"Discord would refuse: {[(c.path, c.answer) for c in standin.refused]}"
        finally:
            await adapter.stop()
            await asyncio.wait_for(runner, 10)
    finally:
        await app.close()
        await other.close()
        await standin.stop()


def member(user_id: str, name: str) -> dict[str, Any]:
    user = {"id": user_id, "username": name, "discriminator": "0", "global_name": name.title(), "avatar": None}
    return {
        "user": user,
        "roles": [],
        "joined_at": "2026-11-02T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "pending": False,
        "permissions": "2248473465835073",
    }


async def test_peer_is_asked_by_dm_then_staff_after_four_hours_once(replicas: tuple[Bot, BotApp]) -> None:
    """The opted-in peer who solved a similar question gets one DM linking the thread; 4 h later staff get one post."""
    bot, other = replicas
    now = datetime.now(UTC)
    await solved_thread(
        bot.app.db, "discord", HELP_CHANNEL, "1800000000000000001", "our cohort keeps dwindling fast", PEER_ID, now
    )
    data = {"id": "1", "name": "helper", "type": 1, "options": [{"name": "action", "type": 3, "value": "on"}]}
    opted = await bot.interact("interaction_command", data=data, member=member(PEER_ID, "pat"))
    assert opted.body["data"]["content"].startswith("Thanks! When a member presses")
    answered = await bot.ask(QUESTION)
    await thread_for(bot.app.db, "discord", HELP_CHANNEL, POST_ID, MEMBER_ID, QUESTION, 1, now)
    (human,) = [cid for label, cid in buttons(answered) if label == "Ask a human"]
    told = await bot.press(human)
    dm = await bot.standin.wait_for(lambda c: c.path == "/channels/155" + PEER_ID[3:] + "/messages")
    assert [c.body for c in bot.standin.calls if c.path == "/users/@me/channels"] == [{"recipient_id": int(PEER_ID)}]
    assert isinstance(dm.body.pop("nonce"), str)  # from the reply's key: a resend is not shown twice
    assert dm.body == {
        "embeds": [{"flags": 0, "type": "rich", "title": "Can you help another member?", "description": PEER_DM}],
        "content": None,
        "components": [],
        "enforce_nonce": True,
        "tts": False,
        "allowed_mentions": {"parse": []},
    }
    assert told.body == {
        "type": 4,
        "data": {"tts": False, "content": ASKED, "flags": 64, "allowed_mentions": {"parse": []}},
    }

    later = now + timedelta(hours=4, minutes=1)
    ticks = await asyncio.gather(bot.app.scheduler.tick(later), other.scheduler.tick(later))
    for reply in [reply for replies in ticks for reply in replies]:
        await bot.adapter.send(routed(reply))
    assert await other.scheduler.tick(later) == []
    posts = [c for c in bot.standin.sent if c.path == f"/channels/{STAFF_CHANNEL}/messages"]
    assert len(posts) == 1
    assert posts[0].body["embeds"] == [
        {"flags": 0, "type": "rich", "title": "A question for a human", "description": STAFF_POST}
    ]
    assert posts[0].body["allowed_mentions"] == {"parse": []}
    async with bot.app.db.session() as session:
        (escalation,) = await list_escalations(session)
    assert (escalation.state, escalation.peers_asked, escalation.link) == ("escalated", 1, LINK)


PEER_DM = (
    f"<@{MEMBER_ID}> asked: {QUESTION}\nYou helped with questions like this before. If you can answer, please reply "
    f"in the thread: {LINK}"
)
ASKED = "I've asked 1 member familiar with questions like this. If nobody answers in 4 hours, I'll pass it to the team."
STAFF_POST = (
    f"<@{MEMBER_ID}> asked: {QUESTION}\nNo answer after 4 hours from the 1 member asked. Thread: {LINK}\n"
    "(question 1; staff can teach me the answer with `kb confirm 1 RECIPE_ID`)"
)


ANSWER = "Ask each member what changed for them, then move the meeting to a time that suits the group."


async def test_save_as_recipe_opens_a_modal_and_publishing_dms_the_asker_once(replicas: tuple[Bot, BotApp]) -> None:
    """A person solved Ada's declined question: staff press Save as recipe (a modal), publish, Ada gets one DM."""
    bot, other = replicas
    now = datetime.now(UTC)
    staff = member("1300000000000000009", "sam")
    staff["roles"] = [STAFF_ROLE]
    await bot.ask(QUESTION)
    await thread_for(bot.app.db, "discord", HELP_CHANNEL, POST_ID, MEMBER_ID, QUESTION, 1, now)
    await answer_and_solve(bot.app.db, "discord", HELP_CHANNEL, POST_ID, PEER_ID, now)
    ticks = await asyncio.gather(bot.app.scheduler.tick(now), other.scheduler.tick(now))
    (offer,) = [reply for replies in ticks for reply in replies]
    await bot.adapter.send(routed(offer))
    posted = await bot.standin.wait_for(lambda c: c.path == f"/channels/{STAFF_CHANNEL}/messages")
    assert buttons(posted) == [("Save as recipe", "cb|esc:save|1")]
    pressed = {"custom_id": "cb|esc:save|1", "component_type": 2}
    modal = await bot.interact("interaction_component", data=pressed, member=staff)
    assert modal.body["type"] == 9 and custom_ids(modal) == ["answer", "title"]
    rows = [
        {"type": 18, "component": {"type": 4, "custom_id": "answer", "value": ANSWER}},
        {"type": 18, "component": {"type": 4, "custom_id": "title", "value": ""}},
    ]
    data = {"custom_id": modal.body["data"]["custom_id"], "components": rows}
    saved = await bot.interact("interaction_modal", data=data, member=staff)
    assert "Draft `cohort-dwindling` saved for review." in saved.body["data"]["content"]
    publish = {"type": 1, "name": "publish", "options": [{"name": "args", "type": 3, "value": "cohort-dwindling"}]}
    command = {"id": "1", "name": "kb", "type": 1, "options": [publish]}
    done = await bot.interact("interaction_command", data=command, member=staff)
    assert done.body["data"]["content"] == (
        "Published `cohort-dwindling`: My cohort is dwindling. I told 1 member who asked about it."
    )
    dm = await bot.standin.wait_for(lambda c: c.path == "/channels/155" + MEMBER_ID[3:] + "/messages")
    assert isinstance(dm.body.pop("nonce"), str)
    day = f"<t:{int(now.timestamp())}:D>"  # Discord shows the day in each reader's zone
    assert dm.body == {
        "embeds": [
            {
                "flags": 0,
                "type": "rich",
                "title": "My cohort is dwindling",
                "description": f"You asked “{QUESTION}” on {day}; here is the answer now.\n\n{ANSWER}",
                "url": LINK,  # the recipe's link: the thread a person solved it in
                "footer": {"text": LINK},
            }
        ],
        "content": None,
        "components": [],
        "enforce_nonce": True,
        "tts": False,
        "allowed_mentions": {"parse": []},
    }
    assert [c.path for c in bot.standin.sent].count(dm.path) == 1
