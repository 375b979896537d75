"""Discord forms and interaction answers on the wire: replies aimed elsewhere survive a lost or refused answer, and
half-filled forms (kept by the core, in the database) are kept apart, dropped once no longer needed, and survive a
restart."""

from __future__ import annotations

import asyncio
import copy
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import utcnow
from bot.events import Event, FieldKind, Form, FormField, FormSubmission, Reply, Visibility
from bot.feature import Context, FormRoute, Replies
from bot.forms.engine import DRAFT_TTL
from bot.main.adapters import discord_adapter
from bot.main.wiring import BotApp
from storage.leads import list_leads
from storage.models import FormDraftRow
from tests.adapters import discord_bot
from tests.adapters.discord_bot import SELECTS, Bot, buttons, custom_ids, modal_defaults
from tests.adapters.discord_rules import invalid_form_body
from tests.adapters.discord_standin import MEMBER_ID, STAFF_CHANNEL, Call, fixture

bot = discord_bot.bot
db_target = discord_bot.db_target

DM_CHANNEL = "155" + MEMBER_ID[3:]  # the stand-in's DM channel with the member
STEP1 = {
    "name": "Ada Lovelace",
    "email": "ada@example.org",
    "organization": "Library",
    "help_kind": "course_design",
    "description": "A circle on data",
}
STEP2 = {"timeline": "March", "budget": "", "consent": "yes"}
THANKS = "Thank you! Your request is L-0001. Someone from the team will be in touch by email."


async def _consult_until_the_last_step(bot: Bot) -> str:
    """Open /consult, submit its first modal, press Continue: the custom_id of the second (last) modal."""
    opened = await bot.command("consult")
    saved = await bot.submit(opened.body["data"]["custom_id"], STEP1)
    second = await bot.press(custom_ids(saved)[0])
    return str(second.body["data"]["custom_id"])


async def _submit_unanswered(bot: Bot, custom_id: str, values: dict[str, str], token: str) -> str:
    """Push a modal submission without waiting for Discord to accept its answer; the interaction's callback path."""
    rows = [
        {"type": 18, "component": {"type": 3, "custom_id": k, "values": [v] if v else []}}
        if k in SELECTS
        else {"type": 18, "component": {"type": 4, "custom_id": k, "value": v}}
        for k, v in values.items()
    ]
    payload = copy.deepcopy(fixture("interaction_modal"))
    payload.update(id="1619999999999999990", token=token, data={"custom_id": custom_id, "components": rows})
    await bot.standin.dispatch("INTERACTION_CREATE", payload)
    return f"/interactions/{payload['id']}/{token}/callback"


def _assert_staff_notice(call: Call) -> None:
    """The whole staff notice of lead L-0001: title, text, every field and every triage button."""
    assert call.body["content"] is None
    [embed] = call.body["embeds"]
    assert (embed["title"], embed["description"]) == ("New consulting request L-0001", "A circle on data")
    assert [(f["name"], f["value"]) for f in embed["fields"]] == [
        ("Name", "Ada Lovelace"),
        ("Email", "ada@example.org"),
        ("Organization", "Library"),
        ("Help with", "Course design"),
        ("Timeline", "March"),
        ("Budget", "-"),
        ("Status", "new"),
        ("Assignee", "nobody yet"),
    ]
    assert buttons(call) == [
        ("Assign to me", "cb|leads:assign|1"),
        ("Set status", "cb|leads:status|1"),
        ("Add note", "cb|leads:note|1"),
    ]
    assert call.body["allowed_mentions"] == {"parse": []}


async def test_a_consult_slower_than_discords_window_still_reaches_staff_and_the_person(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The core outlasts Discord's window, even the "thinking" answer is refused: the lead is saved, the staff
    notice reaches the staff channel and the thanks arrives by DM (time scaled: a 0.05 s window stands for 3 s)."""
    last = await _consult_until_the_last_step(bot)
    bot.standin.allow_refusals = True
    bot.standin.response_window = 0.05
    monkeypatch.setattr("adapters.discord.app._DEFER_AFTER", 0.2)
    handle = bot.adapter._handle

    async def slow(event: Event) -> list[Reply]:
        await asyncio.sleep(0.3)
        return await handle(event)

    monkeypatch.setattr(bot.adapter, "_handle", slow)
    callback = await _submit_unanswered(bot, last, STEP2, "late")
    notice = await bot.standin.wait_for(lambda c: c.path == f"/channels/{STAFF_CHANNEL}/messages")
    thanks = await bot.standin.wait_for(lambda c: c.path == f"/channels/{DM_CHANNEL}/messages")
    await asyncio.wait_for(asyncio.gather(*bot.adapter._inflight), 5)
    _assert_staff_notice(notice)
    assert (thanks.body["content"], thanks.body.get("embeds", []), thanks.body.get("components", [])) == (
        THANKS,
        [],
        [],
    )
    late = [c for c in bot.standin.calls if "late" in c.path]
    assert [(c.path, c.status) for c in late] == [(callback, 404)]  # the deferral, too late; nothing else tried


async def test_a_refused_answer_does_not_stop_the_staff_notice(bot: Bot) -> None:
    """Discord refuses the thanks: the user gets the short apology, and staff still get the new lead."""
    last = await _consult_until_the_last_step(bot)
    bot.standin.allow_refusals = True
    bot.standin.fail("/callback", invalid_form_body([(("content",), "BASE_TYPE_MAX_LENGTH", "Too long.")]))
    callback = await _submit_unanswered(bot, last, STEP2, "refused")
    notice = await bot.standin.wait_for(lambda c: c.path == f"/channels/{STAFF_CHANNEL}/messages")
    _assert_staff_notice(notice)
    answers = [c for c in bot.standin.calls if c.path == callback]
    assert [(c.status, c.body["data"]["content"]) for c in answers] == [
        (400, THANKS),
        (200, "Sorry, Discord would not take my answer. The problem has been logged; please try again later."),
    ]


async def test_a_bad_answer_on_the_first_modal_is_said_at_once_and_edit_answers_reopens_it(bot: Bot) -> None:
    """A bad email in /consult's first modal: the private answer names the field, Edit answers opens modal 1 again
    with everything typed, and once fixed the form moves on to modal 2."""
    opened = await bot.command("consult")
    rejected = await bot.submit(opened.body["data"]["custom_id"], {**STEP1, "email": "ada@"})
    assert rejected.body["data"]["content"] == (
        "Please fix these and submit again:\n- Email: 'ada@' does not look like an email address (name@example.org)"
    )
    token = opened.body["data"]["custom_id"].split("|")[1]
    assert buttons(rejected) == [("Edit answers", f"cb|form:continue|{token}|0"), ("Cancel", f"cb|form:cancel|{token}")]
    again = await bot.press(buttons(rejected)[0][1])
    assert again.body["data"]["title"] == "Work with P2PU (1/2)"
    assert modal_defaults(again) == {**STEP1, "email": "ada@"}
    saved = await bot.submit(again.body["data"]["custom_id"], STEP1)
    assert saved.body["data"]["content"] == "Saved part 1 of 2."


# -- half-filled forms ----------------------------------------------------------------------------------------

PREFIX = "study group 'Data Science for Librarians', spring term, session "  # longer than 50 characters


def _survey(context: str) -> Form:
    """A two-page form (seven fields) whose context only differs after the first 50 characters."""
    fields = tuple(FormField(f"f{i}", f"Question {i}", FieldKind.TEXT, required=False) for i in range(7))
    return Form("survey", "Survey", fields, context=context)


class _Surveys:
    """A survey form in the core: ``/ask survey A`` opens it for context PREFIX + "A"; submissions are kept."""

    def __init__(self, bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
        self.submitted: list[FormSubmission] = []
        registry = bot.app.registry
        ask = registry.commands["ask"]

        async def asked(ctx: Context, args: str) -> Replies:
            if args.startswith("survey "):
                return [Reply("", form=_survey(PREFIX + args.removeprefix("survey ")))]
            return await ask.handler(ctx, args)

        monkeypatch.setitem(registry.commands, "ask", replace(ask, handler=asked))
        monkeypatch.setitem(registry.forms, "survey", FormRoute("survey", self.handle))

    async def handle(self, ctx: Context, event: FormSubmission) -> Replies:
        self.submitted.append(event)
        return [Reply(f"Thanks for {event.context[len(PREFIX) :]}.", visibility=Visibility.EPHEMERAL)]


def _answers(tag: str, fields: range) -> dict[str, str]:
    return {f"f{i}": f"{tag}{i}" for i in fields}


async def _first_step(bot: Bot, tag: str) -> Call:
    """Open survey ``tag`` and submit its first modal: the "Saved part 1 of 2" answer."""
    opened = await bot.ask(f"survey {tag}")
    assert opened.body["type"] == 9
    return await bot.submit(opened.body["data"]["custom_id"], _answers(tag, range(5)), frozenset())


async def _drafts(bot: Bot) -> int:
    """How many half-filled forms the database keeps."""
    async with bot.app.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(FormDraftRow)) or 0)


async def test_a_modal_carries_only_the_cores_token_and_page_whatever_the_context(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long context never travels in a custom_id: the modal names the core's draft and its page, nothing else."""
    _Surveys(bot, monkeypatch)
    opened = await bot.ask("survey " + "x" * 200)
    custom_id = opened.body["data"]["custom_id"]
    assert custom_id.startswith("form|") and custom_id.endswith("|0") and len(custom_id) < 40
    assert PREFIX not in json.dumps(opened.body)


async def test_two_forms_whose_context_shares_its_start_are_kept_apart(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two surveys half-filled at once: each submission carries its own context and its own answers."""
    surveys = _Surveys(bot, monkeypatch)
    saved_a = await _first_step(bot, "A")
    saved_b = await _first_step(bot, "B")
    for tag, saved in (("A", saved_a), ("B", saved_b)):
        assert saved.body["data"]["content"] == "Saved part 1 of 2."
        second = await bot.press(custom_ids(saved)[0])
        assert modal_defaults(second) == {"f5": "", "f6": ""}
        done = await bot.submit(second.body["data"]["custom_id"], _answers(tag, range(5, 7)), frozenset())
        assert done.body["data"]["content"] == f"Thanks for {tag}."
    assert [(s.context, s.values) for s in surveys.submitted] == [
        (PREFIX + "A", _answers("A", range(7))),
        (PREFIX + "B", _answers("B", range(7))),
    ]


async def test_answers_are_dropped_once_the_form_is_submitted(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """After the core took the form, its old buttons find nothing: no answer is kept."""
    _Surveys(bot, monkeypatch)
    saved = await _first_step(bot, "A")
    assert await _drafts(bot) == 1
    second = await bot.press(custom_ids(saved)[0])
    await bot.submit(second.body["data"]["custom_id"], _answers("A", range(5, 7)), frozenset())
    again = await bot.press(custom_ids(saved)[0])
    assert again.body["data"]["content"] == "That form has expired. Please start again."
    assert await _drafts(bot) == 0


async def test_cancel_drops_what_was_typed(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """ "Saved part 1 of 2" offers Continue and Cancel (the core's buttons); after Cancel, Continue finds nothing."""
    _Surveys(bot, monkeypatch)
    saved = await _first_step(bot, "A")
    token = custom_ids(saved)[0].split("|")[2]
    assert buttons(saved) == [
        ("Continue (2/2)", f"cb|form:continue|{token}|1"),
        ("Cancel", f"cb|form:cancel|{token}"),
    ]
    cancelled = await bot.press(buttons(saved)[1][1])
    assert cancelled.body["data"] == {
        "content": "Cancelled. Nothing you typed in that form was kept.",
        "flags": 64,
        "tts": False,
        "allowed_mentions": {"parse": []},
    }
    again = await bot.press(buttons(saved)[0][1])
    assert again.body["data"]["content"] == "That form has expired. Please start again."
    assert await _drafts(bot) == 0


async def test_half_filled_answers_expire_after_the_time_limit(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing else happens after part 1: half an hour later Continue finds nothing, and the scheduler's next tick
    deletes the answers."""
    _Surveys(bot, monkeypatch)
    saved = await _first_step(bot, "A")
    await bot.app.scheduler.tick(utcnow())
    assert await _drafts(bot) == 1  # a fresh draft is left alone
    later = utcnow() + DRAFT_TTL + timedelta(seconds=1)
    monkeypatch.setattr(bot.app.dispatcher, "clock", lambda: later)
    again = await bot.press(custom_ids(saved)[0])
    assert again.body["data"]["content"] == "That form has expired. Please start again."
    assert await _drafts(bot) == 1
    await bot.app.scheduler.tick(later)
    assert await _drafts(bot) == 0


async def test_a_half_filled_form_survives_a_restart(bot: Bot) -> None:
    """Page 1 of /consult submitted, then a new bot and adapter on the same database: Continue opens page 2, the
    page-1 answers are kept, and the last page submitted twice makes exactly one lead."""
    opened = await bot.command("consult")
    saved = await bot.submit(opened.body["data"]["custom_id"], STEP1)
    await bot.adapter.stop()
    app = BotApp(bot.app.settings)
    await app.start()
    adapter = discord_adapter(app, bot.app.settings, token="test-token", guild_ready_timeout=discord_bot.READY_AFTER)
    runner = asyncio.create_task(adapter.run())
    try:
        await asyncio.wait_for(adapter.ready.wait(), 10)
        second = await bot.press(custom_ids(saved)[0])
        assert second.body["data"]["title"] == "Work with P2PU (2/2)"
        assert list(modal_defaults(second)) == ["timeline", "budget", "consent", "consent_offers"]
        done = await bot.submit(second.body["data"]["custom_id"], STEP2)
        twice = await bot.submit(second.body["data"]["custom_id"], STEP2)
    finally:
        await adapter.stop()
        await asyncio.wait_for(runner, 10)
        await app.close()
    assert done.body["data"]["content"] == THANKS
    assert twice.body["data"]["content"] == "That form has expired. Please start again."
    async with bot.app.db.session() as session:
        leads = await list_leads(session)
    assert [(lead.name, lead.email, lead.timeline) for lead in leads] == [("Ada Lovelace", "ada@example.org", "March")]
