"""The Slack adapter end to end in HTTP mode: signed requests in, a loopback stand-in for Slack's Web API out."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.slack.app import SlackAdapter
from adapters.slack.translate import event_to_core, reply_blocks, to_mrkdwn
from bot.events import Event, FormSubmission, Reply
from bot.main.wiring import BotApp
from tests.adapters.slack_standin import (
    FOLLOW_UP_ANSWER,
    SECRET,
    SlackApi,
    answered,
    fixture,
    follow_up,
    post_event,
    post_form,
    serving,
)
from tests.conftest import Chat, DbTarget, routed


@pytest.fixture
def db_target(tmp_path: Path) -> DbTarget:
    """The wire tests need one database, not both: SQLite."""
    return DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'slack.db'}", None)


adapters: list[SlackAdapter] = []
STAFF_ONLY = "Sorry, leads list is only for staff."


@pytest.fixture
async def slack(app: BotApp) -> AsyncIterator[tuple[str, SlackApi]]:
    """The bot in HTTP mode, talking to the strict stand-in; yields its events URL and the stand-in."""
    async with serving() as api:
        adapter = SlackAdapter(
            app.dispatcher.handle,
            token="xoxb-test",
            signing_secret=SECRET,
            api_url=api.base_url + "/api/",
            health=app.healthy,
            metrics=app.metrics.render,
            home=app.registry.home_commands(),
        )
        port = await adapter.start(host="127.0.0.1", port=0)
        adapters.append(adapter)
        yield f"http://127.0.0.1:{port}/slack/events", api
        await adapter.stop()


def with_trigger(payload: dict[str, Any], api: SlackApi) -> dict[str, Any]:
    """``payload`` with a fresh trigger id the stand-in issued, as each real slash command or click has."""
    return {**payload, "trigger_id": api.trigger()}


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
    await post_event(url, follow_up())
    posts = await api.wait_for("chat.postMessage", 2)
    assert [answered(p) for p in posts] == [
        ("C0GENERAL", "How big should a learning circle be?"),
        ("D0ANN", FOLLOW_UP_ANSWER),
    ]


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
    press = with_trigger(fixture("block_actions.json"), api)
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
    await post_event(url, follow_up())
    posts = await api.wait_for("chat.postMessage")
    assert [answered(p) for p in posts] == [("D0ANN", FOLLOW_UP_ANSWER)]


async def test_consult_opens_a_modal_and_shows_field_errors(slack: tuple[str, SlackApi]) -> None:
    """/consult opens the form as a modal; a bad email comes back as an error on that field; a good one is stored."""
    url, api = slack
    command = with_trigger(fixture("slash_consult.json"), api)
    await post_form(url, command)
    (opened,) = await api.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert opened["trigger_id"] == command["trigger_id"] and len(view["blocks"]) == 9
    submission = with_trigger(fixture("view_submission.json"), api)
    status, body = await post_form(url, {"payload": json.dumps(submission)})
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors" and "does not look like an email" in answer["errors"]["email"]
    good = with_trigger(copy.deepcopy(submission), api)
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


def test_mrkdwn_escapes_and_never_masks_links() -> None:
    """Escaping comes first; a Markdown link shows its address (never a masked link); bold becomes Slack's."""
    assert to_mrkdwn("<!here> & [docs](https://docs.p2pu.org/) **now**") == (
        "&lt;!here&gt; &amp; docs (<https://docs.p2pu.org/>) *now*"
    )
    blocks = [b.to_dict() for b in reply_blocks(Reply("x" * 6000, title="T", link="https://e.org"))]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "context"]
    assert [len(b["text"]["text"]) for b in blocks[1:3]] == [3000, 3000]


async def test_scheduled_messages_are_posted_to_their_channel_or_user(slack: tuple[str, SlackApi]) -> None:
    """Scheduler output (a check-in prompt, a reminder DM) goes to its channel or user; other platforms' is skipped."""
    _, api = slack
    adapter = adapters[-1]
    await adapter.send(routed(Reply("Time to check in", title="Check-in: Maps", platform="slack", channel="C0MAPS")))
    await adapter.send(routed(Reply("Reminder", platform="slack", user="U0BO")))
    await adapter.send(routed(Reply("Not for Slack", platform="discord", channel="123")))
    posts = await api.wait_for("chat.postMessage", 2)
    assert [p["channel"] for p in posts] == ["C0MAPS", "U0BO"]


def test_manifest_lists_exactly_what_the_adapter_handles(tmp_path: Path) -> None:
    """The checked-in manifest is the one rendered from the registry; it subscribes to the events the adapter
    listens to and declares one slash command per Slack command of the registry, plus the catch-all."""
    import yaml

    from adapters.slack.manifest import render_manifest
    from bot.main.wiring import BotApp
    from bot.settings import Settings

    registry = BotApp(Settings(_env_file=None, data_dir=tmp_path)).registry  # type: ignore[call-arg]
    checked_in = (Path(__file__).resolve().parents[2] / "slack" / "manifest.yml").read_text()
    assert render_manifest(registry.slash_commands()) == checked_in
    manifest = yaml.safe_load(checked_in)
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == ["/ask", "/consult", "/mydata", "/leads", "/checkin", "/meetings", "/communitybot"]

    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.channels",  # thread replies, and new posts in watched help channels
        "message.groups",  # the same in private channels
        "message.im",
        "reaction_added",  # a ✅ marks a thread solved
    }
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read",  # mentions
        "channels:history",  # message.channels; conversations.replies: the thread a ✅ is in
        "chat:write",  # replies
        "commands",  # slash commands
        "files:write",  # exports (files upload v2)
        "groups:history",  # message.groups; conversations.replies in private channels
        "im:history",  # questions in the bot's DM
        "im:write",  # conversations.open: the DM an export is uploaded to
        "reactions:read",  # reaction_added
        "usergroups:read",  # roles from user groups
    }


def test_slack_manifest_command_prints_the_checked_in_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`communitybot slack manifest` prints exactly slack/manifest.yml; --url puts the bot's address in it."""
    from bot.main.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMMUNITYBOT_DATA_DIR", str(tmp_path))
    assert main(["slack", "manifest"]) == 0
    checked_in = (Path(__file__).resolve().parents[2] / "slack" / "manifest.yml").read_text()
    assert capsys.readouterr().out == checked_in
    assert main(["slack", "manifest", "--url", "https://bot.p2pu.example/"]) == 0
    out = capsys.readouterr().out
    assert "https://bot.example.org" not in out and out.count("https://bot.p2pu.example/slack/events") == 9


def test_slack_manifest_with_a_url_says_nothing_of_replacing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given --url (even the example address), the manifest no longer asks to replace the address."""
    from bot.main.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMMUNITYBOT_DATA_DIR", str(tmp_path))
    assert main(["slack", "manifest", "--url", "https://bot.example.org"]) == 0
    head = capsys.readouterr().out.splitlines()[:3]
    assert head == [
        '# Paste into https://api.slack.com/apps -> "Create New App" -> "From an app manifest".',
        "# Rendered by `communitybot slack manifest` from the bot's commands; do not edit by hand.",
        "display_information:",
    ]


@pytest.mark.parametrize("url", ["notaurl", "http://bot.example.org", "ftp://bot.example.org", "https://"])
def test_slack_manifest_refuses_an_address_slack_cannot_use(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--url must be https (plain http only to localhost): anything else is refused before a manifest is printed."""
    from bot.main.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMMUNITYBOT_DATA_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as exited:
        main(["slack", "manifest", "--url", url])
    assert exited.value.code == 2
    said = capsys.readouterr()
    problem = "URL has no host" if url == "https://" else "URL must be https (plain http only to localhost)"
    assert said.out == ""
    assert said.err.splitlines()[-1] == (
        f"communitybot slack manifest: error: argument --url: {url!r}: {problem}, like https://bot.example.org"
    )
    assert main(["slack", "manifest", "--url", "http://localhost:3000"]) == 0


async def test_checkin_answer_works_as_a_modal(slack: tuple[str, SlackApi], app: BotApp) -> None:
    """The Answer button on a check-in prompt opens a modal; an empty submission is refused on the field."""
    from datetime import UTC, datetime

    url, api = slack
    chat = Chat(app)
    await chat.say("checkin create Maps --tz UTC", user="U0FAY", role="facilitator", channel="C0MAPS")
    await chat.say("checkin schedule tue 17:00 --weeks 2", user="U0FAY", role="facilitator", channel="C0MAPS")
    prompt = (await app.scheduler.tick(datetime(2026, 3, 3, 17, 0, tzinfo=UTC)))[0]
    press = with_trigger(fixture("block_actions.json"), api)
    press["channel"] = {"id": "C0MAPS", "name": "maps"}
    press["actions"][0].update(action_id="checkin:answer|0", value=prompt.buttons[0].value)
    app.dispatcher.clock = lambda: datetime(2026, 3, 3, 17, 30, tzinfo=UTC)
    await post_form(url, {"payload": json.dumps(press)})
    (opened,) = await api.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert [b["block_id"] for b in view["blocks"]] == ["q0", "q1", "q2"]
    submission = with_trigger(fixture("view_submission.json"), api)
    submission["view"]["private_metadata"] = view["private_metadata"]
    submission["view"]["state"]["values"] = {
        f"q{i}": {"value": {"type": "plain_text_input", "value": ""}} for i in range(3)
    }
    status, body = await post_form(url, {"payload": json.dumps(submission)})
    assert status == 200 and json.loads(body)["errors"] == {"q0": "Please answer at least one question."}
    submission["view"]["state"]["values"]["q0"]["value"]["value"] = "Read chapter 1"
    submission["trigger_id"] = api.trigger()
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
    await api.envelopes.put({**envelope, "envelope_id": "env-3", "payload": follow_up()})
    posts = await api.wait_for("chat.postMessage", 2)
    assert [answered(p) for p in posts] == [
        ("C0GENERAL", "How big should a learning circle be?"),
        ("D0ANN", FOLLOW_UP_ANSWER),
    ]


async def test_rate_limited_post_is_retried_after_the_wait(slack: tuple[str, SlackApi]) -> None:
    """A 429 with Retry-After from chat.postMessage is retried once the wait is over, and the answer arrives."""
    url, api = slack
    api.rate_limit_next.add("chat.postMessage")
    started = time.monotonic()
    await post_event(url, fixture("app_mention.json"))
    posts = await api.wait_for("chat.postMessage", 2, refused=True)
    assert time.monotonic() - started >= 1.0
    assert posts[0]["thread_ts"] == posts[1]["thread_ts"] == "1710000000.000100"
    assert len(api.of("chat.postMessage")) == 1  # the retry was taken


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
    # Slack shows the time in Ann's own zone; the fallback, for clients that cannot, is the group's.
    assert "Maps: next check-in <!date^1772557200^{date_short_pretty} {time}|Tue 03 Mar 2026 18:00 CET>" in text
    assert "What I can do" in text


@asynccontextmanager
async def staff_bot(tmp_path: Path, team_id: str | None = None) -> AsyncIterator[tuple[str, SlackApi]]:
    """A bot whose settings map the Slack user group ``p2pu-staff`` to staff, in HTTP mode on the stand-in."""
    from tests.conftest import make_settings

    settings = make_settings(
        DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'roles.db'}", None),
        tmp_path,
        roles={"platform_roles": {"p2pu-staff": "staff"}},
    )
    bot = BotApp(settings)
    await bot.start()
    async with serving() as api:
        adapter = SlackAdapter(
            bot.dispatcher.handle,
            "xoxb-test",
            SECRET,
            api.base_url + "/api/",
            role_groups=frozenset({"p2pu-staff"}),
            team_id=team_id,
        )
        port = await adapter.start(host="127.0.0.1", port=0)
        try:
            yield f"http://127.0.0.1:{port}/slack/events", api
        finally:
            await adapter.stop()
            await bot.close()


async def test_slack_user_group_maps_to_staff(tmp_path: Path) -> None:
    """Members of a Slack user group mapped to staff in settings may use /leads; others get a refusal and no data."""
    async with staff_bot(tmp_path) as (url, api):
        command = {**fixture("slash_consult.json"), "command": "/leads", "text": "list"}
        await post_form(url, {**command, "user_id": "U0SAM", "trigger_id": api.trigger()})
        await post_form(url, {**command, "user_id": "U0ANN", "trigger_id": api.trigger()})
        replies = await api.wait_for("chat.postEphemeral", 2)
        by_user = {r["user"]: json.dumps(r["blocks"]) for r in replies}
        assert "Leads (0)" in by_user["U0SAM"]
        assert "only for staff" in by_user["U0ANN"]
        assert len(api.of("usergroups.list")) == 1  # cached between events


async def test_user_groups_count_only_in_the_configured_workspace(tmp_path: Path) -> None:
    """With a team id set, the same user id arriving from another workspace gets no role from a user group."""
    async with staff_bot(tmp_path, team_id="T0TEAM") as (url, api):
        command = {**fixture("slash_consult.json"), "command": "/leads", "text": "list", "user_id": "U0SAM"}
        await post_form(url, {**command, "team_id": "T0OTHER", "trigger_id": api.trigger()})
        (refused,) = await api.wait_for("chat.postEphemeral", 1)
        await post_form(url, {**command, "team_id": "T0TEAM", "trigger_id": api.trigger()})
        replies = await api.wait_for("chat.postEphemeral", 2)
        assert "only for staff" in json.dumps(refused["blocks"]) and "Leads" not in json.dumps(refused["blocks"])
        assert "Leads (0)" in json.dumps(replies[1]["blocks"])
        assert [c.get("team_id") for c in api.of("usergroups.list")] == ["T0TEAM"]


async def test_a_failed_user_group_lookup_fails_closed_without_waiting_or_retrying_each_event(tmp_path: Path) -> None:
    """usergroups.list is rate-limited: staff get no role for now, quickly, and the next event does not look it up."""
    async with staff_bot(tmp_path) as (url, api):
        api.rate_limit_next.add("usergroups.list")
        command = {**fixture("slash_consult.json"), "command": "/leads", "text": "list", "user_id": "U0SAM"}
        for _ in range(2):
            await post_form(url, {**command, "trigger_id": api.trigger()})
        replies = await api.wait_for("chat.postEphemeral", 2)
        assert [r["text"] for r in replies] == [STAFF_ONLY] * 2
        assert len(api.of("usergroups.list", refused=True)) == 1  # not retried after Retry-After, nor per event


async def test_user_groups_are_looked_up_again_a_minute_after_a_failure() -> None:
    """After a failed lookup nobody is in a group for 60 s (no lookup meanwhile); then the lookup runs and counts."""
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.slack.groups import UserGroups

    now = [0.0]
    async with serving() as api:
        client = AsyncWebClient(token="xoxb-test", base_url=api.base_url + "/api/")
        groups = UserGroups(client, frozenset({"P2PU-Staff"}), "T0TEAM", clock=lambda: now[0])
        api.fail_next["usergroups.list"] = (500, "internal_error")
        seen = []
        for now[0] in (0.0, 59.9, 60.0, 359.9):
            seen.append(await groups.of("U0SAM"))
        assert seen == [frozenset(), frozenset(), frozenset({"p2pu-staff"}), frozenset({"p2pu-staff"})]
        assert [c.get("team_id") for c in api.of("usergroups.list", refused=True)] == ["T0TEAM", "T0TEAM"]


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


@asynccontextmanager
async def slow_core(app: BotApp, seconds: float) -> AsyncIterator[tuple[str, SlackApi]]:
    """HTTP mode where the core takes ``seconds`` more on each form submission (a busy database, a held lock)."""

    async def handle(event: Event) -> list[Reply]:
        if isinstance(event, FormSubmission):
            await asyncio.sleep(seconds)
        return await app.dispatcher.handle(event)

    async with serving() as api:
        adapter = SlackAdapter(handle, "xoxb-test", SECRET, api.base_url + "/api/")
        port = await adapter.start(host="127.0.0.1", port=0)
        try:
            yield f"http://127.0.0.1:{port}/slack/events", api
        finally:
            await adapter.stop()


async def test_a_slow_consult_closes_the_modal_in_time_and_answers_by_dm(app: BotApp) -> None:
    """The core takes 3.5 s on a consult: the modal is acknowledged within Slack's 3 s; the thanks and notice follow."""
    async with slow_core(app, 3.5) as (url, api):
        submission = with_trigger(fixture("view_submission.json"), api)
        submission["view"]["state"]["values"]["email"]["value"]["value"] = "ann@example.org"
        started = time.monotonic()
        assert await post_form(url, {"payload": json.dumps(submission)}) == (200, "")  # NotAcknowledged past 3 s
        assert time.monotonic() - started < 2.5
        posts = await api.wait_for("chat.postMessage", 2, within=8)
    assert {p["channel"]: p["text"] for p in posts} == {
        "U0ANN": "Thank you! Your request is L-0001. Someone from the team will be in touch by email.",
        "staff": "New consulting request L-0001",
    }


async def test_a_slow_form_with_a_bad_field_says_so_privately(app: BotApp) -> None:
    """Past the two seconds, a field error can no longer be shown in the modal: it comes as a private message."""
    async with slow_core(app, 2.5) as (url, api):
        submission = with_trigger(fixture("view_submission.json"), api)
        assert await post_form(url, {"payload": json.dumps(submission)}) == (200, "")
        (said,) = await api.wait_for("chat.postEphemeral", within=8)
    assert (said["channel"], said["user"]) == ("C0GENERAL", "U0ANN")
    assert said["text"] == "email: 'not-an-email' does not look like an email address (name@example.org)"
    assert api.of("chat.postMessage") == []
