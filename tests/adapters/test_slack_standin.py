"""The strict Slack stand-in refuses what Slack refuses: each rule at its limit (taken) and just past it (refused)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.adapters import slack_standin as limits
from tests.adapters.slack_standin import SlackApi, serving


@pytest.fixture
async def standin() -> AsyncIterator[tuple[SlackApi, AsyncWebClient]]:
    async with serving() as api:
        yield api, AsyncWebClient(token="xoxb-test", base_url=api.base_url + "/api/")


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def button(n: int = 0, text: str = "Go", value: str = "v", action_id: str | None = None) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "value": value, "action_id": action_id or f"a{n}"}


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def select(options: int, text: str = "o") -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": "value",
        "options": [{"text": plain(text), "value": f"v{i}"} for i in range(options)],
    }


def modal(blocks: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": plain("Title"), "submit": plain("Send"), "close": plain("Cancel")}
    view["blocks"] = blocks if blocks is not None else []
    view.update(overrides)
    return view


def input_block(n: int = 0, element: dict[str, Any] | None = None, label: Any = None) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": f"b{n}",
        "label": label or plain("Label"),
        "element": element or {"type": "plain_text_input", "action_id": "value"},
    }


# (name, blocks at the limit, blocks just past it, the error Slack names)
MESSAGE_RULES: list[tuple[str, Callable[[int], list[dict[str, Any]]], str]] = [
    ("50 blocks", lambda extra: [section("x")] * (limits.MAX_MESSAGE_BLOCKS + extra), "no more than 50 items"),
    ("section text 3000", lambda extra: [section("x" * (3000 + extra))], "must be less than 3001 characters"),
    (
        "10 fields",
        lambda extra: [{"type": "section", "fields": [mrkdwn("f")] * (10 + extra)}],
        "no more than 10 items",
    ),
    (
        "field 2000",
        lambda extra: [{"type": "section", "fields": [mrkdwn("f" * (2000 + extra))]}],
        "must be less than 2001 characters",
    ),
    ("header 150", lambda extra: [{"type": "header", "text": plain("h" * (150 + extra))}], "less than 151"),
    ("button text 75", lambda extra: [actions(button(text="b" * (75 + extra)))], "less than 76"),
    ("button value 2000", lambda extra: [actions(button(value="v" * (2000 + extra)))], "less than 2001"),
    ("action_id 255", lambda extra: [actions(button(action_id="a" * (255 + extra)))], "less than 256"),
    (
        "action_id unique in a block",
        lambda extra: [actions(button(0), button(0 if extra else 1))],
        "duplicate action_id",
    ),
    (
        "block_id unique",
        lambda extra: [{**section("a"), "block_id": "x"}, {**section("b"), "block_id": "y" if not extra else "x"}],
        "duplicate block_id",
    ),
    ("25 elements", lambda extra: [actions(*[button(n) for n in range(25 + extra)])], "between 1 and 25"),
    ("100 options", lambda extra: [actions(select(100 + extra))], "between 1 and 100"),
    ("option text 75", lambda extra: [actions(select(1, "o" * (75 + extra)))], "less than 76"),
    (
        "header is plain_text only",
        lambda extra: [{"type": "header", "text": mrkdwn("h") if extra else plain("h")}],
        "must be plain_text",
    ),
    (
        "button text is plain_text only",
        lambda extra: [actions({**button(), "text": mrkdwn("b") if extra else plain("b")})],
        "must be plain_text",
    ),
    ("section text not empty", lambda extra: [section("" if extra else "x")], "more than 0 characters"),
]


@pytest.mark.parametrize(("rule", "blocks", "message"), MESSAGE_RULES, ids=[r[0] for r in MESSAGE_RULES])
async def test_message_block_limits(
    standin: tuple[SlackApi, AsyncWebClient], rule: str, blocks: Callable[[int], list[dict[str, Any]]], message: str
) -> None:
    """chat.postMessage takes blocks at each Block Kit limit and refuses them one past it, as invalid_blocks."""
    _, client = standin
    assert (await client.chat_postMessage(channel="C1", text="t", blocks=blocks(0)))["ok"]
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C1", text="t", blocks=blocks(1))
    assert refused.value.response["error"] == "invalid_blocks"
    assert any(message in e for e in refused.value.response["errors"]), refused.value.response["errors"]
    assert refused.value.response["response_metadata"]["messages"][0].startswith("[ERROR] ")


async def test_message_text_limit_and_no_text(standin: tuple[SlackApi, AsyncWebClient]) -> None:
    """Top-level text of 40,000 characters is taken; 40,001 is msg_too_long; neither text nor blocks is no_text."""
    _, client = standin
    assert (await client.chat_postMessage(channel="C1", text="x" * 40_000))["ok"]
    for text, error in (("x" * 40_001, "msg_too_long"), ("", "no_text")):
        with pytest.raises(SlackApiError) as refused:
            await client.api_call("chat.postMessage", json={"channel": "C1", "text": text})
        assert refused.value.response["error"] == error


async def test_unknown_channel_and_missing_token(standin: tuple[SlackApi, AsyncWebClient]) -> None:
    """A channel Slack does not know is channel_not_found; a call without a token is not_authed."""
    api, client = standin
    api.missing_channels.add("C0GONE")
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C0GONE", text="hi")
    assert refused.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as unauthenticated:
        await AsyncWebClient(base_url=api.base_url + "/api/").chat_postMessage(channel="C1", text="hi")
    assert unauthenticated.value.response["error"] == "not_authed"


async def test_ephemeral_needs_a_user(standin: tuple[SlackApi, AsyncWebClient]) -> None:
    """chat.postEphemeral without a user is refused; with one it is taken."""
    _, client = standin
    assert (await client.chat_postEphemeral(channel="C1", user="U1", text="psst"))["ok"]
    with pytest.raises(SlackApiError) as refused:
        await client.api_call("chat.postEphemeral", json={"channel": "C1", "text": "psst"})
    assert refused.value.response["error"] == "invalid_arguments"


VIEW_RULES: list[tuple[str, Callable[[int], dict[str, Any]]]] = [
    ("100 blocks", lambda extra: modal([input_block(n) for n in range(100 + extra)])),
    ("title 24", lambda extra: modal(title=plain("t" * (24 + extra)))),
    ("submit 24", lambda extra: modal(submit=plain("s" * (24 + extra)))),
    ("close 24", lambda extra: modal(close=plain("c" * (24 + extra)))),
    ("title is plain_text only", lambda extra: modal(title=mrkdwn("t") if extra else plain("t"))),
    ("private_metadata 3000", lambda extra: modal(private_metadata="m" * (3000 + extra))),
    ("input label is plain_text only", lambda extra: modal([input_block(label=mrkdwn("l") if extra else None)])),
    ("100 options in a modal", lambda extra: modal([input_block(element=select(100 + extra))])),
]


@pytest.mark.parametrize(("rule", "view"), VIEW_RULES, ids=[r[0] for r in VIEW_RULES])
async def test_modal_limits(
    standin: tuple[SlackApi, AsyncWebClient], rule: str, view: Callable[[int], dict[str, Any]]
) -> None:
    """views.open takes a modal at each limit and refuses it one past, as invalid_arguments."""
    api, client = standin
    assert (await client.views_open(trigger_id=api.trigger(), view=view(0)))["ok"]
    with pytest.raises(SlackApiError) as refused:
        await client.views_open(trigger_id=api.trigger(), view=view(1))
    assert refused.value.response["error"] == "invalid_arguments"


async def test_home_tab_limit(standin: tuple[SlackApi, AsyncWebClient]) -> None:
    """views.publish takes a Home tab of 100 blocks and refuses 101."""
    _, client = standin
    assert (await client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("x")] * 100}))["ok"]
    with pytest.raises(SlackApiError) as refused:
        await client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("x")] * 101})
    assert refused.value.response["error"] == "invalid_arguments"


async def test_trigger_ids_are_single_use_and_expire(standin: tuple[SlackApi, AsyncWebClient]) -> None:
    """A trigger id opens one modal, within 3 s of the click; reused, stale or unknown ones are refused."""
    api, client = standin
    fresh = api.trigger(age=limits.TRIGGER_TTL - 0.5)
    assert (await client.views_open(trigger_id=fresh, view=modal()))["ok"]
    for trigger_id, error in (
        (fresh, "exchanged_trigger_id"),
        (api.trigger(age=limits.TRIGGER_TTL + 0.1), "expired_trigger_id"),
        ("made.up.id", "invalid_trigger_id"),
    ):
        with pytest.raises(SlackApiError) as refused:
            await client.views_open(trigger_id=trigger_id, view=modal())
        assert refused.value.response["error"] == error


async def test_rate_limit_answers_429_with_retry_after(standin: tuple[SlackApi, AsyncWebClient]) -> None:
    """A rate-limited method answers 429, ratelimited, with Retry-After in seconds; the next call goes through."""
    api, client = standin
    api.rate_limit_next.add("chat.postMessage")
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C1", text="hi")
    assert refused.value.response.status_code == 429 and refused.value.response["error"] == "ratelimited"
    assert refused.value.response.headers["Retry-After"] == "1"
    assert (await client.chat_postMessage(channel="C1", text="hi"))["ok"]


async def test_file_upload_v2_and_its_size_limit(standin: tuple[SlackApi, AsyncWebClient]) -> None:
    """files_upload_v2 runs the three calls; a file at the size limit arrives, one byte more is refused."""
    api, client = standin
    api.max_file_bytes = 1000
    done = await client.files_upload_v2(channel="D0ANN", content=b"x" * 1000, filename="a.csv", title="a.csv")
    assert done["ok"] and list(api.uploads.values()) == [b"x" * 1000]
    assert [name for name, _ in api.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    with pytest.raises(SlackApiError) as refused:
        await client.files_upload_v2(channel="D0ANN", content=b"x" * 1001, filename="b.csv")
    assert refused.value.response["error"] == "file_upload_size_restricted"
    with pytest.raises(SlackApiError) as to_a_user:
        await client.files_upload_v2(channel="U0ANN", content=b"x", filename="c.csv")
    assert to_a_user.value.response["error"] == "channel_not_found"


async def test_hang_never_answers(standin: tuple[SlackApi, AsyncWebClient]) -> None:
    """With ``hang`` set, apps.connections.open does not answer (for tests of a Slack that is unreachable)."""
    api, client = standin
    api.hang = True
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.apps_connections_open(app_token="xapp-test"), 0.3)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("method", ["chat.postMessage", "chat.postEphemeral"])
async def test_blocks_text_in_all_is_limited(standin: tuple[SlackApi, AsyncWebClient], method: str) -> None:
    """Blocks holding 12,000 characters of text in all are taken; 12,001 are msg_blocks_too_long."""
    _, client = standin
    at_limit = [{"type": "header", "text": plain("h" * 100)}, actions(button(text="b" * 50))]
    at_limit += [section("x" * 3000)] * 3 + [section("x" * 2850)]
    assert limits.blocks_text_length(at_limit) == limits.MAX_BLOCKS_TEXT == 12_000
    target = {"channel": "C1", "user": "U1", "text": "t"}
    assert (await client.api_call(method, json={**target, "blocks": at_limit}))["ok"]
    past = [*at_limit[:-1], section("x" * 2851)]
    with pytest.raises(SlackApiError) as refused:
        await client.api_call(method, json={**target, "blocks": past})
    assert refused.value.response["error"] == "msg_blocks_too_long"


async def test_requests_into_the_bot_must_be_acknowledged_within_three_seconds() -> None:
    """A request answered 2.5 s after it was sent is taken; one still unanswered at 3 s fails as Slack gives up."""

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query["after"]))
        return web.Response(text="")

    application = web.Application()
    application.router.add_post("/slack/events", slow)
    runner = web.AppRunner(application, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    try:
        started = time.monotonic()
        in_time, too_late = await asyncio.gather(
            limits.post_form(f"{url}?after=2.5", {"command": "/ask"}),
            limits.post_form(f"{url}?after=60", {"command": "/ask"}),
            return_exceptions=True,
        )
    finally:
        await runner.cleanup()
    assert in_time == (200, "")
    assert isinstance(too_late, limits.NotAcknowledged)
    assert limits.ACK_WITHIN <= time.monotonic() - started < limits.ACK_WITHIN + 1
