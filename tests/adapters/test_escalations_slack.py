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
from storage.threads import get_thread
from tests.adapters.slack_standin import SECRET, SlackApi, fixture, post_event, post_form, serving
from tests.bot.features.escalations.seed import answer_and_solve, solved_thread
from tests.conftest import Clock, DbTarget, make_settings, routed

QUESTION = "my cohort is dwindling"
THREAD = "1710000000.000100"
LINK = "https://p2pu.slack.com/archives/C0GENERAL/p1710000000000100"


@pytest.fixture
async def replicas(tmp_path: Path, clock: Clock) -> AsyncIterator[list[BotApp]]:
    """Two bots sharing one database; the help channel is C0HELP on Slack."""
    target = DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'replicas.db'}", None)
    (tmp_path / "ours").mkdir()
    settings = make_settings(
        target,
        tmp_path,
        channels={"help": {"slack": "C0HELP"}},
        roles={"staff": ["slack:U0SAM"]},
        knowledge_dirs=[str(tmp_path / "ours")],
    )
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


async def peer_asked(url: str, api: SlackApi, app: BotApp, clock: Clock) -> None:
    """U0PAT solved a similar question and opts in; Ann asks by mention and presses "Ask a human" on the answer."""
    history = "our cohort keeps dwindling fast"
    await solved_thread(app.db, "slack", "C0HELPDESK", "1709000000.000100", history, "U0PAT", clock.now)
    await post_form(url, slash(api, "helper on", "U0PAT"))
    await api.wait_for("chat.postEphemeral")
    mention = fixture("app_mention.json")
    mention["event"]["text"] = f"<@U0BOT> {QUESTION}"
    await post_event(url, mention)
    (answer,) = await api.wait_for("chat.postMessage")
    assert answer["thread_ts"] == THREAD
    actions = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    human = next(e for e in actions if e["text"]["text"] == "Ask a human")
    await post_form(url, press(api, human, "1710000000.000200"))


async def test_a_peers_reply_in_the_thread_keeps_it_from_staff(
    slack: tuple[str, SlackApi, SlackAdapter], replicas: list[BotApp], clock: Clock
) -> None:
    """Pat answers in Ann's thread within the 4 hours: staff are not told, `kb escalations` says a person replied."""
    url, api, _ = slack
    asked_at = int(clock.now.timestamp())
    await peer_asked(url, api, replicas[0], clock)
    await api.wait_for("chat.postMessage", 2)
    reply = fixture("message_thread_reply.json")
    reply["event"].update(user="U0PAT", text="Move the meeting to a time that suits them.")
    reply["event"].update(ts="1710000300.000300", event_ts="1710000300.000300")
    reply["event_id"] = "Ev0PATREPLY"
    await post_event(url, reply)
    await replied(replicas[0], "C0GENERAL", THREAD)
    clock.advance(hours=5)
    await post_form(url, slash(api, "kb escalations", "U0SAM"))
    (listed,) = [p for p in await api.wait_for("chat.postEphemeral", 3) if p["user"] == "U0SAM"]
    assert listed["blocks"][1] == SECTION(
        f"Q1 [a person replied, not solved yet] {QUESTION} "
        f"(peers asked: 1; <!date^{asked_at}^{{date_long}}|2 March 2026>)"
    )  # each reader sees the day in their own zone
    assert await tick_both(replicas, clock) == []


async def replied(app: BotApp, channel: str, thread: str) -> None:
    """Wait (up to 5 s) until the bot has seen a person's reply in the thread (it is handled after the ack)."""
    for _ in range(100):
        async with app.db.session() as session:
            found = await get_thread(session, "slack", channel, thread)
        if found is not None and found.first_human_reply_at is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the reply in the thread was never recorded")


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
    """The opted-in peer who solved a similar question gets one DM linking the thread; 4 h later one post in C0HELP."""
    url, api, adapter = slack
    await peer_asked(url, api, replicas[0], clock)
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


async def test_save_as_recipe_opens_a_modal_and_publishing_dms_each_asker_once(
    slack: tuple[str, SlackApi, SlackAdapter], replicas: list[BotApp], clock: Clock
) -> None:
    """A person solved Ann's declined question: staff save it from C0HELP, publish it, Ann and Bo each get one DM."""
    url, api, adapter = slack
    asked_on = f"<!date^{int(clock.now.timestamp())}^{{date_long}}|2 March 2026>"  # each reader's own zone
    earlier = fixture("message_im.json")
    earlier["event"] = {**earlier["event"], "user": "U0BO", "channel": "D0BO", "text": "my cohort keeps dwindling"}
    await post_event(url, earlier)
    # Slack events are handled after the ack, concurrently: Bo's answer first, so his is question 1 and Ann's 2.
    await api.wait_for("chat.postMessage")
    mention = fixture("app_mention.json")
    mention["event"]["text"] = f"<@U0BOT> {QUESTION}"
    await post_event(url, mention)
    await api.wait_for("chat.postMessage", 2)
    clock.advance(hours=2)
    await answer_and_solve(replicas[0].db, "slack", "C0GENERAL", THREAD, "U0PAT", clock.now)
    offers = await tick_both(replicas, clock)
    assert len(offers) == 1 and await tick_both(replicas, clock) == []
    await adapter.send(routed(offers[0]))
    (offer,) = [p for p in await api.wait_for("chat.postMessage", 3) if p["channel"] == "C0HELP"]
    assert offer["blocks"][1] == SECTION(
        f"{QUESTION}\nSolved in its thread by U0PAT: #C0GENERAL, thread {THREAD}\n"
        "A recipe would answer it next time. (question 2)"
    )
    (save,) = offer["blocks"][2]["elements"]
    body = fixture("block_actions.json")
    body.update(trigger_id=api.trigger(), user={"id": "U0SAM", "username": "sam", "team_id": "T0TEAM"})
    body["channel"] = {"id": "C0HELP", "name": "help"}
    body["actions"] = [{**body["actions"][0], "action_id": save["action_id"], "value": save["value"]}]
    await post_form(url, {"payload": json.dumps(body)})
    (opened,) = await api.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert [b["label"]["text"] for b in view["blocks"]] == ["The answer", "Title"]
    submission = fixture("view_submission.json")
    submission["trigger_id"] = api.trigger()
    submission["user"] = body["user"]
    submission["view"]["private_metadata"] = view["private_metadata"]
    submission["view"]["state"]["values"] = {
        "answer": {"value": {"type": "plain_text_input", "value": ANSWER}},
        "title": {"value": {"type": "plain_text_input", "value": "When members stop coming"}},
    }
    assert await post_form(url, {"payload": json.dumps(submission)}) == (200, "")
    saved = await api.wait_for("chat.postEphemeral")
    assert saved[-1]["text"] == (
        "Draft cohort-dwindling saved for review. kb drafts lists drafts; kb publish cohort-dwindling makes it live."
    )
    await post_form(url, slash(api, "kb publish cohort-dwindling", "U0SAM"))
    posts = await api.wait_for("chat.postMessage", 5)
    dms = sorted((p for p in posts if p["channel"] in ("U0ANN", "U0BO")), key=lambda p: p["channel"])
    assert dms == [
        {
            "channel": user,
            "text": "When members stop coming",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "When members stop coming"}},
                SECTION(f"You asked “{asked}” on {asked_on}; here is the answer now.\n\n{ANSWER}"),
                {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{LINK}|Read more>"}]},
            ],
        }
        for user, asked in (("U0ANN", QUESTION), ("U0BO", "my cohort keeps dwindling"))
    ]
    await post_form(url, slash(api, "kb confirm 2 cohort-dwindling", "U0SAM"))
    await api.wait_for("chat.postEphemeral", len(saved) + 2)
    assert len(api.of("chat.postMessage")) == 5  # told once: confirming the same gap DMs nobody again


async def tick_both(apps: list[BotApp], clock: Clock) -> list[Any]:
    """Both replicas tick at the same instant; what they would send."""
    results = await asyncio.gather(*(app.scheduler.tick(clock.now) for app in apps))
    return [reply for replies in results for reply in replies]


def SECTION(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


ANSWER = "Ask each member what changed for them, then move the meeting to a time that suits the group."
PEER_DM = (
    f"<@U0ANN> asked: {QUESTION}\nYou helped with questions like this before. If you can answer, please reply in the "
    f"thread: {LINK}"
)
ASKED = "I've asked 1 member familiar with questions like this. If nobody answers in 4 hours, I'll pass it to the team."
STAFF_POST = (
    f"<@U0ANN> asked: {QUESTION}\nNo answer after 4 hours from the 1 member asked. Thread: {LINK}\n"
    "(question 1; staff can teach me the answer with `kb confirm 1 RECIPE_ID`)"
)
