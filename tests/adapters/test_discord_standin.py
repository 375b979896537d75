"""The strict Discord stand-in refuses what Discord refuses: each rule at its limit (accepted) and just past it."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
import yarl

from adapters.discord.app import DiscordAdapter
from bot.events import Message, Reply
from tests.adapters.discord_bot import READY_AFTER
from tests.adapters.discord_rules import Refusal, check_commands, live_mentions
from tests.adapters.discord_standin import BOT_ID, GUILD_ID, HELP_CHANNEL, DiscordStandIn, fixture


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    server = DiscordStandIn()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def _post(
    standin: DiscordStandIn, path: str, body: dict[str, Any], files: dict[str, bytes] | None = None
) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session:
        if files:
            form = aiohttp.FormData()
            form.add_field("payload_json", json.dumps(body), content_type="application/json")
            for n, (name, data) in enumerate(files.items()):
                form.add_field(f"files[{n}]", io.BytesIO(data), filename=name)
            response = await session.post(standin.api_url + path, data=form)
        else:
            response = await session.post(standin.api_url + path, json=body)
        async with response:
            return response.status, await response.json()


def _buttons(rows: int, per_row: int, label: str = "ok", ids: list[str] | None = None) -> list[dict[str, Any]]:
    names = iter(ids or [f"b{r}-{c}" for r in range(rows) for c in range(per_row)])
    return [
        {
            "type": 1,
            "components": [{"type": 2, "style": 2, "label": label, "custom_id": next(names)} for _ in range(per_row)],
        }
        for _ in range(rows)
    ]


def _fields(n: int, name: str = "n", value: str = "v") -> list[dict[str, str]]:
    return [{"name": name, "value": value} for _ in range(n)]


# (rule, body at the limit, body just past it, where Discord reports the error, Discord's error code)
MESSAGE_RULES = [
    ("content 2000", {"content": "x" * 2000}, {"content": "x" * 2001}, ["content"], "BASE_TYPE_MAX_LENGTH"),
    (
        "10 embeds",
        {"embeds": [{"title": "t"}] * 10},
        {"embeds": [{"title": "t"}] * 11},
        ["embeds"],
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "title 256",
        {"embeds": [{"title": "t" * 256}]},
        {"embeds": [{"title": "t" * 257}]},
        ["embeds", "0", "title"],
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "description 4096",
        {"embeds": [{"description": "d" * 4096}]},
        {"embeds": [{"description": "d" * 4097}]},
        ["embeds", "0", "description"],
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "25 fields",
        {"embeds": [{"fields": _fields(25)}]},
        {"embeds": [{"fields": _fields(26)}]},
        ["embeds", "0", "fields"],
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "field name 256",
        {"embeds": [{"fields": _fields(1, name="n" * 256)}]},
        {"embeds": [{"fields": _fields(1, name="n" * 257)}]},
        ["embeds", "0", "fields", "0", "name"],
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "field value 1024",
        {"embeds": [{"fields": _fields(1, value="v" * 1024)}]},
        {"embeds": [{"fields": _fields(1, value="v" * 1025)}]},
        ["embeds", "0", "fields", "0", "value"],
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "footer 2048",
        {"embeds": [{"footer": {"text": "f" * 2048}}]},
        {"embeds": [{"footer": {"text": "f" * 2049}}]},
        ["embeds", "0", "footer", "text"],
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "embed url http(s)",
        {"embeds": [{"title": "t", "url": "https://docs.p2pu.org/"}]},
        {"embeds": [{"title": "t", "url": "mailto:team@p2pu.org"}]},
        ["embeds", "0", "url"],
        "URL_TYPE_INVALID_SCHEME",
    ),
    (
        "6000 across embeds",
        {"embeds": [{"description": "d" * 3000}, {"description": "d" * 3000}]},
        {"embeds": [{"description": "d" * 3000}, {"description": "d" * 3001}]},
        ["embeds"],
        "MAX_EMBED_SIZE_EXCEEDED",
    ),
    (
        "5 action rows",
        {"components": _buttons(5, 1)},
        {"components": _buttons(6, 1)},
        ["components"],
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "5 buttons a row",
        {"components": _buttons(1, 5)},
        {"components": _buttons(1, 6)},
        ["components", "0", "components"],
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "custom_id 100",
        {"components": _buttons(1, 1, ids=["c" * 100])},
        {"components": _buttons(1, 1, ids=["c" * 101])},
        ["components", "0", "components", "0", "custom_id"],
        "BASE_TYPE_MAX_LENGTH",
    ),
    (
        "custom_id unique",
        {"components": _buttons(1, 2, ids=["a", "b"])},
        {"components": _buttons(1, 2, ids=["a", "a"])},
        ["components", "0", "components", "1", "custom_id"],
        "COMPONENT_CUSTOM_ID_DUPLICATED",
    ),
    (
        "label 80",
        {"components": _buttons(1, 1, label="l" * 80)},
        {"components": _buttons(1, 1, label="l" * 81)},
        ["components", "0", "components", "0", "label"],
        "BASE_TYPE_MAX_LENGTH",
    ),
]


@pytest.mark.parametrize(("rule", "ok", "refused", "where", "code"), MESSAGE_RULES, ids=[r[0] for r in MESSAGE_RULES])
async def test_message_limits(
    standin: DiscordStandIn, rule: str, ok: dict[str, Any], refused: dict[str, Any], where: list[str], code: str
) -> None:
    """At the limit Discord takes the message; one past it, 400 Invalid Form Body names the field and the rule."""
    status, _ = await _post(standin, f"/channels/{HELP_CHANNEL}/messages", ok)
    assert status == 200
    status, answer = await _post(standin, f"/channels/{HELP_CHANNEL}/messages", refused)
    assert (status, answer["code"], answer["message"]) == (400, 50035, "Invalid Form Body")
    node = answer["errors"]
    for key in where:
        node = node[key]
    assert [e["code"] for e in node["_errors"]] == [code]


async def test_empty_message_and_unknown_channel(standin: DiscordStandIn) -> None:
    """A message with nothing in it is refused (50006); so is a channel Discord does not know (10003)."""
    assert await _post(standin, f"/channels/{HELP_CHANNEL}/messages", {"content": ""}) == (
        400,
        {"code": 50006, "message": "Cannot send an empty message"},
    )
    status, answer = await _post(standin, "/channels/1500000000000000077/messages", {"content": "hi"})
    assert (status, answer) == (404, {"code": 10003, "message": "Unknown Channel"})


async def test_attachment_size_limit(standin: DiscordStandIn) -> None:
    """A file of exactly the limit is taken; one byte more gets 413 with code 40005."""
    standin.attachment_limit = 1024
    status, _ = await _post(standin, f"/channels/{HELP_CHANNEL}/messages", {"content": "f"}, {"a.csv": b"x" * 1024})
    assert status == 200 and standin.calls[-1].files == [b"x" * 1024]
    status, answer = await _post(
        standin, f"/channels/{HELP_CHANNEL}/messages", {"content": "f"}, {"a.csv": b"x" * 1025}
    )
    assert (status, answer) == (413, {"code": 40005, "message": "Request entity too large"})


async def test_default_attachment_limit_is_25_mib(standin: DiscordStandIn) -> None:
    """Without a smaller limit, 25 MiB passes and 25 MiB + 1 byte does not."""
    limit = 25 * 1024 * 1024
    status, _ = await _post(standin, f"/channels/{HELP_CHANNEL}/messages", {"content": "f"}, {"a": b"x" * limit})
    assert status == 200
    status, answer = await _post(
        standin, f"/channels/{HELP_CHANNEL}/messages", {"content": "f"}, {"a": b"x" * (limit + 1)}
    )
    assert (status, answer["code"]) == (413, 40005)


def _modal(title: str = "Form", inputs: int = 1, label: str = "Name") -> dict[str, Any]:
    rows = [
        {"type": 18, "label": label, "component": {"type": 4, "custom_id": f"f{n}", "style": 1, "max_length": 100}}
        for n in range(inputs)
    ]
    return {"type": 9, "data": {"custom_id": "form|x|0|", "title": title, "components": rows}}


MODAL_RULES = [
    ("title 45", _modal(title="t" * 45), _modal(title="t" * 46), ["title"]),
    ("5 inputs", _modal(inputs=5), _modal(inputs=6), ["components"]),
    ("input label 45", _modal(label="l" * 45), _modal(label="l" * 46), ["components", "0", "label"]),
]


@pytest.mark.parametrize(("rule", "ok", "refused", "where"), MODAL_RULES, ids=[r[0] for r in MODAL_RULES])
async def test_modal_limits(
    standin: DiscordStandIn, rule: str, ok: dict[str, Any], refused: dict[str, Any], where: list[str]
) -> None:
    """Modals: title 45, five inputs, input labels 45."""
    standin.expect_interaction("1", "t1")
    standin.expect_interaction("2", "t2")
    status, answer = await _post(standin, "/interactions/2/t2/callback", refused)
    assert (status, answer["code"]) == (400, 50035)
    node = answer["errors"]["data"]  # a callback's errors sit where its body has them
    for key in where:
        node = node[key]
    assert node["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    assert (await _post(standin, "/interactions/1/t1/callback", ok))[0] == 200


async def test_autocomplete_choices_limits(standin: DiscordStandIn) -> None:
    """Autocomplete: 25 choices of 1 to 100 characters (a string value at most 100) are taken; past them, 50035."""
    choice = {"name": "n" * 100, "value": "v" * 100}
    for n, refused in enumerate(
        [[choice] * 26, [{"name": "", "value": "v"}], [dict(choice, name="n" * 101)], [dict(choice, value="v" * 101)]]
    ):
        standin.expect_interaction(str(n), f"t{n}")
        status, answer = await _post(
            standin, f"/interactions/{n}/t{n}/callback", {"type": 8, "data": {"choices": refused}}
        )
        assert (status, answer["code"], answer["message"]) == (400, 50035, "Invalid Form Body")
    assert answer["errors"]["data"] == {
        "choices": {
            "0": {
                "value": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 100 or fewer in length."}]}
            }
        }
    }
    standin.expect_interaction("9", "t9")
    assert (await _post(standin, "/interactions/9/t9/callback", {"type": 8, "data": {"choices": [choice] * 25}}))[
        0
    ] == 200


async def test_an_interaction_is_answered_once_within_the_window_then_followed_up(standin: DiscordStandIn) -> None:
    """First response within the window (else 10062), only once (40060); follow-ups only after it (10015)."""
    standin.response_window = 0.3
    standin.expect_interaction("1", "t1")
    message = {"type": 4, "data": {"content": "hi"}}
    followup = await _post(standin, "/webhooks/app/t1", {"content": "more"})
    assert followup == (404, {"code": 10015, "message": "Unknown Webhook"})
    assert (await _post(standin, "/interactions/1/t1/callback", message))[0] == 200
    assert await _post(standin, "/interactions/1/t1/callback", message) == (
        400,
        {"code": 40060, "message": "Interaction has already been acknowledged."},
    )
    assert (await _post(standin, "/webhooks/app/t1", {"content": "more"}))[0] == 200
    standin.expect_interaction("2", "t2")
    await asyncio.sleep(0.35)
    assert await _post(standin, "/interactions/2/t2/callback", message) == (
        404,
        {"code": 10062, "message": "Unknown interaction"},
    )


async def test_rate_limit_answers_429_with_retry_after_and_via(standin: DiscordStandIn) -> None:
    """429 carries retry_after in the body and the headers discord.py needs to wait instead of giving up."""
    standin.rate_limit("/messages", retry_after=0.25)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{standin.api_url}/channels/{HELP_CHANNEL}/messages", json={"content": "x"}) as response,
    ):
        assert response.status == 429 and response.headers["Via"] == "1.1 google"
        assert await response.json() == {
            "message": "You are being rate limited.",
            "retry_after": 0.25,
            "global": False,
        }
    assert (await _post(standin, f"/channels/{HELP_CHANNEL}/messages", {"content": "x"}))[0] == 200


def test_without_the_message_content_intent_guild_messages_arrive_empty() -> None:
    """Discord blanks the text of guild messages that do not mention the bot; mentions and DMs keep theirs."""
    standin = DiscordStandIn()
    plain = dict(fixture("message_create"), content="just chatting", mentions=[])
    assert standin._without_content(plain)["content"] == ""
    assert standin._without_content(dict(plain, guild_id=None))["content"] == "just chatting"
    assert standin._without_content(fixture("message_create"))["content"].startswith(f"<@{BOT_ID}>")
    standin.identify = {"intents": 1 << 15}
    assert standin._without_content(plain)["content"] == "just chatting"


def test_live_mentions_follow_allowed_mentions() -> None:
    """Without allowed_mentions everything in the text pings; with parse [] nothing does."""
    text = f"@everyone <@&{GUILD_ID}> <@{BOT_ID}>"
    assert live_mentions({"content": text}) == ["everyone", f"role:{GUILD_ID}", f"user:{BOT_ID}"]
    assert live_mentions({"content": text, "allowed_mentions": {"parse": []}}) == []


async def _no_handler(event: Message) -> list[Reply]:
    return []


@pytest.mark.parametrize("enabled", [False, True])
async def test_privileged_intent_is_refused_with_4014_unless_enabled(
    standin: DiscordStandIn, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    """Asking for message content without it enabled for the app: close 4014 and discord.py's error."""
    monkeypatch.setattr(discord.http.Route, "BASE", standin.api_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(standin.gateway_url))
    if enabled:
        standin.privileged.add("message_content")
    adapter = DiscordAdapter(_no_handler, "token", message_content=True, guild_ready_timeout=READY_AFTER)
    runner = asyncio.ensure_future(adapter.run())
    try:
        if enabled:
            await asyncio.wait_for(adapter.ready.wait(), 10)
            assert standin.closes == []
        else:
            with pytest.raises(discord.PrivilegedIntentsRequired):
                await asyncio.wait_for(runner, 10)
            assert standin.closes == [4014]
    finally:
        await adapter.stop()
        await asyncio.wait_for(asyncio.gather(runner, return_exceptions=True), 10)


def test_a_command_sync_discord_would_refuse_is_refused_in_its_error_shape() -> None:
    """26 subcommands, a 101-character description, an upper-case name, two commands of one name: 400 / 50035."""
    subs = [{"type": 1, "name": f"s{n}", "description": "x"} for n in range(26)]
    bad = [
        {"name": "group", "description": "g", "options": subs},
        {"name": "long", "description": "d" * 101},
        {"name": "Ask", "description": "a"},
        {"name": "long", "description": "again"},
    ]
    try:
        check_commands(bad)
    except Refusal as refusal:
        assert refusal.status == 400 and refusal.body["code"] == 50035
        errors = refusal.body["errors"]
        assert errors["0"]["options"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
        assert errors["1"]["description"]["_errors"][0]["code"] == "BASE_TYPE_BAD_LENGTH"
        assert errors["2"]["name"]["_errors"][0]["code"] == "APPLICATION_COMMAND_INVALID_NAME"
        assert errors["_errors"][0]["code"] == "APPLICATION_COMMANDS_DUPLICATE_NAME"
    else:
        raise AssertionError("the stand-in accepted commands Discord refuses")
    check_commands([{"name": "ask", "description": "Ask", "options": subs[:25]}])  # within every limit
