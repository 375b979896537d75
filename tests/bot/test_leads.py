"""Consulting intake (step by step and as a modal) and staff triage, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.events import Visibility
from bot.main.wiring import BotApp
from bot.when import plain
from storage.leads import list_leads
from tests.bot.lead_answers import ANSWERS, VALID
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts


async def test_step_by_step_intake_survives_a_restart(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """Half a form, a restart, then the rest: the lead is stored and confirmed privately with its reference."""
    first = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await first.start()
    chat = Chat(first)
    replies = await chat.say("consult", channel="general")
    assert "(1/9): Your name" in texts(replies)
    for answer in ANSWERS[:3]:
        await chat.say(answer, channel="general")
    await first.close()

    second = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await second.start()
    chat = Chat(second)
    assert "(4/9)" in (await second.dispatcher.pending_prompt(chat.origin(channel="general")) or "")
    replies = []
    for answer in ANSWERS[3:]:
        replies = await chat.say(answer, channel="general")
    confirmation = next(r for r in replies if r.channel is None)
    assert confirmation.visibility is Visibility.DM
    assert "L-0001" in confirmation.text
    staff = next(r for r in replies if r.channel == "staff")
    assert "L-0001" in (staff.title or "") and ("Email", "Ann@Example.org") in staff.fields
    assert [b.label for b in staff.buttons][:1] == ["Assign to me"]
    # Nothing personal in the public confirmation path.
    assert "ann@example.org" not in confirmation.text.lower()
    await second.close()


NO_ORGANIZATION_NOTICE = (
    "New consulting request L-0001\n"
    "Train our staff\n"
    "Name: Ann Lee\nEmail: ann@example.org\nOrganization: -\nHelp with: Facilitator training\n"
    "Timeline: soon\nBudget: -\nStatus: new\nAssignee: nobody yet"
)


async def test_someone_without_an_organization_skips_it_step_by_step(chat: Chat) -> None:
    """Organization is optional: 'skip' leaves it empty, and staff see it as absent ("-"), never as "skip"."""
    await chat.say("consult")
    await chat.say("Ann Lee")
    (asked,) = await chat.say("ann@example.org")
    assert asked.text == (
        "Work with P2PU (3/9): Organization\n"
        "(optional: answer 'skip' or '-' to leave it empty)\n"
        "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
    )
    (next_question,) = await chat.say("skip")
    assert next_question.text.startswith("Work with P2PU (4/9): What would you like help with?\n")
    replies = []
    for answer in ["1", "Train our staff", "soon", "skip", "yes", "no"]:
        replies = await chat.say(answer)
    assert texts([r for r in replies if r.channel == "staff"]) == NO_ORGANIZATION_NOTICE
    async with chat.app.db.session() as session:
        (lead,) = await list_leads(session)
    assert lead.organization is None
    listed = await chat.say("leads list", role="staff")
    assert texts(listed) == "Leads (1)\nL-0001 [new] Ann Lee, -: Facilitator training"


async def test_the_modal_takes_a_request_without_an_organization(chat: Chat) -> None:
    """In a modal, Organization left empty is accepted; the lead has none and staff see "-"."""
    replies = await chat.submit("consult:intake", {**VALID, "organization": ""})
    assert [r.text for r in replies if r.channel is None] == [
        "Thank you! Your request is L-0001. Someone from the team will be in touch by email."
    ]
    assert texts([r for r in replies if r.channel == "staff"]) == NO_ORGANIZATION_NOTICE
    async with chat.app.db.session() as session:
        (lead,) = await list_leads(session)
    assert lead.organization is None


async def test_bad_answer_is_asked_again(chat: Chat) -> None:
    """A bad email is explained and the same question asked again; cancel stops without saving."""
    await chat.say("consult")
    await chat.say("Ann")
    replies = await chat.say("not-an-email")
    assert "does not look like an email address" in replies[0].text and "(2/9): Email" in replies[0].text
    replies = await chat.say("cancel")
    assert "Nothing was saved" in replies[0].text
    replies = await chat.say("leads list", role="staff")
    assert "No leads match" in replies[0].text


async def test_modal_submission_with_errors_and_success(chat: Chat) -> None:
    """On platforms with modals the form opens whole; bad values come back per field; good ones are stored."""
    opened = await chat.say("consult", modals=True)
    assert opened[0].form is not None and len(opened[0].form.fields) == 9
    bad = await chat.submit("consult:intake", {**VALID, "email": "bad", "consent": ""})
    errors = dict(bad[0].form_errors)
    assert "does not look like an email address" in errors["email"] and "consent" in errors
    good = await chat.submit("consult:intake", VALID)
    assert "L-0001" in good[0].text


async def test_show_puts_the_requester_first_then_the_project_status_and_history(chat: Chat, clock: Clock) -> None:
    """`leads show` reads in triage order: name and email, the project, status and assignee, then the history."""
    await chat.submit("consult:intake", {**VALID, "budget": "5k", "offers": "no"})
    staff = {"user": "sam", "role": "staff"}
    clock.advance(hours=1)
    await chat.say("leads assign L-0001", **staff)
    await chat.say("leads note L-0001 Called Ann, keen on spring", **staff)
    (shown,) = await chat.say("leads show L-0001", **staff)
    assert shown.title == "Lead L-0001" and shown.fields == ()
    assert plain(shown.text) == (
        "Name: Ann Lee\n"
        "Email: ann@example.org\n"
        "Consent (to the wording of 2026-11-27): store and reply yes; other offers no.\n"
        "\n"
        "Organization: Riverside Library\n"
        "Help with: Facilitator training\n"
        "Timeline: soon\n"
        "Budget: 5k\n"
        "\n"
        "Train our staff\n"
        "\n"
        "Status: new\n"
        "Assignee: console:sam\n"
        "\n"
        "History:\n"
        "  Mon 02 Mar 2026 09:00 UTC console:ann: created\n"
        "  Mon 02 Mar 2026 10:00 UTC console:sam: assigned console:sam\n"
        "  Mon 02 Mar 2026 10:00 UTC console:sam: note Called Ann, keen on spring"
    )
    assert [b.label for b in shown.buttons] == ["Assign to me", "Set status", "Add note"]


async def test_triage_actions_are_kept_in_history(chat: Chat, clock: Clock) -> None:
    """Assign, status and note each change the lead and add a history line with who did it."""
    await chat.submit("consult:intake", VALID)
    staff = {"user": "sam", "role": "staff"}
    assert "assigned to console:sam" in (await chat.press("leads:assign", "1", **staff))[0].text
    clock.advance(hours=1)
    assert "status is now qualified" in (await chat.say("leads status L-0001 qualified", **staff))[0].text
    assert "note added" in (await chat.say("leads note L-1 Called them, keen on spring", **staff))[0].text
    shown = plain(texts(await chat.say("leads show L-0001", **staff)))
    assert "Status: qualified" in shown and "Assignee: console:sam" in shown
    assert "  Mon 02 Mar 2026 09:00 UTC console:sam: assigned console:sam\n" in shown
    assert "  Mon 02 Mar 2026 10:00 UTC console:sam: status new -> qualified\n" in shown
    assert "  Mon 02 Mar 2026 10:00 UTC console:sam: note Called them, keen on spring" in shown
    listed = texts(await chat.say("leads list --status qualified", **staff))
    assert "L-0001 [qualified] Ann Lee" in listed
    assert "No leads match" in texts(await chat.say("leads list --status new", **staff))


async def test_members_cannot_triage_or_read_leads(chat: Chat) -> None:
    """A member gets a refusal and no data, from commands and from buttons."""
    await chat.submit("consult:intake", VALID)
    for command in ("leads list", "leads show L-0001", "leads export"):
        replies = await chat.say(command, user="mo")
        assert (
            replies[0].text
            == f"Sorry, `{command.rsplit(' ', 1)[0] if 'L-' in command else command}` is only for staff."
        )
        assert "Ann" not in texts(replies)
    replies = await chat.press("leads:status", "1:won", user="mo")
    assert [r.text for r in replies] == ["Sorry, that button is only for staff."]
    assert "L-0001 [new]" in texts(await chat.say("leads list", role="staff"))


async def test_export_is_csv_with_status(chat: Chat) -> None:
    """The export is a CSV with one row per lead and its current status."""
    await chat.submit("consult:intake", VALID)
    await chat.say("leads status L-0001 contacted", role="staff")
    replies = await chat.say("leads export", role="staff")
    attachment = replies[0].attachment
    assert attachment is not None and attachment.filename == "leads.csv"
    rows = list(csv.DictReader(io.StringIO(attachment.content)))
    assert rows[0]["ref"] == "L-0001" and rows[0]["status"] == "contacted" and rows[0]["email"] == "ann@example.org"


async def test_assigning_a_bare_name_says_it_cannot_be_messaged(chat: Chat) -> None:
    """`leads assign L-0001 kim`, a name no setting gives a chat account, is kept, and the reply says reminders
    cannot reach kim; a mention or oneself is messaged as before, and says nothing more."""
    await chat.submit("consult:intake", VALID)
    staff = {"user": "sam", "role": "staff"}
    assert [r.text for r in await chat.say("leads assign L-0001 @kim", **staff)] == [
        "L-0001: assigned to kim. I can't message kim about it: no chat account goes with that name. Assign a user "
        "id (`slack:U0123`) or a mention, or add the name to `lead_flow.staff` in the settings."
    ]
    assert [r.text for r in await chat.say("leads assign L-0001", **staff)] == ["L-0001: assigned to console:sam."]


async def test_bad_triage_input_is_explained(chat: Chat) -> None:
    """Unknown status, bad reference and missing lead each say what is wrong."""
    staff = {"role": "staff"}
    statuses = "new, contacted, qualified, proposal, won, lost, spam"
    assert [r.text for r in await chat.say("leads status L-0001 maybe", **staff)] == [
        f"Unknown status 'maybe'; use one of: {statuses}"
    ]
    assert [r.text for r in await chat.say("leads list --status nope", **staff)] == [
        f"Unknown status 'nope'; use one of: {statuses}, merged"  # a merged lead is listed, never set by hand
    ]
    assert [r.text for r in await chat.say("leads status L-0001", **staff)] == [
        f"Usage: `leads status L-0042 STATUS`, STATUS one of {statuses}"
    ]
    assert [r.text for r in await chat.say("leads show", **staff)] == ["Usage: `leads show L-0042`"]
    assert "is not a lead reference" in (await chat.say("leads show X-12", **staff))[0].text
    assert "There is no lead L-0099" in (await chat.say("leads show L-0099", **staff))[0].text
    assert "--since wants a date" in (await chat.say("leads list --since yesterday", **staff))[0].text


async def test_follow_up_reminder_is_sent_once(chat: Chat, app: BotApp, clock: Clock) -> None:
    """A lead still 'new' after 48 hours triggers exactly one reminder in the staff channel."""
    await chat.submit("consult:intake", VALID)
    created = clock.now
    assert await app.scheduler.tick(created + timedelta(hours=47)) == []
    replies = await app.scheduler.tick(created + timedelta(hours=49))
    assert len(replies) == 1 and replies[0].channel == "staff"
    assert replies[0].title == "Waiting for a reply: L-0001" and "49 hours" in replies[0].text
    assert await app.scheduler.tick(created + timedelta(hours=60)) == []


async def test_no_reminder_once_someone_acted(chat: Chat, app: BotApp, clock: Clock) -> None:
    """A lead moved out of 'new' in time gets no reminder."""
    await chat.submit("consult:intake", VALID)
    await chat.say("leads status L-0001 contacted", role="staff")
    assert await app.scheduler.tick(clock.now + timedelta(days=5)) == []


async def test_two_processes_ticking_at_once_remind_once(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """Two bots sharing one database and ticking at the same moment send the reminder once between them."""
    apps = [BotApp(make_settings(db_target, tmp_path), clock=clock) for _ in range(2)]
    for bot in apps:
        await bot.start()
    try:
        chat = Chat(apps[0])
        for n in range(5):
            await chat.submit("consult:intake", {**VALID, "email": f"p{n}@example.org"})
        later = clock.now + timedelta(days=3)
        results = await asyncio.gather(*(bot.scheduler.tick(later) for bot in apps))
        titles = sorted(r.title or "" for replies in results for r in replies)
        assert titles == [f"Waiting for a reply: L-000{n}" for n in range(1, 6)]
    finally:
        for bot in apps:
            await bot.close()


async def test_forget_erases_personal_data_and_keeps_statistics(chat: Chat) -> None:
    """`leads forget` erases name, email and contents from the lead and its history; kind, status and dates stay."""
    await chat.submit("consult:intake", VALID)
    await chat.submit("consult:intake", {**VALID, "description": "Second message with details"})
    await chat.say("leads note L-0001 Ann mentioned her phone 555-0101", role="staff")
    await chat.say("leads status L-0001 lost", role="staff")
    replies = await chat.say("leads forget ANN@EXAMPLE.ORG", user="sam", role="staff")
    assert replies[0].text.startswith(
        "Erased the personal details of 2 leads: L-0001, L-0002. Anonymous statistics are kept."
    )
    shown = texts(await chat.say("leads show L-0001", role="staff"))
    for secret in ("Ann", "ann@example.org", "Riverside", "Train our staff", "Second message", "555-0101"):
        assert secret not in shown
    assert "Help with: Facilitator training" in shown and "Status: lost" in shown
    assert "anonymized forgotten on request" in shown
    export = (await chat.say("leads export", role="staff"))[0].attachment
    assert export is not None and "ann@example.org" not in export.content and "L-0001" in export.content
    assert "No lead has that email" in (await chat.say("leads forget ann@example.org", role="staff"))[0].text


async def test_history_after_forget_still_says_what_happened(chat: Chat, clock: Clock) -> None:
    """After `leads forget` the history keeps status changes and assignments, and says a note went with the data."""
    await chat.submit("consult:intake", VALID)
    await chat.submit("consult:intake", {**VALID, "description": "Again"})
    staff = {"user": "sam", "role": "staff"}
    clock.advance(hours=1)
    await chat.say("leads assign L-0001", **staff)
    await chat.say("leads status L-0001 contacted", **staff)
    await chat.say("leads note L-0001 Called Ann Lee on ann@example.org", **staff)
    await chat.say("leads merge L-0002 into L-0001", **staff)
    clock.advance(hours=1)
    await chat.say("leads forget ann@example.org --user ann", **staff)  # both sent from her account, console:ann
    (shown,) = await chat.say("leads show L-0001", **staff)
    assert plain(shown.text).split("History:\n")[1] == (
        "  Mon 02 Mar 2026 09:00 UTC (forgotten): created\n"
        "  Mon 02 Mar 2026 10:00 UTC console:sam: assigned console:sam\n"
        "  Mon 02 Mar 2026 10:00 UTC console:sam: status new -> contacted\n"
        "  Mon 02 Mar 2026 10:00 UTC console:sam: note removed with personal data\n"
        "  Mon 02 Mar 2026 10:00 UTC console:sam: merged (details removed with personal data)\n"
        "  Mon 02 Mar 2026 11:00 UTC console:sam: anonymized forgotten on request"
    )


async def test_retention_anonymizes_old_lost_and_spam_leads(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Lost or spam leads are anonymized after 365 days; open ones are kept."""
    await chat.submit("consult:intake", VALID)
    await chat.submit("consult:intake", {**VALID, "email": "bo@example.org", "name": "Bo"})
    await chat.say("leads status L-0001 spam", role="staff")
    await app.scheduler.tick(clock.now + timedelta(days=364))
    assert "Ann Lee" in texts(await chat.say("leads show L-0001", role="staff"))
    await app.scheduler.tick(clock.now + timedelta(days=366))
    shown = texts(await chat.say("leads show L-0001", role="staff"))
    assert "Ann Lee" not in shown and "retention period ended" in shown
    assert "Bo" in texts(await chat.say("leads show L-0002", role="staff"))


async def test_personal_data_stays_out_of_logs(chat: Chat, caplog: pytest.LogCaptureFixture) -> None:
    """Intake, triage and forget log nothing personal at INFO and above."""
    with caplog.at_level(logging.INFO):
        await chat.submit("consult:intake", VALID)
        await chat.say("leads note L-0001 call Ann", role="staff")
        await chat.say("leads forget ann@example.org", role="staff")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "consulting request L-0001 received" in logged
    for secret in ("Ann", "ann@example.org", "Riverside", "Train our staff"):
        assert secret not in logged


async def test_staff_answers_are_private_even_in_a_public_channel(chat: Chat) -> None:
    """Staff commands used in a public channel answer only the staff member."""
    await chat.submit("consult:intake", VALID)
    for command in ("leads list", "leads show L-0001", "leads export"):
        replies = await chat.say(command, role="staff", channel="general")
        assert all(r.visibility is Visibility.EPHEMERAL and r.channel is None for r in replies)


async def test_work_with_us_button_opens_the_form(chat: Chat) -> None:
    """An answer about paid help carries a "Work with us" button that starts the intake form."""
    answer = await chat.say("can p2pu train our facilitators")
    button = next(b for b in answer[0].buttons if b.label == "Work with us")
    replies = await chat.press(button.action_id, button.value)
    assert "(1/9): Your name" in texts(replies)


async def test_triage_buttons_open_status_and_note_forms(chat: Chat) -> None:
    """ "Set status" and "Add note" from the staff notification open small forms whose answers are recorded."""
    replies = await chat.submit("consult:intake", VALID)
    buttons = {b.label: b for b in next(r for r in replies if r.channel == "staff").buttons}
    staff = {"user": "sam", "role": "staff"}
    prompt = texts(await chat.press(buttons["Set status"].action_id, buttons["Set status"].value, **staff))
    assert "New status" in prompt and "3. qualified" in prompt
    assert "status is now qualified" in texts(await chat.say("3", **staff))
    await chat.press(buttons["Add note"].action_id, buttons["Add note"].value, **staff)
    assert "note added" in texts(await chat.say("Budget approved in May", **staff))
    shown = texts(await chat.say("leads show L-0001", **staff))
    assert "status new -> qualified" in shown and "note Budget approved in May" in shown
    denied = await chat.submit("leadtriage:status:1", {"status": "won"}, user="mo")
    assert [r.text for r in denied] == ["Sorry, that form is only for staff."]


async def test_merged_leads_are_anonymized_after_retention(chat: Chat, app: BotApp, clock: Clock) -> None:
    """A lead merged into another keeps its details only for the retention period; the open lead keeps them."""
    await chat.submit("consult:intake", VALID)
    await chat.submit("consult:intake", {**VALID, "description": "Second"})
    await chat.say("leads merge L-0002 into L-0001", role="staff")
    await app.scheduler.tick(clock.now + timedelta(days=366))
    merged = texts(await chat.say("leads show L-0002", role="staff"))
    assert "Ann Lee" not in merged and "retention period ended" in merged
    assert "Name: Ann Lee" in texts(await chat.say("leads show L-0001", role="staff"))


async def test_forget_needs_an_email(chat: Chat) -> None:
    """`leads forget` without an email address says how to use it."""
    replies = await chat.say("leads forget Ann Lee", role="staff")
    assert [r.text for r in replies] == ['Usage: `leads forget EMAIL [--name "FULL NAME"] [--user USER_ID]`']


async def test_the_community_name_comes_from_the_settings(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """Another community's bot titles the consult form and describes ``consult`` in help with its own name."""
    app = BotApp(make_settings(db_target, tmp_path, community_name="Riverside Circles"), clock=clock)
    await app.start()
    chat = Chat(app)
    modal = next(r.form for r in await chat.say("consult", modals=True) if r.form is not None)
    assert modal.title == "Work with Riverside Circles"
    assert "Work with Riverside Circles (1/9): Your name" in texts(await chat.say("consult", user="bo"))
    shown = texts(await chat.say("help"))
    assert "ask the Riverside Circles team for paid help with a project" in shown and "P2PU team" not in shown
    await app.close()
