"""Discord sends that can fail, fail well; long answers, exports, private forms and roles per server, on the wire."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.send import FALLBACK
from adapters.discord.translate import nonce_for
from bot.errors import DeliveryError
from bot.events import Event, Reply
from storage.leads import NewLead, insert_lead, list_leads
from tests.adapters import discord_bot
from tests.adapters.discord_bot import LONG_RECIPE_BODY, LONG_RECIPE_QUESTION, Bot, buttons
from tests.adapters.discord_rules import Refusal, error, invalid_form_body
from tests.adapters.discord_standin import (
    BOT_ID,
    HELP_CHANNEL,
    MEMBER_ID,
    OTHER_CHANNEL,
    OTHER_GUILD_ID,
    OTHER_STAFF_ROLE,
    STAFF_CHANNEL,
    STAFF_ROLE,
    Call,
    fixture,
)
from tests.conftest import DbTarget, routed

bot = discord_bot.bot
db_target = discord_bot.db_target

DM_CHANNEL = "155" + MEMBER_ID[3:]  # the stand-in's DM channel with the member


def _texts(calls: list[Call]) -> str:
    """Everything the calls showed: content, embed titles and descriptions, in order."""
    parts = []
    for call in calls:
        data = call.body.get("data", call.body)
        if data.get("content"):
            parts.append(data["content"])
        parts += [f"{e.get('title') or ''}\n{e.get('description') or ''}" for e in data.get("embeds") or []]
    return "\n".join(parts)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith(("adapters", "discord"))]


async def test_a_10000_character_recipe_answers_in_full_within_discord_limits(bot: Bot) -> None:
    """The answer continues in follow-ups; every part is accepted; the buttons come once, on the last part."""
    first = await bot.ask(LONG_RECIPE_QUESTION)
    await bot.standin.wait_for(lambda c: c.path.startswith("/webhooks/") and "Week 35" in json.dumps(c.body))
    parts = [first, *[c for c in bot.standin.sent if c.path.startswith("/webhooks/")]]
    text = _texts(parts)
    assert len(LONG_RECIPE_BODY) > 9000 and text.startswith("The semester marathon syllabus\nWeek 1: ")
    weeks = [text.index(f"Week {n}: ") for n in range(1, 36)]
    assert weeks == sorted(weeks)  # every week, in order
    assert " ".join(text.split()).endswith(" ".join(LONG_RECIPE_BODY.split()[-12:]))
    assert [buttons(c) for c in parts[:-1]] == [[]] * (len(parts) - 1)
    assert [label for label, _ in buttons(parts[-1])] == ["Helpful", "Not helpful", "More results", "Ask a human"]


async def test_a_refused_answer_is_logged_once_and_the_user_gets_a_short_fallback(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """Discord refuses the answer: one warning with Discord's code, no traceback, and a private "sorry"."""
    bot.standin.allow_refusals = True
    bot.standin.fail("/callback", invalid_form_body([(("content",), "BASE_TYPE_MAX_LENGTH", "Too long.")]))
    with caplog.at_level(logging.INFO):
        answered = await bot.ask("how many people should be in a learning circle")
    assert [c.status for c in bot.standin.calls if c.path.endswith("/callback")] == [400, 200]
    assert answered.body == {
        "type": 4,
        "data": {"content": FALLBACK, "flags": 64, "allowed_mentions": {"parse": []}, "tts": False},
    }
    warnings = _warnings(caplog)
    assert [r.getMessage() for r in warnings] == ["Discord refused an interaction answer: 400/50035 Invalid Form Body"]
    assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.WARNING)


async def test_a_refused_reply_to_a_mention_falls_back_in_the_channel(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A reply Discord refuses is logged once; a short apology takes its place."""
    bot.standin.allow_refusals = True
    bot.standin.fail(f"/channels/{HELP_CHANNEL}/messages", error(400, 50035, "Invalid Form Body"))
    await bot.standin.dispatch("MESSAGE_CREATE", fixture("message_create"))
    sorry = await bot.standin.wait_for(lambda c: c.path == f"/channels/{HELP_CHANNEL}/messages")
    assert sorry.body["content"] == FALLBACK and sorry.body["allowed_mentions"] == {"parse": []}
    assert [r.getMessage() for r in _warnings(caplog)] == [
        "Discord refused a reply to a message: 400/50035 Invalid Form Body"
    ]


@pytest.mark.parametrize(
    ("refusal", "code", "permanent"),
    [
        (error(404, 10003, "Unknown Channel"), "404/10003", True),
        (invalid_form_body([(("content",), "BASE_TYPE_MAX_LENGTH", "Too long.")]), "400/50035", True),
        (error(403, 50013, "Missing Permissions"), "403/50013", True),
        (Refusal(503, {"message": "upstream connect error", "code": 0}), "503", False),
    ],
)
async def test_post_raises_delivery_error_saying_whether_a_retry_can_help(
    bot: Bot, refusal: Refusal, code: str, permanent: bool
) -> None:
    """The scheduler keeps what Discord failed (5xx) and drops what it refused (4xx)."""
    bot.standin.allow_refusals = True
    bot.standin.fail(f"/channels/{HELP_CHANNEL}/messages", refusal)
    with pytest.raises(DeliveryError) as caught:
        await bot.adapter.send(routed(Reply("Check-in time", channel=HELP_CHANNEL, platform="discord")))
    assert (caught.value.platform, caught.value.code, caught.value.permanent) == ("discord", code, permanent)


async def test_post_to_an_unknown_channel_is_permanent(bot: Bot) -> None:
    """A channel Discord does not know: a permanent DeliveryError (no retry can help)."""
    bot.standin.allow_refusals = True
    with pytest.raises(DeliveryError) as caught:
        await bot.adapter.send(routed(Reply("Check-in time", channel="1500000000000000077", platform="discord")))
    assert (caught.value.code, caught.value.permanent) == ("404/10003", True)


async def test_post_when_discord_is_unreachable_can_be_retried(bot: Bot) -> None:
    """No network: not permanent, so the scheduler tries again later."""
    await bot.standin.kill_network()
    with pytest.raises(DeliveryError) as caught:
        await bot.adapter.send(routed(Reply("Check-in time", channel=HELP_CHANNEL, platform="discord")))
    assert caught.value.permanent is False and caught.value.code == "ClientConnectorError"


async def test_rate_limited_post_waits_and_arrives_once(bot: Bot) -> None:
    """429 with retry_after: discord.py waits and sends again; one message arrives."""
    bot.standin.allow_refusals = True
    bot.standin.rate_limit(f"/channels/{HELP_CHANNEL}/messages", retry_after=0.2)
    await bot.adapter.send(routed(Reply("Check-in time", channel=HELP_CHANNEL, platform="discord")))
    posts = [c for c in bot.standin.calls if c.path == f"/channels/{HELP_CHANNEL}/messages"]
    assert [c.status for c in posts] == [429, 200] and posts[1].body["content"] == "Check-in time"


async def test_a_retried_scheduled_message_is_created_once(bot: Bot) -> None:
    """Reply.key becomes the nonce with enforce_nonce: sending the same message again creates nothing new."""
    reply = Reply("Check-in time", channel=HELP_CHANNEL, platform="discord", key="checkin:7:2026-11-27T18:00")
    await bot.adapter.send(routed(reply))
    await bot.adapter.send(routed(reply))
    posts = [c for c in bot.standin.calls if c.path == f"/channels/{HELP_CHANNEL}/messages"]
    assert [(c.body["nonce"], c.body["enforce_nonce"]) for c in posts] == [(nonce_for(reply.key or ""), True)] * 2
    assert len({c.answer["id"] for c in posts}) == 1 and len(nonce_for(reply.key or "")) <= 25


def _staff() -> dict[str, Any]:
    member = copy.deepcopy(fixture("interaction_command")["member"])
    member["roles"] = [STAFF_ROLE]
    return member


async def _add_lead(bot: Bot) -> None:
    async with bot.app.db.session() as session:
        new = NewLead("Ada", "ada@example.org", "Library", "pilot", "A circle", "March", "", "discord", MEMBER_ID)
        await insert_lead(session, new, datetime(2026, 11, 27, tzinfo=UTC))


async def test_leads_export_arrives_as_an_attached_csv(bot: Bot) -> None:
    """Staff get the CSV attached to their private answer."""
    await _add_lead(bot)
    data = {"id": "1", "name": "leads", "type": 1, "options": [{"type": 1, "name": "export", "options": []}]}
    call = await bot.interact("interaction_command", data=data, member=_staff())
    assert call.body["data"]["content"] == "1 lead exported." and call.body["data"]["flags"] == 64
    assert [a["filename"] for a in call.body["data"]["attachments"]] == ["leads.csv"]
    csv = call.files[0].decode()
    assert csv.splitlines()[0].startswith("ref,") and "ada@example.org" in csv


async def test_an_export_over_the_upload_limit_says_so_instead_of_failing(bot: Bot) -> None:
    """Over the limit Discord gives with the interaction: no file, a sentence saying why."""
    await _add_lead(bot)
    data = {"id": "1", "name": "leads", "type": 1, "options": [{"type": 1, "name": "export", "options": []}]}
    call = await bot.interact("interaction_command", data=data, member=_staff(), attachment_size_limit=40)
    assert call.files == [] and call.body["data"]["content"] == "1 lead exported."
    note = await bot.standin.wait_for(lambda c: c.path.startswith("/webhooks/"))
    size = len(note.body["content"])
    assert size > 0 and note.body["content"].startswith("leads.csv is too large to attach here (")
    assert note.body["content"].endswith("Discord takes at most 0.0 MiB). Ask for a smaller export.")
    assert note.body["flags"] == 64


async def test_a_staff_named_role_in_another_server_is_refused_leads_list(bot: Bot) -> None:
    """Someone holding a role named "Staff" in a server the settings do not name is a member here."""
    payload = fixture("interaction_command")
    member = copy.deepcopy(payload["member"])
    member["roles"] = [OTHER_STAFF_ROLE]
    data = {"id": "1", "name": "leads", "type": 1, "options": [{"type": 1, "name": "list", "options": []}]}
    channel = dict(payload["channel"], id=OTHER_CHANNEL, guild_id=OTHER_GUILD_ID)
    call = await bot.interact(
        "interaction_command",
        data=data,
        member=member,
        guild_id=OTHER_GUILD_ID,
        guild=dict(payload["guild"], id=OTHER_GUILD_ID),
        channel_id=OTHER_CHANNEL,
        channel=channel,
    )
    assert call.body["data"] == {
        "content": "Sorry, `leads list` is only for staff.",
        "tts": False,
        "flags": 64,
        "allowed_mentions": {"parse": []},
    }


CONSULT_ANSWERS = ["Ada Lovelace", "ada@example.org", "Library", "1", "A circle on data", "March", "skip", "yes", "no"]


async def test_a_consult_started_by_a_mention_continues_by_dm_where_answers_are_read(bot: Bot) -> None:
    """Nothing personal is asked or echoed in the channel; each answer typed in the DM moves the form on."""
    mention = dict(fixture("message_create"), content=f"<@{BOT_ID}> consult")
    await bot.standin.dispatch("MESSAGE_CREATE", mention)
    note = await bot.standin.wait_for(lambda c: c.path == f"/channels/{HELP_CHANNEL}/messages")
    assert note.body["content"] == "I've sent you a direct message to continue privately."
    first = await bot.standin.wait_for(
        lambda c: c.path == f"/channels/{DM_CHANNEL}/messages" and "(1/9)" in json.dumps(c.body)
    )
    intro = next(c for c in bot.standin.sent if c.path == f"/channels/{DM_CHANNEL}/messages")
    assert intro.body["content"].startswith("Tell us a little about what you'd like to do")
    assert first.body["content"] == ("Work with P2PU (1/9): Your name\nType 'cancel' to stop, 'help' for more.")
    for n, answer in enumerate(CONSULT_ANSWERS, start=1):
        dm = dict(fixture("message_create"), id=str(1800000000000000100 + n), content=answer, mentions=[])
        dm["channel_id"] = DM_CHANNEL
        del dm["member"], dm["guild_id"]  # a DM has neither
        await bot.standin.dispatch("MESSAGE_CREATE", dm)
        if n < len(CONSULT_ANSWERS):
            await bot.standin.wait_for(lambda c, n=n: f"({n + 1}/9)" in json.dumps(c.body))
    thanks = await bot.standin.wait_for(lambda c: "Thank you! Your request is L-0001" in json.dumps(c.body))
    assert thanks.path == f"/channels/{DM_CHANNEL}/messages"
    await bot.standin.wait_for(lambda c: c.path == f"/channels/{STAFF_CHANNEL}/messages")
    async with bot.app.db.session() as session:
        leads = await list_leads(session)
    assert [(lead.name, lead.email, lead.organization) for lead in leads] == [
        ("Ada Lovelace", "ada@example.org", "Library")
    ]
    public = [c for c in bot.standin.calls if c.path == f"/channels/{HELP_CHANNEL}/messages"]
    assert [c.body["content"] for c in public] == ["I've sent you a direct message to continue privately."]


async def test_an_interaction_deferred_too_late_is_logged_once_without_a_traceback(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Past Discord's window even the "thinking" answer is refused (10062): one warning, nothing else sent."""
    bot.standin.allow_refusals = True
    bot.standin.response_window = 0.05
    monkeypatch.setattr("adapters.discord.app._DEFER_AFTER", 0.2)
    handle = bot.adapter._handle

    async def slow(event: Event) -> list[Reply]:
        await asyncio.sleep(0.3)
        return await handle(event)

    monkeypatch.setattr(bot.adapter, "_handle", slow)
    payload = dict(fixture("interaction_command"), id="1619999999999999999", token="late")
    await bot.standin.dispatch("INTERACTION_CREATE", payload)
    refused = await bot.standin.wait_for(lambda c: c.path.endswith("/late/callback"), accepted=False)
    assert (refused.status, refused.answer) == (404, {"code": 10062, "message": "Unknown interaction"})
    await asyncio.wait_for(asyncio.gather(*bot.adapter._inflight), 5)  # the event's task has finished
    assert [r.getMessage() for r in _warnings(caplog)] == [
        "Discord refused a deferred answer: 404/10062 Unknown interaction"
    ]
    assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.WARNING)
    assert [c.path for c in bot.standin.calls if "late" in c.path] == [
        "/interactions/1619999999999999999/late/callback"
    ]


async def test_an_answer_whose_read_more_link_is_not_a_web_address_is_shown_not_refused(
    db_target: DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A recipe linking ``mailto:`` (or a relative path) is answered in full: Discord takes only http(s) as an
    embed's url, so the address shows in the footer, and the title links nowhere."""
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "write-to-us.md").write_text(
        '---\ntitle: "Writing to the P2PU team"\nquestions:\n  - "how do I email the p2pu team"\n'
        'links:\n  - "mailto:team@p2pu.org"\n---\n\nWrite to the team; someone answers within two days.\n',
        encoding="utf-8",
    )
    async with discord_bot.running_bot(db_target, tmp_path, monkeypatch) as started:
        call = await started.ask("how do I email the p2pu team")
    (embed,) = call.body["data"]["embeds"]
    assert (call.status, embed["title"], embed["footer"], "url" in embed) == (
        200,
        "Writing to the P2PU team",
        {"text": "mailto:team@p2pu.org"},
        False,
    )
    assert embed["description"] == "Write to the team; someone answers within two days."
