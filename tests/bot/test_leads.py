"""Consulting intake (step by step and as a modal), dedupe and staff triage, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.app import BotApp
from bot.events import Visibility
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts

ANSWERS = [
    "Ann Lee",
    "Ann@Example.org",
    "Riverside Library",
    "1",
    "We want to train 10 librarians to run learning circles.",
    "Spring 2027",
    "skip",
    "yes",
]

VALID = {
    "name": "Ann Lee",
    "email": "ann@example.org",
    "organization": "Riverside Library",
    "help_kind": "training",
    "description": "Train our staff",
    "timeline": "soon",
    "budget": "",
    "consent": "yes",
}


async def test_step_by_step_intake_survives_a_restart(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """Half a form, a restart, then the rest: the lead is stored and confirmed privately with its reference."""
    first = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await first.start()
    chat = Chat(first)
    replies = await chat.say("consult", channel="general")
    assert "(1/8): Your name" in texts(replies)
    for answer in ANSWERS[:3]:
        await chat.say(answer, channel="general")
    await first.close()

    second = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await second.start()
    chat = Chat(second)
    assert "(4/8)" in (await second.dispatcher.pending_prompt(chat.origin(channel="general")) or "")
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


async def test_bad_answer_is_asked_again(chat: Chat) -> None:
    """A bad email is explained and the same question asked again; cancel stops without saving."""
    await chat.say("consult")
    await chat.say("Ann")
    replies = await chat.say("not-an-email")
    assert "does not look like an email address" in replies[0].text and "(2/8): Email" in replies[0].text
    replies = await chat.say("cancel")
    assert "Nothing was saved" in replies[0].text
    replies = await chat.say("leads list", role="staff")
    assert "No leads match" in replies[0].text


async def test_modal_submission_with_errors_and_success(chat: Chat) -> None:
    """On platforms with modals the form opens whole; bad values come back per field; good ones are stored."""
    opened = await chat.say("consult", modals=True)
    assert opened[0].form is not None and len(opened[0].form.fields) == 8
    bad = await chat.submit("consult:intake", {**VALID, "email": "bad"})
    assert "email" in bad[0].text and "does not look like an email address" in bad[0].text
    good = await chat.submit("consult:intake", VALID)
    assert "L-0001" in good[0].text


async def test_same_email_while_open_updates_the_lead(chat: Chat) -> None:
    """A second request from the same email (any case) is added to the open lead, and staff see an update."""
    await chat.submit("consult:intake", VALID)
    replies = await chat.submit("consult:intake", {**VALID, "email": "ANN@example.ORG", "description": "Also a pilot"})
    assert "added this to your open request L-0001" in replies[0].text
    staff = next(r for r in replies if r.channel == "staff")
    assert staff.title == "Update to consulting request L-0001" and "Also a pilot" in staff.text
    shown = texts(await chat.say("leads show L-0001", role="staff"))
    assert "update" in shown and "Also a pilot" in shown


async def test_triage_actions_are_kept_in_history(chat: Chat, clock: Clock) -> None:
    """Assign, status and note each change the lead and add a history line with who did it."""
    await chat.submit("consult:intake", VALID)
    staff = {"user": "sam", "role": "staff"}
    assert "assigned to console:sam" in (await chat.press("leads:assign", "1", **staff))[0].text
    clock.advance(hours=1)
    assert "status is now qualified" in (await chat.say("leads status L-0001 qualified", **staff))[0].text
    assert "note added" in (await chat.say("leads note L-1 Called them, keen on spring", **staff))[0].text
    shown = texts(await chat.say("leads show L-0001", **staff))
    assert "Status: qualified" in shown and "Assignee: console:sam" in shown
    assert "console:sam: assigned console:sam" in shown
    assert "console:sam: status new -> qualified" in shown
    assert "console:sam: note Called them, keen on spring" in shown
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
    assert "staff only" in replies[0].text


async def test_export_is_csv_with_status(chat: Chat) -> None:
    """The export is a CSV with one row per lead and its current status."""
    await chat.submit("consult:intake", VALID)
    await chat.say("leads status L-0001 contacted", role="staff")
    replies = await chat.say("leads export", role="staff")
    attachment = replies[0].attachment
    assert attachment is not None and attachment.filename == "leads.csv"
    rows = list(csv.DictReader(io.StringIO(attachment.content)))
    assert rows[0]["ref"] == "L-0001" and rows[0]["status"] == "contacted" and rows[0]["email"] == "ann@example.org"


async def test_bad_triage_input_is_explained(chat: Chat) -> None:
    """Unknown status, bad reference and missing lead each say what is wrong."""
    staff = {"role": "staff"}
    assert "STATUS one of new" in (await chat.say("leads status L-0001 maybe", **staff))[0].text
    assert "is not a lead reference" in (await chat.say("leads show X-12", **staff))[0].text
    assert "There is no lead L-0099" in (await chat.say("leads show L-0099", **staff))[0].text
    assert "--since wants a date" in (await chat.say("leads list --since yesterday", **staff))[0].text
