"""The core's form engine without any adapter: a form in pages of five, its answers kept in the database by a token
that only its owner can use, and the last page taken once."""

from __future__ import annotations

from dataclasses import replace

from bot.events import Action, FormSubmission, Message, Origin, Reply
from storage.leads import list_leads
from tests.conftest import Chat

PAGE1 = {
    "name": "Ann Lee",
    "email": "ann@example.org",
    "organization": "Library",
    "help_kind": "training",
    "description": "Train our librarians",
}
PAGE2 = {"timeline": "Spring", "budget": "", "consent": "yes"}
EXPIRED = "That form has expired. Please start again."


def _modal(chat: Chat, user: str = "ann") -> Origin:
    """Where a Discord-sized modal opens: five fields a page."""
    return replace(chat.origin(user=user, channel="general"), form_page_size=5)


async def _open(chat: Chat) -> Reply:
    (intro,) = [r for r in await chat.send(Message(_modal(chat), "consult")) if r.form is not None]
    return intro


async def test_a_long_form_opens_in_pages_and_a_page_is_saved_with_continue(chat: Chat) -> None:
    """Consult (eight fields) opens at page 1 of 2; page 1 submitted is kept, with Continue (2/2) and Cancel."""
    opened = await _open(chat)
    page = opened.form_page
    assert page is not None and (page.page, page.pages, page.start, page.stop) == (0, 2, 0, 5)
    (saved,) = await chat.send(FormSubmission(_modal(chat), "", PAGE1, draft=page.token, page=0))
    assert saved.text == "Saved part 1 of 2."
    assert [(b.label, b.action_id, b.value) for b in saved.buttons] == [
        ("Continue (2/2)", "form:continue", f"{page.token}|1"),
        ("Cancel", "form:cancel", page.token),
    ]
    (shown,) = await chat.send(Action(_modal(chat), "form:continue", f"{page.token}|1"))
    assert shown.form_page is not None and (shown.form_page.start, shown.form_page.stop) == (5, 9)
    assert dict(shown.form_page.values) == PAGE1


async def test_only_the_owner_can_continue_or_submit_a_draft_and_the_last_page_counts_once(chat: Chat) -> None:
    """Bo holding Ann's token finds nothing; Ann's last page makes one lead, its repeat finds the form gone."""
    page = (await _open(chat)).form_page
    assert page is not None
    await chat.send(FormSubmission(_modal(chat), "", PAGE1, draft=page.token, page=0))
    (stolen,) = await chat.send(Action(_modal(chat, "bo"), "form:continue", f"{page.token}|1"))
    assert stolen.text == EXPIRED and stolen.form is None
    (forged,) = await chat.send(FormSubmission(_modal(chat, "bo"), "", PAGE2, draft=page.token, page=1))
    assert forged.text == EXPIRED
    done = await chat.send(FormSubmission(_modal(chat), "", PAGE2, draft=page.token, page=1))
    assert any("L-0001" in r.text for r in done)
    (again,) = await chat.send(FormSubmission(_modal(chat), "", PAGE2, draft=page.token, page=1))
    assert again.text == EXPIRED
    async with chat.app.db.session() as session:
        leads = await list_leads(session)
    assert [(lead.name, lead.timeline, lead.requester) for lead in leads] == [("Ann Lee", "Spring", "ann")]


async def test_a_bad_answer_on_page_one_is_said_at_once_and_the_page_reopens_filled_in(chat: Chat) -> None:
    """A bad email on page 1 is reported when page 1 is submitted, naming the field; Edit answers shows page 1 again
    with everything typed, and the fixed page moves on to page 2."""
    page = (await _open(chat)).form_page
    assert page is not None
    bad = {**PAGE1, "email": "nope", "name": ""}
    (rejected,) = await chat.send(FormSubmission(_modal(chat), "", bad, draft=page.token, page=0))
    assert rejected.text == (
        "Please fix these and submit again:\n"
        "- Your name is required\n"
        "- Email: 'nope' does not look like an email address (name@example.org)"
    )
    assert [name for name, _ in rejected.form_errors] == ["name", "email"]
    assert [(b.label, b.value) for b in rejected.buttons] == [
        ("Edit answers", f"{page.token}|0"),
        ("Cancel", page.token),
    ]
    (shown,) = await chat.send(Action(_modal(chat), "form:continue", f"{page.token}|0"))
    assert shown.form_page is not None and (shown.form_page.start, shown.form_page.stop) == (0, 5)
    assert dict(shown.form_page.values) == bad
    (saved,) = await chat.send(FormSubmission(_modal(chat), "", PAGE1, draft=page.token, page=0))
    assert saved.text == "Saved part 1 of 2."


async def test_a_form_rejected_at_the_end_keeps_every_answer_and_reopens_at_the_bad_field(chat: Chat) -> None:
    """No consent on the last page: the feature's error, naming the field, and Edit answers opens page 2 filled in."""
    page = (await _open(chat)).form_page
    assert page is not None
    await chat.send(FormSubmission(_modal(chat), "", PAGE1, draft=page.token, page=0))
    (rejected,) = await chat.send(
        FormSubmission(_modal(chat), "", {**PAGE2, "consent": "no"}, draft=page.token, page=1)
    )
    assert rejected.text == (
        "Please fix these and submit again:\n- May we store these details and contact you about this request?: "
        "We can only go ahead with your consent; answer 'yes' to agree"
    )
    assert [(b.label, b.value) for b in rejected.buttons] == [
        ("Edit answers", f"{page.token}|1"),
        ("Cancel", page.token),
    ]
    (shown,) = await chat.send(Action(_modal(chat), "form:continue", f"{page.token}|1"))
    assert shown.form_page is not None and dict(shown.form_page.values) == {**PAGE1, **PAGE2, "consent": "no"}
