"""What users see on Slack, through the strict stand-in: escaped text, long answers, refused sends, files, forms."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.app import SlackAdapter
from adapters.slack.translate import BODY_LIMIT, event_to_core, notification_text
from bot.errors import DeliveryError
from bot.events import Button, Reply
from bot.main.wiring import BotApp
from tests.adapters.slack_blockkit import MAX_BLOCKS_TEXT, blocks_text_length
from tests.adapters.slack_standin import (
    FOLLOW_UP_ANSWER,
    SECRET,
    SlackApi,
    fixture,
    follow_up,
    mrkdwn_texts,
    post_event,
    post_form,
    serving,
)
from tests.conftest import Clock, DbTarget, make_settings, routed

LONG_RECIPE_WORDS = 1_234  # 10,000 characters


@pytest.fixture
async def bot(tmp_path: Path, clock: Clock) -> AsyncIterator[BotApp]:
    """A bot with a 10,000-character recipe, U0SAM as staff and U0FAY as a facilitator."""
    recipes = tmp_path / "kb" / "long"
    recipes.mkdir(parents=True)
    body = " ".join(f"word{n}" + ("\n\n" if n % 100 == 99 else "") for n in range(LONG_RECIPE_WORDS))
    assert 10_000 <= len(body) < 10_200
    (recipes / "recipe.md").write_text(f'---\ntitle: "A long recipe"\n---\n\n{body}\n')
    settings = make_settings(
        DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'delivery.db'}", None),
        tmp_path,
        roles={"staff": ["slack:U0SAM"], "facilitators": ["slack:U0FAY"]},
        knowledge_dirs=[str(tmp_path / "kb")],
    )
    app = BotApp(settings, clock=clock)
    await app.start()
    yield app
    await app.close()


@pytest.fixture
async def slack(bot: BotApp) -> AsyncIterator[tuple[str, SlackApi, SlackAdapter]]:
    async with serving() as api:
        adapter = SlackAdapter(bot.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/")
        port = await adapter.start(host="127.0.0.1", port=0)
        yield f"http://127.0.0.1:{port}/slack/events", api, adapter
        await adapter.stop()


def command(api: SlackApi, text: str, *, user: str = "U0ANN", channel: str = "C0GENERAL") -> dict[str, str]:
    """A /communitybot slash command with a fresh trigger id."""
    return {
        **fixture("slash_consult.json"),
        "command": "/communitybot",
        "text": text,
        "user_id": user,
        "channel_id": channel,
        "trigger_id": api.trigger(),
    }


async def test_kb_show_echo_is_escaped_everywhere(slack: tuple[str, SlackApi, SlackAdapter]) -> None:
    """`kb show <!here>` answers with the id shown, escaped in the notification text and the body alike."""
    url, api, _ = slack
    await post_form(url, command(api, "kb show <!here>"))
    (sent,) = await api.wait_for("chat.postEphemeral")
    assert sent["text"] == "There is no recipe with id '&lt;\u200b!here&gt;'. Try kb search to find one."
    assert [b["text"]["text"] for b in sent["blocks"]] == [
        "There is no recipe with id '&lt;\u200b!here&gt;'. Try `kb search` to find one."
    ]


async def test_checkin_name_never_pings_at_creation_or_in_prompts(
    slack: tuple[str, SlackApi, SlackAdapter], bot: BotApp
) -> None:
    """`checkin create <!channel> circle`: the confirmation and every later prompt carry the name escaped."""
    url, api, adapter = slack
    await post_form(url, command(api, "checkin create <!channel> circle --tz UTC", user="U0FAY", channel="C0MAPS"))
    (created,) = await api.wait_for("chat.postMessage")
    assert created["text"] == (
        "Study group &lt;\u200b!channel&gt; circle created here (time zone UTC); you are its facilitator. "
        "Next: checkin schedule tue 18:00 --weeks 6."
    )
    await post_form(url, command(api, "checkin schedule tue 17:00 --weeks 2", user="U0FAY", channel="C0MAPS"))
    await api.wait_for("chat.postMessage", 2)
    for prompt in await bot.scheduler.tick(datetime(2026, 3, 3, 17, 0, tzinfo=UTC)):
        await adapter.send(routed(prompt))
    posts = await api.wait_for("chat.postMessage", 3)
    assert posts[2]["text"] == "Check-in: &lt;\u200b!channel&gt; circle"
    for params in posts:
        for text in mrkdwn_texts(params):
            assert "<!channel>" not in text


def test_notification_text_is_plain_escaped_and_short() -> None:
    """The top-level text drops Markdown, writes links out, escapes Slack's controls and stays under 300 chars."""
    reply = Reply("**Bold** and `code` <@U0SAM> [click](https://evil.example) & more")
    assert notification_text(reply) == "Bold and code &lt;@U0SAM&gt; click (https://evil.example) &amp; more"
    assert notification_text(Reply("x " * 1000)) == ("x " * 150).strip() + "…"


def test_only_the_bots_own_mention_is_stripped() -> None:
    """A question that mentions someone else keeps that mention; only `<@BOT>` is removed."""
    event = fixture("app_mention.json")
    event["event"]["text"] = "<@U0BOT> should I ask <@U0SAM> about venues?"
    message = event_to_core(event, "U0BOT")
    assert message is not None and message.text == "should I ask <@U0SAM> about venues?"


async def test_a_10000_character_recipe_is_answered_within_slacks_limits(
    slack: tuple[str, SlackApi, SlackAdapter],
) -> None:
    """`kb show` of a 10,000-character recipe is accepted by the strict stand-in and shows all of it."""
    url, api, _ = slack
    await post_form(url, command(api, "kb show long/recipe"))
    (sent,) = await api.wait_for("chat.postMessage")
    sections = [b["text"]["text"] for b in sent["blocks"] if b["type"] == "section"]
    assert sent["text"] == "A long recipe" and sent["blocks"][0]["text"]["text"] == "A long recipe"
    assert len(sections) == 4 and all(len(s) <= 3000 for s in sections)
    shown = " ".join(" ".join(sections).split())
    assert shown == " ".join(f"word{n}" for n in range(LONG_RECIPE_WORDS))
    assert api.of("chat.postEphemeral") == []  # no fallback: Slack took it


TRIMMED_NOTE = "_(trimmed: the rest did not fit in one Slack message)_"


def sections_of(sent: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in sent["blocks"] if b["type"] == "section"]


@pytest.mark.parametrize("extra", [0, 1])
async def test_a_body_at_its_limit_is_sent_whole_and_one_past_it_is_trimmed(
    slack: tuple[str, SlackApi, SlackAdapter], extra: int
) -> None:
    """A body of exactly 11,000 characters is sent whole; 11,001 is cut at a word, with a note; Slack takes both."""
    _, api, adapter = slack
    text = "word " * 2199 + "words" + "!" * extra
    assert len(text) == BODY_LIMIT + extra == 11_000 + extra
    await adapter.send(routed(Reply(text, platform="slack", channel="C0MAPS")))
    (sent,) = api.of("chat.postMessage")
    sections = sections_of(sent)
    assert all(len(piece) <= 3000 for piece in sections)
    if extra == 0:
        assert " ".join(sections) == text
    else:
        shown = " ".join(sections)
        assert shown.endswith("\n\n" + TRIMMED_NOTE) and len(shown) <= BODY_LIMIT
        assert text.startswith(shown.removesuffix("\n\n" + TRIMMED_NOTE) + " ")


async def test_title_all_buttons_and_a_long_body_fit_slacks_text_limit_for_blocks(
    slack: tuple[str, SlackApi, SlackAdapter],
) -> None:
    """Title of 150, 25 buttons of 75 and a body of 11,000: Slack takes it, title and buttons whole, the body cut."""
    _, api, adapter = slack
    buttons = tuple(Button(f"{n:02d}" + "b" * 73, "kb:helpful", str(n)) for n in range(25))
    title = "T" * 150
    await adapter.send(
        routed(Reply("word " * 2199 + "words", title=title, buttons=buttons, platform="slack", channel="C0M"))
    )
    (sent,) = api.of("chat.postMessage")
    assert blocks_text_length(sent["blocks"]) <= MAX_BLOCKS_TEXT
    assert sent["text"] == title and sent["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": title},
    }
    shown = [(e["text"]["text"], e["value"]) for b in sent["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert shown == [(b.label, b.value) for b in buttons]
    assert sections_of(sent)[-1].endswith("\n\n" + TRIMMED_NOTE)


async def test_a_refused_reply_is_logged_once_and_the_user_gets_a_fallback(
    slack: tuple[str, SlackApi, SlackAdapter], caplog: pytest.LogCaptureFixture
) -> None:
    """When Slack refuses an answer, one warning names Slack's code and the asker gets a short private note."""
    url, api, _ = slack
    api.fail_next["chat.postMessage"] = (200, "invalid_blocks")
    with caplog.at_level(logging.INFO):
        await post_event(url, fixture("app_mention.json"))
        (fallback,) = await api.wait_for("chat.postEphemeral")
    assert fallback["channel"] == "C0GENERAL" and fallback["user"] == "U0ANN"
    assert fallback["text"] == (
        "Sorry, Slack would not show my reply here (invalid_blocks). Please try again, or ask me in a direct message."
    )
    refusals = [r for r in caplog.records if "invalid_blocks" in r.getMessage()]
    assert [(r.levelname, r.getMessage()) for r in refusals] == [
        ("WARNING", "Slack refused a reply in C0GENERAL: invalid_blocks")
    ]


@pytest.mark.parametrize(
    ("failure", "code", "permanent"),
    [
        ((200, "channel_not_found"), "channel_not_found", True),
        ((200, "invalid_blocks"), "invalid_blocks", True),
        ((500, "internal_error"), "internal_error", False),
        ((503, "service_unavailable"), "service_unavailable", False),
    ],
)
async def test_post_raises_delivery_error_for_the_scheduler(
    slack: tuple[str, SlackApi, SlackAdapter], failure: tuple[int, str], code: str, permanent: bool
) -> None:
    """A scheduled message Slack refuses raises DeliveryError with Slack's code; only 5xx can be retried."""
    _, api, adapter = slack
    api.fail_next["chat.postMessage"] = failure
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(routed(Reply("Time to check in", platform="slack", channel="C0MAPS")))
    assert (raised.value.platform, raised.value.code, raised.value.permanent) == ("slack", code, permanent)


async def test_post_to_an_unreachable_slack_is_a_transient_delivery_error(bot: BotApp) -> None:
    """With nothing listening at the API address, post() raises a DeliveryError a retry may fix."""
    async with serving() as api:
        closed = api.base_url + "/api/"
    adapter = SlackAdapter(bot.dispatcher.handle, "xoxb-test", SECRET, closed)
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(routed(Reply("Reminder", platform="slack", user="U0ANN")))
    assert raised.value.permanent is False and raised.value.code == "ClientConnectorError"


async def test_leads_export_arrives_as_a_file_by_dm(slack: tuple[str, SlackApi, SlackAdapter]) -> None:
    """`leads export` in a channel says so privately and uploads the CSV (files upload v2) to the staff's DM."""
    url, api, _ = slack
    await post_form(url, command(api, "leads export", user="U0SAM"))
    (said,) = await api.wait_for("chat.postEphemeral")
    (completed,) = await api.wait_for("files.completeUploadExternal")
    assert said["text"] == "0 leads exported." and said["user"] == "U0SAM"
    assert [p["users"] for p in api.of("conversations.open")] == ["U0SAM"]
    assert completed["channel_id"] == "D0SAM" and json.loads(completed["files"])[0]["title"] == "leads.csv"
    (data,) = api.uploads.values()
    assert data.decode().splitlines()[0].startswith("ref,")
    assert [p["filename"] for p in api.of("files.getUploadURLExternal")] == ["leads.csv"]


async def test_a_file_over_the_size_limit_is_not_sent_and_the_user_is_told(bot: BotApp) -> None:
    """An export larger than the upload limit is not uploaded; the user reads why."""
    async with serving() as api:
        adapter = SlackAdapter(bot.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/", max_file_bytes=10)
        port = await adapter.start(host="127.0.0.1", port=0)
        try:
            await post_form(f"http://127.0.0.1:{port}/slack/events", command(api, "leads export", user="U0SAM"))
            notes = await api.wait_for("chat.postEphemeral", 2)
        finally:
            await adapter.stop()
    assert notes[1]["text"].startswith("leads.csv is too large to send on Slack (")
    assert notes[1]["text"].endswith("; the limit is 10 bytes).")
    assert api.of("files.getUploadURLExternal") == []


async def test_consult_by_mention_continues_in_a_modal_never_in_the_channel(
    slack: tuple[str, SlackApi, SlackAdapter],
) -> None:
    """`@bot consult` in a channel: a private note with a button; the button opens the modal; nothing is public."""
    url, api, _ = slack
    mention = fixture("app_mention.json")
    mention["event"]["text"] = "<@U0BOT> consult"
    await post_event(url, mention)
    (note,) = await api.wait_for("chat.postEphemeral")
    assert note["user"] == "U0ANN" and note["channel"] == "C0GENERAL"
    (button,) = note["blocks"][1]["elements"]
    assert button["text"]["text"] == "Open the form"
    press = fixture("block_actions.json")
    press["trigger_id"] = api.trigger()
    press["actions"] = [{**press["actions"][0], "action_id": button["action_id"], "value": button["value"]}]
    await post_form(url, {"payload": json.dumps(press)})
    (opened,) = await api.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert [b["block_id"] for b in view["blocks"]] == [
        "name",
        "email",
        "organization",
        "help_kind",
        "description",
        "timeline",
        "budget",
        "consent",
        "consent_offers",
    ]
    assert [b["block_id"] for b in view["blocks"] if b.get("optional")] == ["organization", "budget", "consent_offers"]
    assert json.loads(view["private_metadata"])["channel"] == "C0GENERAL"
    submission = fixture("view_submission.json")
    submission["trigger_id"] = api.trigger()
    submission["view"]["private_metadata"] = view["private_metadata"]
    submission["view"]["state"]["values"]["email"]["value"]["value"] = "ann@example.org"
    assert await post_form(url, {"payload": json.dumps(submission)}) == (200, "")
    await api.wait_for("chat.postMessage", 2)
    await post_event(url, follow_up())
    posts = await api.wait_for("chat.postMessage", 3)
    assert {p["channel"]: p["text"] for p in posts} == {  # nothing was asked or said in the channel
        "U0ANN": "Thank you! Your request is L-0001. Someone from the team will be in touch by email.",
        "staff": "New consulting request L-0001",
        "D0ANN": FOLLOW_UP_ANSWER,
    }
    assert [(e["channel"], e["user"]) for e in api.of("chat.postEphemeral")] == [("C0GENERAL", "U0ANN")]


async def test_consult_in_the_bots_dm_is_asked_step_by_step_there(slack: tuple[str, SlackApi, SlackAdapter]) -> None:
    """In the bot's DM the form is asked field by field, and the answer typed there continues it."""
    url, api, _ = slack
    for n, text in enumerate(("consult", "Ann Lee")):
        message = fixture("message_im.json")
        message["event_id"] = f"Ev0DM{n}"
        message["event"]["text"] = text
        await post_event(url, message)
        await api.wait_for("chat.postMessage", n + 2)
    posts = api.of("chat.postMessage")
    assert {p["channel"] for p in posts} == {"D0ANN"} and api.of("chat.postEphemeral") == []
    assert posts[1]["blocks"][0]["text"]["text"].startswith("Work with P2PU (1/9): Your name")
    assert posts[2]["blocks"][0]["text"]["text"].startswith("Work with P2PU (2/9): Email")


async def test_checkin_summary_shows_answers_escaped_and_links_unmasked(
    slack: tuple[str, SlackApi, SlackAdapter], bot: BotApp
) -> None:
    """An answer with `<!channel>` and a Markdown link reaches the summary shown, not live, the address in view."""
    url, api, adapter = slack
    await post_form(url, command(api, "checkin create Maps --tz UTC", user="U0FAY", channel="C0MAPS"))
    await post_form(url, command(api, "checkin schedule tue 17:00 --weeks 2", user="U0FAY", channel="C0MAPS"))
    await api.wait_for("chat.postMessage", 2)
    (prompt,) = await bot.scheduler.tick(datetime(2026, 3, 3, 17, 0, tzinfo=UTC))
    press = fixture("block_actions.json")
    press.update(trigger_id=api.trigger(), channel={"id": "C0MAPS", "name": "maps"})
    press["actions"][0].update(action_id="checkin:answer|0", value=prompt.buttons[0].value)
    bot.dispatcher.clock = lambda: datetime(2026, 3, 3, 17, 30, tzinfo=UTC)
    await post_form(url, {"payload": json.dumps(press)})
    (opened,) = await api.wait_for("views.open")
    submission = fixture("view_submission.json")
    submission["trigger_id"] = api.trigger()
    submission["view"]["private_metadata"] = opened["view"]["private_metadata"]
    answer = "<!channel> read [this](https://evil.example)"
    submission["view"]["state"]["values"] = {
        f"q{i}": {"value": {"type": "plain_text_input", "value": answer if i == 0 else ""}} for i in range(3)
    }
    assert await post_form(url, {"payload": json.dumps(submission)}) == (200, "")
    await api.wait_for("chat.postEphemeral")
    summaries = [
        r for r in await bot.scheduler.tick(datetime(2026, 3, 4, 17, 1, tzinfo=UTC)) if "summary" in (r.title or "")
    ]
    for summary in summaries:
        await adapter.send(routed(summary))
    posted = (await api.wait_for("chat.postMessage", 3))[2]
    body = "\n".join(b["text"]["text"] for b in posted["blocks"] if b["type"] == "section")
    assert posted["text"] == "Check-in summary: Maps, Tue 03 Mar"
    # The core breaks the masked link (bot.usertext.quote) and the adapter escapes the ping: both stay visible text.
    assert "• U0ANN: &lt;\u200b!channel&gt; read [this]\u200b(https://evil.example)" in body.splitlines()
    assert "<!channel>" not in body and "|this>" not in body
