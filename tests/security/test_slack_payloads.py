"""Hostile text on Slack: through the translator and the signed HTTP path, nothing pings, links or crashes.

Each payload goes where users put text (a mention, a slash command, ``kb show``'s echo, the consult modal) and every
call the bot makes is checked against the strict stand-in (tests/adapters/slack_standin.py): accepted, no live
``<!channel>``/``<!here>``/``<!everyone>``/``<@U…>`` and no masked link in any text Slack parses.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.app import SlackAdapter
from adapters.slack.translate import notification_text, reply_blocks
from bot.events import Button, Reply
from bot.main.wiring import BotApp
from tests.adapters.slack_standin import (
    MAX_MESSAGE_BLOCKS,
    SECRET,
    SlackApi,
    fixture,
    mrkdwn_texts,
    post_event,
    post_form,
    serving,
    validate_blocks,
)
from tests.conftest import DbTarget, make_settings

PAYLOADS = {
    "channel": "<!channel> look",
    "here": "<!here> look",
    "everyone": "<!everyone> look",
    "user": "ping <@U123> now",
    "slack link": "<https://evil.example|click here>",
    "markdown link": "[x](https://evil.example)",
    "nul": "before\x00after",
    "surrogate": "lone \ud800 surrogate",
    "rtl override": "abc\u202egnp.exe",
    "100 KB": "<!channel> " + "a" * 100_000,
}
LIVE = re.compile(r"<(!channel|!here|!everyone|@[UW][A-Z0-9]*)[|>]")
MASKED = re.compile(r"<[^<>|\s]+\|[^<>]*>")
UNSENDABLE = re.compile("[\x00\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def assert_harmless(params: dict[str, Any]) -> None:
    for text in mrkdwn_texts(params):
        assert not LIVE.search(text), text[:200]
        assert not MASKED.search(text), text[:200]
        assert not UNSENDABLE.search(text), text[:200]


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_translate_keeps_hostile_text_inert_and_within_limits(payload: str) -> None:
    """A reply carrying the payload in its title, text, fields and a button becomes blocks Slack accepts, inert."""
    reply = Reply(payload, title=payload, fields=(("Name", payload),), buttons=(Button(payload, "kb:up", "1"),))
    blocks = [b.to_dict() for b in reply_blocks(reply)]
    assert validate_blocks(blocks, MAX_MESSAGE_BLOCKS, surface="message") == []
    params = {"text": notification_text(reply), "blocks": blocks}
    assert_harmless(params)
    assert len(json.dumps(params)) < 40_000


@pytest.fixture
def db_target(tmp_path: Path) -> DbTarget:
    return DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'hostile.db'}", None)


@pytest.fixture
async def slack(db_target: DbTarget, tmp_path: Path) -> AsyncIterator[tuple[str, SlackApi]]:
    settings = make_settings(db_target, tmp_path)
    settings = settings.model_copy(update={"staff_channel": "C0STAFF", "help_channel": "C0HELP"})
    bot = BotApp(settings)
    await bot.start()
    async with serving() as api:
        adapter = SlackAdapter(bot.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/")
        port = await adapter.start(host="127.0.0.1", port=0)
        try:
            yield f"http://127.0.0.1:{port}/slack/events", api
        finally:
            await adapter.stop()
            await bot.close()


def assert_all_accepted_and_harmless(api: SlackApi, *methods: str) -> None:
    for method in methods:
        assert len(api.of(method, refused=True)) == len(api.of(method)), api.calls[-1]
        for params in api.of(method):
            assert_harmless(params)
            assert "something went wrong" not in params["text"]


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
async def test_hostile_mention_and_slash_commands(slack: tuple[str, SlackApi], payload: str) -> None:
    """The payload in a mention, in /ask and echoed by `kb show`: answered, accepted by Slack, inert."""
    url, api = slack
    mention = fixture("app_mention.json")
    mention["event"]["text"] = f"<@U0BOT> {payload}"
    assert (await post_event(url, mention))[0] == 200
    command = fixture("slash_consult.json")
    for name, text in (("/ask", payload), ("/communitybot", f"kb show {payload}")):
        # Form bodies are UTF-8 bytes, percent-encoded: a lone surrogate arrives as the bytes that would encode it.
        fields = {
            **command,
            "command": name,
            "text": text.encode("utf-8", "surrogatepass"),
            "trigger_id": api.trigger(),
        }
        status, _ = await post_form(url, fields)
        assert status == 200
    answered = await api.wait_for("chat.postEphemeral", 1, within=10)
    await api.wait_for("chat.postMessage", 1, within=10)
    assert_all_accepted_and_harmless(api, "chat.postMessage", "chat.postEphemeral")
    assert answered  # the kb show echo at least


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
async def test_hostile_consult_submission(slack: tuple[str, SlackApi], payload: str) -> None:
    """The payload as a name and a project description in the consult modal: no crash, staff notice inert."""
    url, api = slack
    submission = fixture("view_submission.json")
    submission["trigger_id"] = api.trigger()
    values = submission["view"]["state"]["values"]
    values["email"]["value"]["value"] = "ann@example.org"
    values["name"]["value"]["value"] = payload[:200]
    values["description"]["value"]["value"] = payload[:3000]
    status, body = await post_form(url, {"payload": json.dumps(submission)})
    assert status == 200
    if body:  # a field Slack shows an error under: the modal stays open with what was typed
        errors = json.loads(body)["errors"]
        assert set(errors) <= {"name", "description"}
        return
    posts = await api.wait_for("chat.postMessage", 2)
    assert {p["channel"] for p in posts} == {"U0ANN", "C0STAFF"}
    assert_all_accepted_and_harmless(api, "chat.postMessage", "chat.postEphemeral")
