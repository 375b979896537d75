"""The Slack adapter end to end in HTTP mode: signed requests in, a loopback stand-in for Slack's Web API out."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.slack.app import SlackAdapter
from adapters.slack.translate import event_to_core, reply_blocks, to_mrkdwn
from bot.app import BotApp
from bot.events import Reply
from tests.conftest import Chat, DbTarget

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"
SECRET = "test-signing-secret"


@pytest.fixture
def db_target(tmp_path: Path) -> DbTarget:
    """The wire tests need one database, not both: SQLite."""
    return DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'slack.db'}", None)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


class SlackApi:
    """A loopback stand-in for Slack's Web API that records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.app = web.Application()
        self.app.router.add_post("/api/{method}", self._call)
        self.app.router.add_get("/api/{method}", self._call)
        self.app.router.add_get("/link", self._socket)
        self.envelopes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.acks: list[dict[str, Any]] = []
        self.acked = asyncio.Event()
        self.ws_url = ""
        self.rate_limit_next: set[str] = set()

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, push queued envelopes, collect the acks."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}})

        async def push() -> None:
            while True:
                await ws.send_json(await self.envelopes.get())

        pusher = asyncio.create_task(push())
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    self.acks.append(json.loads(msg.data))
                    self.acked.set()
        finally:
            pusher.cancel()
        return ws

    async def _call(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.method == "GET":
            params = dict(request.query)
        elif request.content_type == "application/json":
            params = await request.json()
        else:
            params = {k: v[0] for k, v in parse_qs(await request.text()).items()}
        self.calls.append((method, params))
        if method in self.rate_limit_next:
            self.rate_limit_next.discard(method)
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
        body: dict[str, Any] = {"ok": True}
        if method == "usergroups.list":
            body.update(
                usergroups=[
                    {"id": "S0STAFF", "handle": "p2pu-staff", "users": ["U0SAM"]},
                    {"id": "S0OTHER", "handle": "gardeners", "users": ["U0ANN"]},
                ]
            )
        if method == "apps.connections.open":
            body.update(url=self.ws_url)
        if method == "auth.test":
            body.update(user_id="U0BOT", bot_id="B0BOT", team_id="T0TEAM")
        if method.startswith("chat."):
            body.update(ts=f"1710000999.{len(self.calls):06d}", channel=params.get("channel"))
        return web.json_response(body)

    def of(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def wait_for(self, method: str, count: int = 1, within: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if len(self.of(method)) >= count:
                return self.of(method)
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} {method} call(s), got {self.calls}")


adapters: list[SlackAdapter] = []


@pytest.fixture
async def slack(app: BotApp) -> AsyncIterator[tuple[str, SlackApi]]:
    api = SlackApi()
    runner = web.AppRunner(api.app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    api_url = f"http://127.0.0.1:{runner.addresses[0][1]}/api/"
    api.ws_url = f"ws://127.0.0.1:{runner.addresses[0][1]}/link"
    adapter = SlackAdapter(
        app.dispatcher.handle,
        app.db,
        token="xoxb-test",
        signing_secret=SECRET,
        api_url=api_url,
        health=app.healthy,
        metrics=app.metrics.render,
    )
    port = await adapter.start(host="127.0.0.1", port=0)
    adapters.append(adapter)
    yield f"http://127.0.0.1:{port}/slack/events", api
    await adapter.stop()
    await runner.cleanup()


async def post(
    url: str, body: str, content_type: str, *, secret: str = SECRET, age: int = 0, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    timestamp = str(int(time.time()) - age)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    sent = {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
        **(headers or {}),
    }
    async with aiohttp.ClientSession() as session, session.post(url, data=body.encode(), headers=sent) as response:
        return response.status, await response.text()


async def post_event(url: str, payload: dict[str, Any], **kw: Any) -> tuple[int, str]:
    return await post(url, json.dumps(payload), "application/json", **kw)


async def post_form(url: str, fields: dict[str, str], **kw: Any) -> tuple[int, str]:
    return await post(url, urlencode(fields), "application/x-www-form-urlencoded", **kw)


async def test_mention_is_answered_once_in_thread(slack: tuple[str, SlackApi]) -> None:
    """A signed app_mention gets one chat.postMessage in its thread with the recipe's title; a retry gets none."""
    url, api = slack
    event = fixture("app_mention.json")
    assert (await post_event(url, event))[0] == 200
    (posted,) = await api.wait_for("chat.postMessage")
    assert posted["channel"] == "C0GENERAL" and posted["thread_ts"] == "1710000000.000100"
    assert "How big should a learning circle be?" in json.dumps(posted["blocks"])
    status, _ = await post_event(url, event, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert status == 200
    await asyncio.sleep(0.3)
    assert len(api.of("chat.postMessage")) == 1


async def test_direct_message_is_answered(slack: tuple[str, SlackApi]) -> None:
    """A message in the bot's DM is a question too, answered in the DM."""
    url, api = slack
    await post_event(url, fixture("message_im.json"))
    (posted,) = await api.wait_for("chat.postMessage")
    assert posted["channel"] == "D0ANN" and "How long and how often" in json.dumps(posted["blocks"])


async def test_user_text_never_becomes_a_channel_ping(slack: tuple[str, SlackApi]) -> None:
    """`<!channel>` in a question passed to humans reaches Slack escaped, never live."""
    url, api = slack
    event = fixture("app_mention.json")
    event["event"]["text"] = "<@U0BOT> <!channel> who won the football game"
    await post_event(url, event)
    await api.wait_for("chat.postMessage")
    press = fixture("block_actions.json")
    await post_form(url, {"payload": json.dumps(press)})
    posts = await api.wait_for("chat.postMessage", 2)
    assert "&lt;\\u200b!channel&gt;" in json.dumps(posts[1]["blocks"])  # quoted by the core, escaped by the adapter
    for params in api.of("chat.postMessage"):
        assert "<!channel>" not in json.dumps(params)


async def test_bad_signature_and_stale_timestamp_are_refused(slack: tuple[str, SlackApi]) -> None:
    """A request signed with the wrong secret, or five-minute-old, gets 401 and no reply."""
    url, api = slack
    assert (await post_event(url, fixture("app_mention.json"), secret="wrong"))[0] == 401
    assert (await post_event(url, fixture("app_mention.json"), age=600))[0] == 401
    await asyncio.sleep(0.2)
    assert api.of("chat.postMessage") == []


async def test_consult_opens_a_modal_and_shows_field_errors(slack: tuple[str, SlackApi]) -> None:
    """/consult opens the form as a modal; a bad email comes back as an error on that field; a good one is stored."""
    url, api = slack
    await post_form(url, fixture("slash_consult.json"))
    (opened,) = await api.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert opened["trigger_id"] == "1234.5678.ijkl" and len(view["blocks"]) == 8
    submission = fixture("view_submission.json")
    status, body = await post_form(url, {"payload": json.dumps(submission)})
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors" and "does not look like an email" in answer["errors"]["email"]
    good = copy.deepcopy(submission)
    good["view"]["state"]["values"]["email"]["value"]["value"] = "ann@example.org"
    status, body = await post_form(url, {"payload": json.dumps(good)})
    assert status == 200 and "errors" not in body
    dms = await api.wait_for("chat.postMessage")
    assert dms[0]["channel"] == "U0ANN" and "L-0001" in json.dumps(dms[0]["blocks"])


def test_bots_and_own_messages_are_ignored() -> None:
    """Messages from bots, from the bot itself, and edits never reach the core."""
    event = fixture("message_im.json")
    assert event_to_core(event, "U0BOT") is not None
    for change in ({"bot_id": "B1"}, {"user": "U0BOT"}, {"subtype": "message_changed"}):
        changed = copy.deepcopy(event)
        changed["event"].update(change)
        assert event_to_core(changed, "U0BOT") is None


def test_mrkdwn_escapes_and_keeps_links() -> None:
    """Escaping comes first; Markdown links and bold become Slack's own syntax."""
    assert to_mrkdwn("<!here> & [docs](https://docs.p2pu.org/) **now**") == (
        "&lt;!here&gt; &amp; <https://docs.p2pu.org/|docs> *now*"
    )
    blocks = [b.to_dict() for b in reply_blocks(Reply("x" * 6000, title="T", link="https://e.org"))]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "context"]


async def test_scheduled_messages_are_posted_to_their_channel_or_user(slack: tuple[str, SlackApi]) -> None:
    """Scheduler output (a check-in prompt, a reminder DM) goes to its channel or user; other platforms' is skipped."""
    _, api = slack
    adapter = adapters[-1]
    await adapter.post(Reply("Time to check in", title="Check-in: Maps", platform="slack", channel="C0MAPS"))
    await adapter.post(Reply("Reminder", platform="slack", user="U0BO"))
    await adapter.post(Reply("Not for Slack", platform="discord", channel="123"))
    posts = await api.wait_for("chat.postMessage", 2)
    assert [p["channel"] for p in posts] == ["C0MAPS", "U0BO"]


def test_manifest_lists_exactly_what_the_adapter_handles() -> None:
    """The app manifest subscribes to the events the adapter listens to and declares exactly its slash commands."""
    import yaml

    from adapters.slack.translate import COMMANDS

    manifest = yaml.safe_load((Path(__file__).resolve().parents[2] / "slack" / "manifest.yml").read_text())
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == set(COMMANDS)
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.im",
    }
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert {"chat:write", "commands", "app_mentions:read", "im:history"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )


async def test_checkin_answer_works_as_a_modal(slack: tuple[str, SlackApi], app: BotApp) -> None:
    """The Answer button on a check-in prompt opens a modal; an empty submission is refused on the field."""
    from datetime import UTC, datetime

    url, api = slack
    chat = Chat(app)
    await chat.say("checkin create Maps --tz UTC", user="U0FAY", role="facilitator", channel="C0MAPS")
    await chat.say("checkin schedule tue 17:00 --weeks 2", user="U0FAY", role="facilitator", channel="C0MAPS")
    prompt = (await app.scheduler.tick(datetime(2026, 3, 3, 17, 0, tzinfo=UTC)))[0]
    press = fixture("block_actions.json")
    press["channel"] = {"id": "C0MAPS", "name": "maps"}
    press["actions"][0].update(action_id="checkin:answer|0", value=prompt.buttons[0].value)
    app.dispatcher.clock = lambda: datetime(2026, 3, 3, 17, 30, tzinfo=UTC)
    await post_form(url, {"payload": json.dumps(press)})
    (opened,) = await api.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert [b["block_id"] for b in view["blocks"]] == ["q0", "q1", "q2"]
    submission = fixture("view_submission.json")
    submission["view"]["private_metadata"] = view["private_metadata"]
    submission["view"]["state"]["values"] = {
        f"q{i}": {"value": {"type": "plain_text_input", "value": ""}} for i in range(3)
    }
    status, body = await post_form(url, {"payload": json.dumps(submission)})
    assert status == 200 and json.loads(body)["errors"] == {"q0": "Please answer at least one question."}
    submission["view"]["state"]["values"]["q0"]["value"]["value"] = "Read chapter 1"
    status, body = await post_form(url, {"payload": json.dumps(submission)})
    assert status == 200 and "errors" not in body
    saved = await api.wait_for("chat.postEphemeral")
    assert "check-in is saved" in json.dumps(saved[-1]["blocks"])


async def test_socket_mode_answers_and_acks_each_envelope(slack: tuple[str, SlackApi]) -> None:
    """Over Socket Mode an app_mention envelope is acknowledged and answered once; its retry is acked, not answered."""
    _, api = slack
    adapter = adapters[-1]
    await adapter.start_socket_mode("xapp-test")
    event = fixture("app_mention.json")
    event["event_id"] = "Ev0SOCKET1"
    envelope = {
        "envelope_id": "env-1",
        "type": "events_api",
        "accepts_response_payload": False,
        "payload": event,
        "retry_attempt": 0,
        "retry_reason": "",
    }
    await api.envelopes.put(envelope)
    (posted,) = await api.wait_for("chat.postMessage")
    assert "How big should a learning circle be?" in json.dumps(posted["blocks"])
    await api.envelopes.put({**envelope, "envelope_id": "env-2", "retry_attempt": 1, "retry_reason": "timeout"})
    async with asyncio.timeout(5):
        while len(api.acks) < 2:
            await api.acked.wait()
            api.acked.clear()
    assert [a["envelope_id"] for a in api.acks] == ["env-1", "env-2"]
    await asyncio.sleep(0.2)
    assert len(api.of("chat.postMessage")) == 1


async def test_rate_limited_post_is_retried_after_the_wait(slack: tuple[str, SlackApi]) -> None:
    """A 429 with Retry-After from chat.postMessage is retried once the wait is over, and the answer arrives."""
    url, api = slack
    api.rate_limit_next.add("chat.postMessage")
    started = time.monotonic()
    await post_event(url, fixture("app_mention.json"))
    posts = await api.wait_for("chat.postMessage", 2)
    assert time.monotonic() - started >= 1.0
    assert posts[0]["thread_ts"] == posts[1]["thread_ts"] == "1710000000.000100"


async def test_app_home_shows_groups_next_checkins_and_help(slack: tuple[str, SlackApi], app: BotApp) -> None:
    """Opening the App Home publishes the user's groups with their next check-in, and the help text."""
    from datetime import UTC, datetime

    from storage.checkins import add_member, create_group, update_group

    url, api = slack
    now = datetime(2026, 3, 1, tzinfo=UTC)
    async with app.db.session() as session:
        group = await create_group(
            session,
            name="Maps",
            platform="slack",
            channel="C0MAPS",
            timezone="Europe/Berlin",
            questions=["Done?"],
            creator="U0FAY",
            now=now,
        )
        await add_member(session, group.id, "U0ANN", now)
        await update_group(session, group.id, next_run_at=datetime(2026, 3, 3, 17, 0, tzinfo=UTC))
    event = {
        "type": "event_callback",
        "event_id": "Ev0HOME1",
        "team_id": "T0TEAM",
        "event": {
            "type": "app_home_opened",
            "user": "U0ANN",
            "channel": "D0ANN",
            "tab": "home",
            "event_ts": "1710000000.1",
        },
    }
    await post_event(url, event)
    (published,) = await api.wait_for("views.publish")
    view = published["view"] if isinstance(published["view"], dict) else json.loads(published["view"])
    text = json.dumps(view["blocks"])
    assert published["user_id"] == "U0ANN" and view["type"] == "home"
    assert "Maps: next check-in Tue 03 Mar 2026 18:00 CET" in text and "What I can do" in text


async def test_slack_user_group_maps_to_staff(tmp_path: Path) -> None:
    """Members of a Slack user group mapped to staff in settings may use /leads; others get a refusal and no data."""
    from tests.conftest import make_settings

    settings = make_settings(
        DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'roles.db'}", None),
        tmp_path,
        roles={"platform_roles": {"p2pu-staff": "staff"}},
    )
    bot = BotApp(settings)
    await bot.start()
    api = SlackApi()
    runner = web.AppRunner(api.app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    adapter = SlackAdapter(
        bot.dispatcher.handle,
        bot.db,
        "xoxb-test",
        SECRET,
        f"http://127.0.0.1:{runner.addresses[0][1]}/api/",
        role_groups=frozenset({"p2pu-staff"}),
    )
    port = await adapter.start(host="127.0.0.1", port=0)
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        command = {**fixture("slash_consult.json"), "command": "/leads", "text": "list"}
        await post_form(url, {**command, "user_id": "U0SAM"})
        await post_form(url, {**command, "user_id": "U0ANN"})
        replies = await api.wait_for("chat.postEphemeral", 2)
        by_user = {r["user"]: json.dumps(r["blocks"]) for r in replies}
        assert "Leads (0)" in by_user["U0SAM"]
        assert "only for staff" in by_user["U0ANN"]
        assert len(api.of("usergroups.list")) == 1  # cached between events
    finally:
        await adapter.stop()
        await runner.cleanup()
        await bot.close()


async def test_healthz_and_metrics_after_some_events(slack: tuple[str, SlackApi], app: BotApp) -> None:
    """/healthz says ok while the database answers (503 when not); /metrics counts events, answers and latency."""
    url, api = slack
    base = url.rsplit("/slack/events", 1)[0]
    await post_event(url, fixture("app_mention.json"))
    await api.wait_for("chat.postMessage")
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/healthz") as response:
            assert response.status == 200 and (await response.json())["status"] == "ok"
        async with session.get(f"{base}/metrics") as response:
            text = await response.text()
            assert response.headers["Content-Type"].startswith("text/plain")
    assert 'communitybot_events_total{kind="Message",platform="slack"} 1.0' in text
    assert 'communitybot_answers_total{result="given"} 1.0' in text
    assert 'communitybot_handler_seconds_count{kind="Message"} 1.0' in text
    # The database goes away: swap in an engine that points at a closed port.
    await app.db.close()
    app.db.engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz") as response:
        assert response.status == 503
