"""A form in pages (modals, five fields a page) cancelled on one replica while a page of it is being submitted on the
other: Cancel wins in either order, and nothing of the draft is left in the database. The form is consult, whose
last page the feature rejects without consent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from bot.events import Action, FormSubmission, Message, Origin, Reply
from bot.feature import Context, Replies
from bot.forms.engine import DRAFT_TTL
from storage.conversations import CLAIM_LEASE, claim_draft, get_draft
from storage.models import FormDraftRow
from storage.records import FormDraft
from tests.bot.test_form_engine import EXPIRED, PAGE1, PAGE2
from tests.conftest import Chat, Clock

CANCELLED = "Cancelled. Nothing you typed in that form was kept."
SENDING = (
    "That form was already being sent when you pressed Cancel: if it went through, its reply says so; if not, nothing"
    " of it is kept."
)
NOTHING_LEFT = "There is nothing to cancel: that form was already sent, or has expired."
NO_CONSENT = {**PAGE2, "consent": "no"}
REJECTED = (
    "Please fix these and submit again:\n- May we store these details and contact you about this request?: "
    "We can only go ahead with your consent; answer 'yes' to agree"
)
BAD_EMAIL = "Please fix these and submit again:\n- Email: 'nope' does not look like an email address (name@example.org)"


def _modal(chat: Chat) -> Origin:
    return replace(chat.origin(channel="general"), form_page_size=5)


async def _opened(chat: Chat, *pages: dict[str, str]) -> str:
    """Consult opened as Ann in a modal and ``pages`` submitted; its draft's token."""
    (intro,) = [r for r in await chat.send(Message(_modal(chat), "consult")) if r.form_page is not None]
    assert intro.form_page is not None
    for n, values in enumerate(pages):
        await _submit(chat, intro.form_page.token, n, values)
    return intro.form_page.token


async def _submit(chat: Chat, token: str, page: int, values: dict[str, str]) -> list[Reply]:
    return await chat.send(FormSubmission(_modal(chat), "", values, draft=token, page=page))


async def _cancel(chat: Chat, token: str) -> list[str]:
    return [r.text for r in await chat.send(Action(_modal(chat), "form:cancel", token))]


async def _left(chat: Chat, token: str) -> FormDraftRow | None:
    """What the database still holds of the draft ``token``, claimed or not."""
    async with chat.app.db.session() as session:
        return await session.get(FormDraftRow, token)


async def _gone(chat: Chat, token: str) -> None:
    """Nothing of the draft is left, and "Edit answers" says the form has expired."""
    assert await _left(chat, token) is None
    assert [r.text for r in await chat.send(Action(_modal(chat), "form:continue", f"{token}|0"))] == [EXPIRED]


async def _while_checked(
    late: Chat, submit: Awaitable[list[Reply]], meanwhile: Callable[[], Awaitable[object]]
) -> Replies:
    """``submit`` (consult's last page) on the ``late`` replica, which claims the draft and, before the feature checks
    it, waits while ``meanwhile`` (on the other replica) runs in full; what ``late`` replies."""
    forms = late.app.registry.forms
    route = forms["consult"]
    claimed, go = asyncio.Event(), asyncio.Event()

    async def held(ctx: Context, submission: FormSubmission) -> Replies:
        claimed.set()
        await go.wait()
        return await route.handler(ctx, submission)

    forms["consult"] = replace(route, handler=held)
    try:
        replies = asyncio.ensure_future(submit)
        await asyncio.wait_for(claimed.wait(), 10)
        await meanwhile()
        go.set()
        return await replies
    finally:
        go.set()
        forms["consult"] = route


async def test_cancel_while_the_last_page_is_checked_wins_over_its_rejection(replicas: tuple[Chat, Chat]) -> None:
    """Cancel lands after the last page was taken for checking and before it came back rejected: the rejection does
    not put the draft back (it used to, answers and all), and its reply says the form was cancelled."""
    one, two = replicas
    token = await _opened(one, PAGE1)
    cancelled: list[str] = []

    async def cancel() -> None:
        cancelled.extend(await _cancel(one, token))

    rejected = await _while_checked(two, _submit(two, token, 1, NO_CONSENT), cancel)
    assert cancelled == [SENDING]  # it could not know yet whether the feature would take it
    assert [(r.text, r.buttons, r.form_errors) for r in rejected] == [(CANCELLED, (), ())]
    await _gone(one, token)


async def test_cancel_after_the_last_page_was_rejected_drops_the_draft(replicas: tuple[Chat, Chat]) -> None:
    """The other order: the last page comes back rejected, then Cancel (on the other replica) drops the draft."""
    one, two = replicas
    token = await _opened(one, PAGE1)
    (rejected,) = await _submit(two, token, 1, NO_CONSENT)
    assert rejected.text == REJECTED
    assert await _cancel(one, token) == [CANCELLED]
    await _gone(one, token)


@pytest.mark.parametrize("values", [{**PAGE1, "email": "nope"}, PAGE1], ids=["rejected", "saved"])
async def test_cancel_while_a_page_is_submitted_wins(
    replicas: tuple[Chat, Chat], monkeypatch: pytest.MonkeyPatch, values: dict[str, str]
) -> None:
    """Cancel lands after page 1's submission read the draft and before it saved the answers (rejected or not): the
    draft is not saved back, and the page's reply says the form was cancelled."""
    one, two = replicas
    token = await _opened(one)
    engine = two.app.dispatcher.forms
    read = engine._draft

    async def read_then_cancel(ctx: Context, token: str) -> FormDraft | None:
        draft = await read(ctx, token)
        assert await _cancel(one, token) == [CANCELLED]
        return draft

    monkeypatch.setattr(engine, "_draft", read_then_cancel)
    replies = await _submit(two, token, 0, values)
    assert [(r.text, r.buttons, r.form_errors) for r in replies] == [(CANCELLED, (), ())]
    await _gone(one, token)


@pytest.mark.parametrize("values", [{**PAGE1, "email": "nope"}, PAGE1], ids=["rejected", "saved"])
async def test_cancel_after_a_page_was_submitted_drops_the_draft(
    replicas: tuple[Chat, Chat], values: dict[str, str]
) -> None:
    """The other order: page 1 is rejected or saved, then Cancel (on the other replica) drops the draft."""
    one, two = replicas
    token = await _opened(one)
    (answered,) = await _submit(two, token, 0, values)
    assert answered.text == (BAD_EMAIL if values["email"] == "nope" else "Saved part 1 of 2.")
    assert await _cancel(one, token) == [CANCELLED]
    await _gone(one, token)


async def test_cancel_after_the_form_was_sent_does_not_say_nothing_was_kept(replicas: tuple[Chat, Chat]) -> None:
    """The Cancel button of an earlier page, pressed after the form went through (the request is stored), does not
    tell the user that nothing they typed was kept; nor does one pressed while the form was being sent."""
    one, two = replicas
    token = await _opened(one, PAGE1)
    sent: list[str] = []

    async def cancel() -> None:
        sent.extend(await _cancel(one, token))

    replies = await _while_checked(two, _submit(two, token, 1, PAGE2), cancel)
    assert "L-0001" in " ".join(r.text for r in replies)  # stored: the request went through
    assert sent == [SENDING]
    assert await _cancel(one, token) == [NOTHING_LEFT]
    await _gone(one, token)


async def _stopped_while_sending(chat: Chat, token: str, clock: Clock) -> None:
    """The last page taken for sending (claimed) by a process that then stopped: nothing stored, nothing put back."""
    async with chat.app.db.session() as session:
        draft = await get_draft(session, token, clock.now - DRAFT_TTL, clock.now)
        assert draft is not None and await claim_draft(session, draft, clock.now)


async def test_a_claim_left_by_a_stopped_bot_lapses_and_the_form_reopens_filled_in(
    replicas: tuple[Chat, Chat], clock: Clock
) -> None:
    """The bot stopped between taking the last page for sending and storing it: once the claim's lease is over,
    "Continue" reopens the last page with page 1's answers (it said the form had expired, for 30 minutes, and a
    fresh form was blank), and sending it stores the request once."""
    one, two = replicas
    token = await _opened(one, PAGE1)
    await _stopped_while_sending(two, token, clock)
    reopen = Action(_modal(one), "form:continue", f"{token}|1")
    assert [r.text for r in await one.send(reopen)] == [EXPIRED]  # within the lease it may still be being sent
    clock.advance(seconds=CLAIM_LEASE.total_seconds())
    (shown,) = await one.send(reopen)
    assert shown.form_page is not None
    assert (shown.form_page.page, shown.form_page.pages, dict(shown.form_page.values)) == (1, 2, PAGE1)
    sent = await _submit(one, token, 1, PAGE2)
    assert "L-0001" in " ".join(r.text for r in sent)
    assert [r.text for r in await _submit(two, token, 1, PAGE2)] == [EXPIRED]  # stored once
    await _gone(one, token)


async def test_cancel_after_a_lapsed_claim_says_it_was_cancelled(replicas: tuple[Chat, Chat], clock: Clock) -> None:
    """Cancel pressed after a stopped bot's claim lapsed says nothing was kept (not that the form is being sent)."""
    one, two = replicas
    token = await _opened(one, PAGE1)
    await _stopped_while_sending(two, token, clock)
    assert await _cancel(one, token) == [SENDING]  # the claim holds: it might still go through
    token = await _opened(one, PAGE1)
    await _stopped_while_sending(two, token, clock)
    clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
    assert await _cancel(one, token) == [CANCELLED]
    await _gone(one, token)
