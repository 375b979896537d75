"""HTTP mode's front door: refused requests are never parsed nor logged, and signed requests never run twice."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from adapters.slack.app import SlackAdapter
from bot.main.wiring import BotApp
from tests.adapters.slack_standin import (
    FOLLOW_UP_ANSWER,
    SECRET,
    SlackApi,
    answered,
    bot_over_http,
    fixture,
    follow_up,
    post,
    post_event,
    post_form,
    serving,
)
from tests.conftest import DbTarget

SECRET_EMAIL = "hidden.person@example.org"


@pytest.fixture
def db_target(tmp_path: Path) -> DbTarget:
    return DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'http.db'}", None)


@pytest.fixture
async def slack(app: BotApp) -> AsyncIterator[tuple[str, SlackApi]]:
    async with bot_over_http(app) as served:
        yield served


async def raw_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        return response.status


async def test_refused_bodies_are_never_logged_at_any_level(
    slack: tuple[str, SlackApi], caplog: pytest.LogCaptureFixture
) -> None:
    """Unsigned, badly signed and stale requests get 401; the log says length and reason, never the body."""
    url, _ = slack
    body = json.dumps({**fixture("app_mention.json"), "note": f"mail {SECRET_EMAIL} or hidden.person%40example.org"})
    with caplog.at_level(logging.DEBUG):
        assert await raw_post(url, body.encode(), {"Content-Type": "application/json"}) == 401
        assert (await post(url, body, "application/json", secret="wrong"))[0] == 401
        assert (await post(url, body, "application/json", age=600))[0] == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "hidden.person" not in logged and "example.org" not in logged
    size = len(body.encode())
    assert [r.getMessage() for r in caplog.records if r.name.startswith("adapters.slack")] == [
        f"refused a Slack request of {size} bytes: missing signature headers",
        f"refused a Slack request of {size} bytes: bad signature",
        f"refused a Slack request of {size} bytes: stale timestamp",
    ]


@pytest.mark.parametrize(
    ("timestamp", "reason"), [("soon", "timestamp is not an integer"), ("1e9", "timestamp is not an integer")]
)
async def test_a_non_integer_timestamp_is_401(
    slack: tuple[str, SlackApi], caplog: pytest.LogCaptureFixture, timestamp: str, reason: str
) -> None:
    """A timestamp header that is not an integer is refused with 401 (not a 500 from deep in the verifier)."""
    url, _ = slack
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=00", "Content-Type": "text/plain"}
    with caplog.at_level(logging.INFO):
        assert await raw_post(url, b"{}", headers) == 401
    assert f"refused a Slack request of 2 bytes: {reason}" in caplog.text


@pytest.mark.parametrize(
    ("body", "content_type", "signed", "status"),
    [
        (b"{not json", "application/json", False, 401),
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded", False, 401),
        (b"\xff\xfe\x00garbage", "application/json", False, 401),
        (b"{not json", "application/json", True, 400),
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded", True, 400),
        (b"\xff\xfe\x00garbage", "application/json", True, 400),
        (b"[1, 2]", "application/json", True, 400),
    ],
)
async def test_malformed_bodies_are_refused_not_crashed_on(
    slack: tuple[str, SlackApi], body: bytes, content_type: str, signed: bool, status: int
) -> None:
    """Malformed bodies get 401 unsigned (never parsed) and 400 signed, never a 500."""
    url, api = slack
    if signed:
        assert (await post(url, body, content_type))[0] == status
    else:
        assert await raw_post(url, body, {"Content-Type": content_type}) == status
    await post_event(url, follow_up())
    (posted,) = await api.wait_for("chat.postMessage")
    assert [name for name, _ in api.calls if name != "auth.test"] == ["chat.postMessage"]  # only the follow-up's
    assert answered(posted) == ("D0ANN", FOLLOW_UP_ANSWER)


async def test_a_replayed_slash_command_runs_once(slack: tuple[str, SlackApi]) -> None:
    """The same signed /communitybot request sent again within five minutes is acknowledged and not run again."""
    url, api = slack
    command = {**fixture("slash_consult.json"), "command": "/communitybot", "text": "help", "trigger_id": api.trigger()}
    assert (await post_form(url, command))[0] == 200
    await api.wait_for("chat.postEphemeral")
    assert (await post_form(url, command))[0] == 200
    await post_event(url, follow_up())
    (posted,) = await api.wait_for("chat.postMessage")
    assert answered(posted) == ("D0ANN", FOLLOW_UP_ANSWER)
    (helped,) = api.of("chat.postEphemeral")
    assert helped["text"].startswith("What I can do")


async def test_a_replayed_button_press_runs_once(slack: tuple[str, SlackApi], app: BotApp) -> None:
    """A signed button press replayed (same trigger id) does not act twice."""
    url, api = slack
    press = {**fixture("block_actions.json"), "trigger_id": api.trigger()}
    form = {"payload": json.dumps(press)}
    assert (await post_form(url, form))[0] == 200
    (answer,) = await api.wait_for("chat.postEphemeral")
    assert answer["text"] == "I no longer have that question."
    assert (await post_form(url, form))[0] == 200
    await post_event(url, follow_up())
    (posted,) = await api.wait_for("chat.postMessage")
    assert answered(posted) == ("D0ANN", FOLLOW_UP_ANSWER)
    assert [e["text"] for e in api.of("chat.postEphemeral")] == ["I no longer have that question."]


async def test_replays_are_refused_across_replicas(app: BotApp) -> None:
    """Two adapters on one database (two replicas): a press replayed to the other replica still runs once."""
    async with serving() as api:
        replicas = [SlackAdapter(app.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/")]
        replicas.append(SlackAdapter(app.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/"))
        ports = [await r.start(host="127.0.0.1", port=0) for r in replicas]
        try:
            press = {**fixture("block_actions.json"), "trigger_id": api.trigger()}
            for port in ports:
                await post_form(f"http://127.0.0.1:{port}/slack/events", {"payload": json.dumps(press)})
            await post_event(f"http://127.0.0.1:{ports[1]}/slack/events", follow_up())
            (posted,) = await api.wait_for("chat.postMessage")
            assert answered(posted) == ("D0ANN", FOLLOW_UP_ANSWER)
            assert [e["text"] for e in api.of("chat.postEphemeral")] == ["I no longer have that question."]
        finally:
            for replica in replicas:
                await replica.stop()


async def test_a_retried_event_with_a_new_signature_is_still_answered_once(slack: tuple[str, SlackApi]) -> None:
    """Slack's own retry of an event (new timestamp, same event_id) is acknowledged and answered once."""
    url, api = slack
    await post_event(url, fixture("app_mention.json"))
    await api.wait_for("chat.postMessage")
    assert (await post_event(url, fixture("app_mention.json"), age=1, headers={"X-Slack-Retry-Num": "1"}))[0] == 200
    await post_event(url, follow_up())
    posts = await api.wait_for("chat.postMessage", 2)
    assert [answered(p) for p in posts] == [
        ("C0GENERAL", "How big should a learning circle be?"),
        ("D0ANN", FOLLOW_UP_ANSWER),
    ]
