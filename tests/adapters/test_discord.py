"""The Discord adapter: pure translation from fixtures, then the unchanged discord.py client against a loopback
stand-in for Discord's REST API and gateway (tests/adapters/discord_standin.py)."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path

import discord
import pytest
import yarl

from adapters.discord.app import DiscordAdapter, invite_url
from adapters.discord.modals import page_modal
from adapters.discord.translate import (
    MODAL_LIMIT,
    NO_PINGS,
    command_text,
    component_to_core,
    message_to_core,
    modal_values,
    origin_of,
    reply_kwargs,
    reply_messages,
    safe_text,
    text_input,
)
from bot.events import Action, Button, FormPage, Message, Reply, Visibility
from bot.features.leads import consult_form
from bot.forms.engine import page_bounds
from bot.settings import Settings
from storage.leads import list_leads
from storage.questions import get_question
from tests.adapters import discord_bot
from tests.adapters.discord_bot import Bot, buttons, custom_ids, embed_titles, modal_defaults
from tests.adapters.discord_rules import check_message
from tests.adapters.discord_standin import (
    BOT_ID,
    GUILD_ID,
    HELP_CHANNEL,
    MEMBER_ID,
    OTHER_GUILD_ID,
    STAFF_ROLE,
    Call,
    fixture,
    wire,
)
from tests.conftest import routed

bot = discord_bot.bot  # the wire-level fixtures, shared with the other Discord test modules
db_target = discord_bot.db_target


# -- pure translation ---------------------------------------------------------------------------------------------


def test_slash_command_payload_becomes_core_text() -> None:
    payload = fixture("interaction_command")
    assert command_text(payload["data"]) == "ask how many people should be in a learning circle"
    nested = {
        "name": "checkin",
        "options": [{"type": 1, "name": "schedule", "options": [{"name": "args", "type": 3, "value": "Tue 18:00"}]}],
    }
    assert command_text(nested) == "checkin schedule Tue 18:00"
    assert command_text({"name": "help"}) == "help"


def test_origin_carries_user_channel_roles_and_dm() -> None:
    payload = fixture("interaction_command")
    payload["member"]["roles"] = [STAFF_ROLE]
    origin = origin_of(payload, ["Staff"], modals=True, guilds=[GUILD_ID])
    assert (origin.platform, origin.channel, origin.user) == ("discord", HELP_CHANNEL, MEMBER_ID)
    assert origin.platform_roles == {STAFF_ROLE, "Staff"} and not origin.is_dm and origin.supports_modals
    dm = dict(payload, guild_id=None)
    assert origin_of(dm, modals=False, guilds=[GUILD_ID]).is_dm


def test_roles_count_only_in_configured_servers() -> None:
    """A role named like the staff role, held in a server the settings do not name, counts for nothing."""
    payload = dict(fixture("interaction_command"), guild_id=OTHER_GUILD_ID)
    payload["member"] = dict(payload["member"], roles=["1400000000000000077"])
    assert origin_of(payload, ["Staff"], modals=True, guilds=[GUILD_ID]).platform_roles == frozenset()
    assert origin_of(payload, ["Staff"], modals=True).platform_roles == frozenset()  # no server configured


def test_mentions_and_dms_become_questions_and_bots_are_ignored() -> None:
    payload = fixture("message_create")
    message = message_to_core(payload, BOT_ID)
    assert message is not None and message.text == "how long should each meeting be?" and message.is_mention
    assert message.origin.thread == payload["id"]
    plain = dict(payload, content="just chatting", mentions=[])
    assert message_to_core(plain, BOT_ID) is None  # not addressed to the bot
    assert message_to_core(plain, BOT_ID, help_channels=[HELP_CHANNEL]) is not None  # a help channel
    bot = dict(payload, author={"id": "42", "bot": True})
    assert message_to_core(bot, BOT_ID) is None
    webhook = dict(payload, author={"id": "43", "username": "Announcements"}, webhook_id="43")  # no author.bot
    assert message_to_core(webhook, BOT_ID) is None
    dm = dict(plain, guild_id=None)
    assert message_to_core(dm, BOT_ID) is not None


def test_button_and_modal_payloads() -> None:
    action = component_to_core(fixture("interaction_component"))
    assert isinstance(action, Action) and (action.action_id, action.value) == ("kb:unhelpful", "1")
    other = copy.deepcopy(fixture("interaction_component"))
    other["data"]["custom_id"] = "kb-human-v1"  # a button of an older version: the core says it is stale
    assert (component_to_core(other).action_id, component_to_core(other).value) == ("kb-human-v1", "")
    assert modal_values(fixture("interaction_modal")["data"]) == {"name": "Ada Lovelace", "email": "ada@example.org"}


def test_replies_never_ping_and_carrybuttons() -> None:
    reply = Reply("@everyone look", title="Hi @here", buttons=(Button("Helpful", "kb:helpful", "7"),))
    kwargs = reply_kwargs(reply)
    assert kwargs["allowed_mentions"] == NO_PINGS
    assert "@everyone" not in kwargs["embed"].description and "@here" not in kwargs["embed"].title
    assert [(item.item.label, item.custom_id) for item in kwargs["view"].children] == [("Helpful", "cb|kb:helpful|7")]
    assert reply_kwargs(Reply("secret", visibility=Visibility.EPHEMERAL))["ephemeral"] is True
    assert safe_text("mail me @ home") == "mail me @ home"
    too_long = Button("x", "kb:show", "y" * 120)
    assert "view" not in reply_kwargs(Reply("t", buttons=(too_long,)))  # left out: it cannot fit a custom_id


EXTREMES = {
    "long text": Reply("word " * 2_000),
    "long text in an embed": Reply("word " * 2_000, title="t" * 300, link="https://example.org/" + "p" * 3000),
    "many big fields": Reply("text", title="Lead", fields=tuple((f"n{i}" * 100, "v" * 2000) for i in range(30))),
    "many buttons": Reply("pick", buttons=tuple(Button("label " * 30, "kb:show", str(i % 30)) for i in range(40))),
    "empty with buttons": Reply("", buttons=(Button("Open", "consult:open"),)),
}


@pytest.mark.parametrize("reply", EXTREMES.values(), ids=EXTREMES.keys())
def test_every_message_of_a_reply_is_one_discord_takes(reply: Reply) -> None:
    """Whatever the core says, each message fits Discord's limits; buttons come once, at most 25, ids unique."""
    messages = [wire(m) for m in reply_messages(reply)]
    for body in messages:
        check_message(body)
    ids = [b["custom_id"] for m in messages for row in m.get("components", []) for b in row["components"]]
    assert len(ids) == len(set(ids)) == min(25, len({b.value for b in reply.buttons}))
    assert all("components" not in m for m in messages[:-1])


def test_long_forms_split_into_modals_of_five() -> None:
    """The core's pages for a Discord origin hold at most five inputs, and each modal fits Discord's limits."""
    form = consult_form("P2PU")
    pages, _, _ = page_bounds(len(form.fields), MODAL_LIMIT, 0)
    modals = [
        page_modal(form, FormPage("t", n, pages, *page_bounds(len(form.fields), MODAL_LIMIT, n)[1:]))
        for n in range(pages)
    ]
    assert [len(m.children) for m in modals] == [5, len(form.fields) - 5]
    assert [m.title for m in modals] == ["Work with P2PU (1/2)", "Work with P2PU (2/2)"]
    assert [m.custom_id for m in modals] == ["form|t|0", "form|t|1"]
    for field in form.fields:
        item = text_input(field)
        assert len(item.text) <= 45 and (item.description is None or len(item.description) <= 100)
        assert item.component.custom_id == field.name


def test_invite_url_asks_for_exactly_what_the_bot_needs() -> None:
    url = yarl.URL(invite_url(1100000000000000001))
    assert url.query["client_id"] == "1100000000000000001"
    assert set(url.query["scope"].split()) == {"bot", "applications.commands"}
    permissions = discord.Permissions(int(url.query["permissions"]))
    assert permissions.send_messages and permissions.embed_links and permissions.attach_files
    assert not permissions.administrator and not permissions.mention_everyone and not permissions.manage_messages
    assert permissions.manage_threads  # forum tags on members' posts


# -- end to end with discord.py against the stand-in ----------------------------------------------------------


async def test_logs_in_without_the_privileged_intent_and_syncs_commands(bot: Bot) -> None:
    intents = discord.Intents._from_value(bot.standin.identify["intents"])
    assert not intents.message_content and not intents.members and intents.guild_messages
    synced = next(c for c in bot.standin.calls if c.path.endswith("/guilds/1200000000000000001/commands"))
    assert synced.method == "PUT"
    # What members see in the command picker: every command the registry gives Discord, each group's words.
    tree = {c["name"]: c for c in bot.standin.commands[synced.path]}
    expected = {s.name: s for s in bot.app.registry.slash_commands()}
    assert list(tree) == list(expected)
    for name, command in tree.items():
        assert command["description"] == expected[name].slash.description
        subs = [o["name"] for o in command.get("options", []) if o["type"] == 1]
        assert subs == [sub.name for sub in expected[name].subcommands]
    ask = tree["ask"]["options"]
    assert [(o["name"], o["description"], o["required"], o["autocomplete"]) for o in ask] == [
        ("question", "What do you want to know?", True, True)
    ]
    help_ = tree["help"]["options"]
    assert [(o["name"], o["description"], o["required"], o["autocomplete"]) for o in help_] == [
        ("topic", "only the commands starting with these words, e.g. checkin", False, True)
    ]


async def test_ask_answers_with_the_recipe_and_buttons(bot: Bot) -> None:
    call = await bot.ask("how many people should be in a learning circle")
    assert call.body["type"] == 4  # CHANNEL_MESSAGE_WITH_SOURCE, within the 3 seconds
    assert embed_titles(call) == ["How big should a learning circle be?"]
    assert buttons(call) == [
        ("Helpful", "cb|kb:helpful|1"),
        ("Not helpful", "cb|kb:unhelpful|1"),
        ("More results", "cb|kb:more|1"),
        ("Ask a human", "cb|kb:human|1"),
    ]
    assert call.body["data"]["allowed_mentions"] == {"parse": []}


async def test_not_helpful_is_recorded_even_after_a_restart_of_the_view(bot: Bot) -> None:
    """The button is a dynamic item: its custom_id alone is enough, as after a restart."""
    answer = await bot.ask("how many people should be in a learning circle")
    unhelpful = next(i for i in custom_ids(answer) if i.startswith("cb|kb:unhelpful|"))
    call = await bot.press(unhelpful)
    assert call.body["data"]["flags"] == 64  # ephemeral thanks
    async with bot.app.db.session() as session:
        asked = await get_question(session, int(unhelpful.rsplit("|", 1)[1]))
    assert asked is not None and asked.feedback == "not_helpful"


async def test_a_button_or_form_of_an_older_version_is_answered_not_left_to_fail(bot: Bot) -> None:
    """A button whose custom_id the bot no longer makes, and a modal (the fixture's older page id) it no longer opens,
    are answered privately in time; unanswered, Discord would show "This interaction failed"."""
    for call, text in (
        (await bot.press("kb-human-v1"), "That button no longer does anything."),
        (await bot.press("form|consult|0"), "That button no longer does anything."),  # a page id, on no button
        (await bot.interact("interaction_modal"), "That form is no longer open."),
    ):
        assert call.body == {
            "type": 4,
            "data": {"tts": False, "content": text, "flags": 64, "allowed_mentions": {"parse": []}},
        }


async def test_everyone_in_a_question_never_pings(bot: Bot) -> None:
    call = await bot.ask("@everyone @here how do I promote my learning circle")
    raw = json.dumps(call.body)
    assert "@everyone" not in raw and "@here" not in raw
    assert call.body["data"]["allowed_mentions"] == {"parse": []}


async def test_members_are_refused_leads_and_staff_role_is_allowed(bot: Bot) -> None:
    refused = await bot.command("leads", "list")
    assert refused.body["data"]["flags"] == 64 and "only for staff" in refused.body["data"]["content"]
    member = copy.deepcopy(fixture("interaction_command")["member"])
    member["roles"] = [STAFF_ROLE]
    data = {"id": "1", "name": "leads", "type": 1, "options": [{"type": 1, "name": "list", "options": []}]}
    allowed = await bot.interact("interaction_command", data=data, member=member)
    assert "only for staff" not in json.dumps(allowed.body)


async def test_consult_modal_in_two_steps_with_errors_shown_privately(bot: Bot) -> None:
    opened = await bot.command("consult")
    assert opened.body["type"] == 9  # MODAL
    first = opened.body["data"]
    assert custom_ids(opened) == [
        "name",
        "email",
        "organization",
        "help_kind",
        "description",
    ]
    required = {row["component"]["custom_id"]: row["component"].get("required", True) for row in first["components"]}
    assert required == {"name": True, "email": True, "organization": False, "help_kind": True, "description": True}
    step1 = {
        "name": "Ada",
        "email": "not-an-email",
        "organization": "Library",
        "help_kind": "course_design",
        "description": "A circle on data",
    }
    rejected = await bot.submit(first["custom_id"], step1)  # page 1 is checked as soon as it is submitted
    assert rejected.body["data"]["flags"] == 64 and rejected.body["data"]["content"] == (
        "Please fix these and submit again:\n"
        "- Email: 'not-an-email' does not look like an email address (name@example.org)"
    )
    reopened = await bot.press(custom_ids(rejected)[0])
    defaults = modal_defaults(reopened)
    assert defaults["name"] == "Ada" and defaults["email"] == "not-an-email"  # nothing typed is lost
    assert defaults["help_kind"] == "course_design"
    fixed = await bot.submit(reopened.body["data"]["custom_id"], {**step1, "email": "ada@example.org"})
    assert fixed.body["data"]["flags"] == 64 and fixed.body["data"]["content"] == "Saved part 1 of 2."
    second = await bot.press(custom_ids(fixed)[0])
    assert second.body["type"] == 9
    step2 = {"timeline": "March", "budget": "", "consent": "yes"}
    done = await bot.submit(second.body["data"]["custom_id"], step2)
    assert "L-0001" in json.dumps(done.body)
    async with bot.app.db.session() as session:
        leads = await list_leads(session)
    assert len(leads) == 1 and leads[0].email == "ada@example.org"


async def test_mention_is_answered_as_a_reply(bot: Bot) -> None:
    await bot.standin.dispatch("MESSAGE_CREATE", fixture("message_create"))
    call = await bot.standin.wait_for(lambda c: c.path == f"/channels/{HELP_CHANNEL}/messages")
    assert str(call.body["message_reference"]["message_id"]) == fixture("message_create")["id"]
    assert call.body["allowed_mentions"]["parse"] == []
    assert "meeting" in json.dumps(call.body).lower()


async def test_messages_from_bots_get_no_answer(bot: Bot) -> None:
    payload = fixture("message_create")
    payload["author"] = dict(payload["author"], bot=True)
    await bot.standin.dispatch("MESSAGE_CREATE", payload)
    await bot.ask("how long should each meeting be?")  # a later event is handled, so the first was seen
    assert not [c for c in bot.standin.calls if c.path == f"/channels/{HELP_CHANNEL}/messages"]


async def test_scheduler_output_reaches_a_channel(bot: Bot) -> None:
    await bot.adapter.send(routed(Reply("Check-in time", channel=HELP_CHANNEL, platform="discord")))
    call = await bot.standin.wait_for(lambda c: c.path == f"/channels/{HELP_CHANNEL}/messages")
    assert call.body["content"] == "Check-in time"
    await bot.adapter.send(routed(Reply("Not for Discord", channel=HELP_CHANNEL, platform="slack")))


def test_settings_accept_shards(tmp_path: Path) -> None:
    settings = Settings(discord_shard_count=4, discord_shard_ids=[0, 1])
    adapter = DiscordAdapter(_no_handler, "token", shard_count=4, shard_ids=[0, 1])
    assert isinstance(adapter.client, discord.AutoShardedClient) and settings.discord_shard_ids == [0, 1]


async def _no_handler(event: Message | Action) -> list[Reply]:
    return []


async def test_slow_work_is_deferred_within_three_seconds_then_followed_up(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the core is slow, Discord gets a "thinking" answer in time and the reply comes as a follow-up."""
    monkeypatch.setattr("adapters.discord.app._DEFER_AFTER", 0.1)
    handle = bot.adapter._handle

    async def slow(event: Message | Action) -> list[Reply]:
        await asyncio.sleep(0.5)
        return await handle(event)

    monkeypatch.setattr(bot.adapter, "_handle", slow)
    deferred = await bot.ask("how many people should be in a learning circle")
    assert deferred.body["type"] == 5  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    token = _token(deferred)
    followup = await bot.standin.wait_for(lambda c: c.path.startswith("/webhooks/") and _token(c) == token)
    assert embed_titles(followup) == ["How big should a learning circle be?"]
    assert [label for label, _ in buttons(followup)] == ["Helpful", "Not helpful", "More results", "Ask a human"]
    later = await bot.ask("how long should each meeting be?")  # answered after the first is done with
    await bot.standin.wait_for(lambda c: c.path.startswith("/webhooks/") and _token(c) == _token(later))
    first = [c for c in bot.standin.calls if _token(c) == token]
    assert [(c.method, c.path) for c in first] == [("POST", deferred.path), ("POST", followup.path)]  # once each


def _token(call: Call) -> str:
    """The interaction token in a callback (``/interactions/ID/TOKEN/callback``) or follow-up path."""
    parts = call.path.split("/")
    return parts[3] if len(parts) > 3 and parts[1] in ("interactions", "webhooks") else ""


async def test_ask_autocompletes_recipe_titles(bot: Bot) -> None:
    option = {"name": "question", "type": 3, "value": "learning circle size", "focused": True}
    data = {"id": "1", "name": "ask", "type": 1, "options": [option]}
    call = await bot.interact("interaction_command", type=4, data=data)
    assert call.body["type"] == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    names = [c["name"] for c in call.body["data"]["choices"]]
    assert names[0] == "How big should a learning circle be?" and len(names) <= 25


async def test_help_autocompletes_command_words_and_lists_one_topic(bot: Bot) -> None:
    """/help's topic suggests the command words a member has that start with what is typed; /help topic:meetings
    answers, privately, with the meetings commands only."""
    option = {"name": "topic", "type": 3, "value": "me", "focused": True}
    call = await bot.interact(
        "interaction_command", type=4, data={"id": "1", "name": "help", "type": 1, "options": [option]}
    )
    assert [c["name"] for c in call.body["data"]["choices"]] == ["meetings", "me"]
    option = {"name": "topic", "type": 3, "value": "meetings"}
    call = await bot.interact("interaction_command", data={"id": "1", "name": "help", "type": 1, "options": [option]})
    assert call.body["data"]["flags"] == 64
    assert embed_titles(call) == ["What I can do: meetings"]


async def test_staff_triage_status_through_a_select_in_a_modal(bot: Bot) -> None:
    """Two leads, two status modals open at once: each submission changes its own lead."""
    from datetime import UTC, datetime

    from storage.leads import NewLead, get_lead, insert_lead

    async with bot.app.db.session() as session:
        for n in (1, 2):
            new = NewLead(f"P{n}", f"p{n}@example.org", "Org", "pilot", "d", "t", "", "discord", MEMBER_ID)
            await insert_lead(session, new, datetime(2026, 11, 27, tzinfo=UTC))
    member = copy.deepcopy(fixture("interaction_command")["member"])
    member["roles"] = [STAFF_ROLE]
    first = await bot.interact(
        "interaction_component", member=member, data={"custom_id": "cb|leads:status|1", "component_type": 2}
    )
    await bot.interact(
        "interaction_component", member=member, data={"custom_id": "cb|leads:status|2", "component_type": 2}
    )
    assert first.body["type"] == 9
    rows = [{"type": 18, "component": {"type": 3, "custom_id": "status", "values": ["contacted"]}}]
    await bot.interact(
        "interaction_modal", member=member, data={"custom_id": first.body["data"]["custom_id"], "components": rows}
    )
    async with bot.app.db.session() as session:
        one, two = await get_lead(session, 1), await get_lead(session, 2)
    assert one is not None and one.status == "contacted"
    assert two is not None and two.status == "new"
