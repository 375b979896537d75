"""Form validation messages and step-by-step filling."""

from __future__ import annotations

import pytest

from bot.errors import FormErrors
from bot.features.leads import consult_form
from bot.forms import form_from_json, form_to_json, validate_field, validate_form
from storage.leads import list_leads
from tests.bot.lead_answers import VALID
from tests.conftest import Chat, texts

CONSULT_FORM = consult_form("P2PU")


def field(name: str):  # type: ignore[no-untyped-def]
    return next(f for f in CONSULT_FORM.fields if f.name == name)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("email", "ann.example.org", "does not look like an email address"),
        ("email", "", "Email is required"),
        ("name", "x" * 201, "at most 200 characters (got 201)"),
        ("help_kind", "juggling", "Choose one of: “Facilitator training”, “Course design”"),
        ("consent", "no", "answer 'yes' to agree"),
    ],
)
def test_field_errors_name_the_problem(name: str, raw: str, message: str) -> None:
    """Each bad value gets a message naming what is wrong."""
    with pytest.raises(FormErrors) as info:
        validate_field(field(name), raw)
    assert message in info.value.errors[name]


def test_choices_accept_number_label_or_key() -> None:
    """A choice can be picked by its number, its label or its key."""
    spec = field("help_kind")
    assert validate_field(spec, "2") == "course_design"
    assert validate_field(spec, "course design") == "course_design"
    assert validate_field(spec, "research") == "research"


def test_whole_form_reports_every_bad_field() -> None:
    """Validating a whole form lists every bad field at once (for modals)."""
    with pytest.raises(FormErrors) as info:
        validate_form(CONSULT_FORM, {"name": "Ann", "email": "nope"})
    assert {"email", "help_kind", "description", "timeline", "consent"} <= set(info.value.errors)
    assert "organization" not in info.value.errors and "budget" not in info.value.errors  # optional


def test_form_survives_serialisation() -> None:
    """A form stored for a step-by-step conversation comes back identical."""
    assert form_from_json(form_to_json(CONSULT_FORM)) == CONSULT_FORM


TYPED_EMAILS = [
    ("  Ann@Example.org ", "Ann@Example.org"),
    ("Ann Lee <ann@example.org>", "ann@example.org"),
    ('"Lee, Ann" <ann@example.org>', "ann@example.org"),
    ("<ann@example.org>", "ann@example.org"),
    ("ann@example.org.", "ann@example.org"),
    ("<mailto:ann@example.org|ann@example.org>", "ann@example.org"),  # Slack's markup for an address in a message
]


@pytest.mark.parametrize("db_target", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("typed", "stored"), TYPED_EMAILS)
async def test_an_email_is_read_alike_in_chat_and_in_a_modal(chat: Chat, typed: str, stored: str) -> None:
    """The consult form's email is read by one rule in the console and in a modal: a display name, brackets, a full
    stop and spaces are dropped alike (a named address or a final full stop was refused)."""
    replies = await chat.submit("consult:intake", {**VALID, "email": typed})
    assert f"\nEmail: {stored}\n" in texts(replies)
    await chat.say("consult", user="cy")
    await chat.say("Ann Lee", user="cy")
    assert (await chat.say(typed, user="cy"))[0].text == (
        "Work with P2PU (3/9): Organization\n(optional: answer 'skip' or '-' to leave it empty)\n"
        "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
    )
    for answer in ("-", "1", "Train our staff", "soon", "skip", "yes", "skip"):
        await chat.say(answer, user="cy")
    async with chat.app.db.session() as session:
        assert [lead.email for lead in await list_leads(session)] == [stored, stored]


@pytest.mark.parametrize("db_target", ["sqlite"], indirect=True)
@pytest.mark.parametrize("typed", ["ann@example", "Ann <ann@example.org>, Bob <bob@example.org>", "ann@example.org x"])
async def test_a_bad_email_gets_one_message_in_chat_and_in_a_modal(chat: Chat, typed: str) -> None:
    """What is no address is refused with the same words in the console and in a modal."""
    said = f"{typed!r} does not look like an email address (name@example.org)"
    assert texts(await chat.submit("consult:intake", {**VALID, "email": typed})) == f"\nemail: {said}"
    await chat.say("consult", user="cy")
    await chat.say("Ann Lee", user="cy")
    assert (await chat.say(typed, user="cy"))[0].text == (
        f"{said}\n\nWork with P2PU (2/9): Email\nWe will only use it to reply to you.\n"
        "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
    )
