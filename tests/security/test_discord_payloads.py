"""Hostile text on Discord: through ``translate`` and through the strict stand-in, no live mention, no masked link,
no crash, and every payload is one Discord takes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.discord.translate import reply_messages
from bot.events import Button, Reply
from tests.adapters import discord_bot
from tests.adapters.discord_bot import Bot
from tests.adapters.discord_rules import check_message, live_mentions
from tests.adapters.discord_standin import BOT_ID, HELP_CHANNEL, MEMBER_ID, STAFF_ROLE, Call, fixture, wire
from tests.conftest import routed

bot = discord_bot.bot
db_target = discord_bot.db_target

EVIL_LINK = "[your account](https://evil.example/login)"
PAYLOADS = {
    "everyone": "@everyone look",
    "here": "@here look",
    "role": f"<@&{STAFF_ROLE}> look",
    "user": f"<@{MEMBER_ID}> look",
    "masked link": f"please check {EVIL_LINK} now",
    "nul": "nul\x00byte",
    "lone surrogate": "lone \ud800 surrogate \udfff",
    "rtl override": "\u202eexe.txt",
    "100 KB": "big " + "x" * 100_000,
}


def _assert_inert(body: dict[str, Any]) -> None:
    """Discord takes it, nothing in it pings, no masked link, nothing that cannot be encoded or is invisible."""
    check_message(body)
    assert live_mentions(body) == []
    everything = json.dumps(body, ensure_ascii=False)
    everything.encode("utf-8")  # no lone surrogate left, labels included
    assert "\\u0000" not in everything and "\u202e" not in everything
    shown = json.dumps({"content": body.get("content"), "embeds": body.get("embeds")}, ensure_ascii=False)
    assert "](https://evil" not in shown and "@everyone" not in shown and "@here" not in shown


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_translate_makes_hostile_text_inert_and_sendable(payload: str) -> None:
    """As text, title, field and button label: every message is sendable and nothing in it is live."""
    replies = [
        Reply(payload),
        Reply(payload, title=payload, fields=((payload, payload),), buttons=(Button(payload, "kb:show", "1"),)),
    ]
    for reply in replies:
        messages = reply_messages(reply)
        assert 1 <= len(messages) <= 6
        for message in messages:
            _assert_inert(wire(message))


def test_a_masked_link_shows_its_real_address() -> None:
    """The link text cannot hide where it goes: the address is shown next to it."""
    [message] = reply_messages(Reply(f"please check {EVIL_LINK} now"))
    assert message["content"] == "please check your account (<https://evil.example/login>) now"


def _replies_to(call: Call, message_id: str) -> bool:
    reference = call.body.get("message_reference") if isinstance(call.body, dict) else None
    return str((reference or {}).get("message_id")) == message_id


def _sent_by_the_bot(calls: list[Call]) -> list[dict[str, Any]]:
    return [c.body.get("data", c.body) for c in calls if c.method == "POST" and isinstance(c.body, dict)]


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
async def test_hostile_text_through_the_stand_in(bot: Bot, payload: str) -> None:
    """As an /ask question, a mention and a posted message: answered, accepted by Discord, nothing live."""
    asked = await bot.ask(payload)
    assert asked.body["type"] in (4, 5)
    mention = dict(fixture("message_create"), id="1800000000000000777", content=f"<@{BOT_ID}> {payload}")
    await bot.standin.dispatch("MESSAGE_CREATE", mention)
    await bot.standin.wait_for(lambda c: _replies_to(c, mention["id"]))
    await bot.adapter.send(routed(Reply(payload, channel=HELP_CHANNEL, platform="discord")))
    sent = _sent_by_the_bot(bot.standin.calls)
    assert len(sent) >= 3 and not bot.standin.refused
    for body in sent:
        if body.get("content") or body.get("embeds"):
            _assert_inert(body)
