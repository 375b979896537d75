"""The one form engine: a form is shown in pages as large as the origin allows, and what was typed so far is kept in
the database, so a half-filled form survives a restart or a move to another replica.

An origin's ``form_page_size`` picks the way: 0 asks field by field in the chat (the console, direct messages), a
positive size shows pages of at most that many fields (5 in a Discord modal, 100 in a Slack modal, so one page).
Step by step, the state is one conversation per user and channel: the next message answers the field asked, and
each step is saved only over the version it read, so of two messages handled at once (two replicas) the second
changes nothing and says the form moved on. In pages, the state is a draft named by a token; each page's submission
carries the token back, the engine merges its answers, and answers with "Saved part n of N" and a "Continue"
button, or submits the whole form to its feature.
A form the feature rejects keeps every answer, with an "Edit answers" button that reopens it filled in.

"Continue", "Edit answers" and "Cancel" are core buttons (prefix ``form``), so an adapter keeps no form state: it
shows the page it is given and sends back what was submitted. Drafts expire :data:`DRAFT_TTL` after their last
change (a scheduler job deletes them); step-by-step conversations wait until answered or cancelled. "Cancel" wins
over a page submitted at the same time (on another replica): whichever lands first, nothing of the draft is left.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import FormErrors, UsageError
from bot.events import Action, Button, Form, FormPage, FormSubmission, Origin, Reply, Visibility
from bot.feature import ActionRoute, Context, FormRoute, Replies, Surface
from bot.forms import text as say
from bot.forms.spec import form_from_json, form_to_json, prompt_for, validate_form
from bot.forms.steps import CommandOf, Intent, no_command, read
from bot.permissions import check_role
from bot.usertext import quote, quote_message
from storage import Database
from storage.conversations import (
    cancel_draft,
    claim_conversation,
    claim_draft,
    delete_draft,
    get_conversation,
    get_draft,
    purge_drafts,
    release_draft,
    restore_conversation,
    save_conversation,
    save_draft,
    update_conversation,
    update_draft,
)
from storage.records import Conversation, FormDraft

__all__ = ["CANCEL", "CONTINUE", "DRAFT_TTL", "FormEngine", "continue_button", "page_bounds"]

DRAFT_TTL = timedelta(minutes=30)  # a half-filled or rejected form in pages waits this long for its next step
CONTINUE = "form:continue"  # value ``token|page``: show that page again, filled with the answers so far
CANCEL = "form:cancel"  # value ``token``: drop what was typed

FormLookup = Callable[[str], FormRoute | None]


def page_bounds(fields: int, size: int, page: int) -> tuple[int, int, int]:
    """``(pages, start, stop)``: how many pages of ``size`` fields a form of ``fields`` fields takes, and the
    fields on ``page`` (clamped to the last page)."""
    pages = max(1, -(-fields // size))
    page = min(max(page, 0), pages - 1)
    return pages, page * size, min(fields, (page + 1) * size)


def continue_button(page: FormPage, label: str) -> Button:
    """A button that shows ``page`` of its form (again), filled with the answers so far."""
    return Button(label, CONTINUE, f"{page.token}|{page.page}")


def _private(text: str, *buttons: Button) -> Reply:
    return Reply(text, buttons=buttons, visibility=Visibility.EPHEMERAL)


class FormEngine:
    """Opens forms, keeps what was typed in the database, and submits a finished form to its feature.

    Args:
        db: where half-filled forms are kept.
        forms: the feature route for a form id (the registry's :meth:`~bot.registry.Registry.form`).
    """

    def __init__(self, db: Database, forms: FormLookup) -> None:
        self.db = db
        self._forms = forms

    def surface(self) -> Surface:
        """The engine's own buttons ("Continue" / "Edit answers" / "Open the form", and "Cancel"), and the job that
        deletes expired drafts."""
        return Surface("forms", actions=(ActionRoute("form", self.action),), jobs=(self.expire,))

    async def expire(self, db: Database, now: datetime) -> list[Reply]:
        """Delete the drafts nobody touched for :data:`DRAFT_TTL` (a scheduler job: every tick)."""
        async with db.session() as session:
            await purge_drafts(session, now - DRAFT_TTL)
        return []

    # -- opening ------------------------------------------------------------------------------------------------

    async def open(self, ctx: Context, replies: Sequence[Reply]) -> list[Reply]:
        """``replies`` with each form started the way ``ctx.origin`` can show it (in pages, or step by step)."""
        out: list[Reply] = []
        for reply in replies:
            if reply.form is None or reply.form_page is not None:
                out.append(reply)
            elif ctx.origin.form_page_size > 0:
                out.append(await self._open_pages(ctx, reply.form, reply))
            else:
                out += await self._open_steps(ctx, reply)
        return out

    async def start_steps(self, ctx: Context, reply: Reply) -> list[Reply]:
        """Ask ``reply``'s form field by field in ``ctx.origin``'s channel (an adapter moving a form somewhere
        private); the draft of its pages, if it had one, is dropped."""
        if reply.form_page is not None:
            async with self.db.session() as session:
                await delete_draft(session, reply.form_page.token)
        return await self._open_steps(ctx, replace(reply, form_page=None))

    async def _open_pages(self, ctx: Context, form: Form, reply: Reply) -> Reply:
        o = ctx.origin
        token = secrets.token_urlsafe(12)
        draft = FormDraft(token, o.platform, o.channel, o.user, form_to_json(form), {}, 0, o.form_page_size)
        async with self.db.session() as session:
            await save_draft(session, draft, ctx.now)
        return replace(reply, form_page=_page(form, draft, 0))

    async def _open_steps(self, ctx: Context, reply: Reply) -> list[Reply]:
        assert reply.form is not None
        o = ctx.origin
        conv = Conversation(o.platform, o.channel, o.user, form_to_json(reply.form), {}, 0)
        async with self.db.session() as session:
            await save_conversation(session, conv, ctx.now)
        first = _private(prompt_for(reply.form, 0))
        return [replace(reply, form=None), first] if reply.text else [first]

    # -- pages --------------------------------------------------------------------------------------------------

    async def action(self, ctx: Context, action: Action) -> Replies:
        """A press of "Continue" / "Edit answers" / "Open the form" (the page, filled in) or of "Cancel"."""
        token, _, page = action.value.partition("|")
        if action.action_id == CANCEL:  # wins over a page being submitted meanwhile, which then saves nothing
            async with self.db.session() as session:
                dropped = await cancel_draft(session, token, ctx.origin.platform, ctx.origin.user, ctx.now)
            return [_private(say.CANCELLED if dropped else say.NOTHING_TO_CANCEL if dropped is None else say.SENDING)]
        if action.action_id != CONTINUE:
            raise UsageError("That button no longer does anything.")
        draft = await self._draft(ctx, token)
        if draft is None:
            return [_private(say.EXPIRED)]
        form = form_from_json(draft.form_json)
        shown = _page(form, draft, int(page) if page.isdigit() else 0)
        return [Reply("", form=form, form_page=shown, visibility=Visibility.EPHEMERAL)]

    async def submit(self, ctx: Context, submission: FormSubmission) -> Replies:
        """One page submitted: its answers checked (a bad one is said at once, with "Edit answers" reopening the
        page filled in), kept with a "Continue" button, or (the last page) the whole form to its feature."""
        draft = await self._draft(ctx, submission.draft)
        if draft is None:
            return [_private(say.EXPIRED)]
        form = form_from_json(draft.form_json)
        route = self._route(ctx, form)
        names = {f.name for f in form.fields}
        values = {**draft.values, **{k: v for k, v in submission.values.items() if k in names}}
        pages, start, stop = page_bounds(len(form.fields), draft.page_size, submission.page)
        if submission.page + 1 < pages:
            problems = _problems(form, start, stop, values)
            kept = replace(draft, values=values, page=submission.page if problems is not None else submission.page + 1)
            async with self.db.session() as session:
                if not await update_draft(session, kept, ctx.now):
                    return [_private(say.CANCELLED)]  # cancelled since it was read: it stays so
            if problems:
                return [_rejected(form, problems, _page(form, kept, kept.page))]
            following = _page(form, kept, kept.page)
            label = f"Continue ({following.page + 1}/{pages})"
            saved = say.SAVED_PART.format(page=submission.page + 1, pages=pages)
            return [_private(saved, continue_button(following, label), _cancel_button(kept.token))]
        return await self._finish(ctx, route, form, draft, values)

    async def _finish(
        self, ctx: Context, route: FormRoute, form: Form, draft: FormDraft, values: dict[str, str]
    ) -> Replies:
        async def rejected(bad: int, exc: FormErrors) -> Replies:
            kept = replace(draft, values=values, page=bad // draft.page_size)
            async with self.db.session() as session:
                if not await release_draft(session, kept, ctx.now):
                    return [_private(say.CANCELLED)]  # cancelled while it was checked: it stays so
            return [_rejected(form, exc, _page(form, kept, kept.page))]

        claim = partial(claim_draft, draft=draft, now=ctx.now)
        restore = partial(release_draft, draft=draft, now=ctx.now)
        done = partial(delete_draft, token=draft.token)
        return await self._submit_once(ctx, route, form, values, claim, rejected, restore, done=done)

    async def _submit_once(
        self,
        ctx: Context,
        route: FormRoute,
        form: Form,
        values: dict[str, str],
        claim: Callable[[AsyncSession], Awaitable[bool]],
        rejected: Callable[[int, FormErrors], Awaitable[Replies]],
        restore: Callable[[AsyncSession], Awaitable[object]],
        lost: Callable[[], Awaitable[Replies]] | None = None,
        done: Callable[[AsyncSession], Awaitable[object]] | None = None,
    ) -> Replies:
        """Give a finished form to its feature once: the half-filled form is claimed (deleted) first, so the same
        last answer or page sent twice at once (a retry, another replica) finds nothing the second time: that one
        gets ``lost``'s replies (none without it: a page submitted twice is one click).

        A check across fields that fails (``FormErrors``) goes to ``rejected`` with the first bad field's index;
        any other failure ``restore``s what was claimed (if nothing took its place meanwhile), so sending the last
        step again works. A claim that only marks what it claimed has it deleted by ``done`` once the form is taken.
        """
        async with self.db.session() as session:
            if not await claim(session):
                return [] if lost is None else await lost()
        try:
            replies = await route.handler(ctx, FormSubmission(ctx.origin, form.form_id, values, form.context))
        except FormErrors as exc:
            names = [f.name for f in form.fields]
            return await rejected(min((names.index(n) for n in exc.errors if n in names), default=0), exc)
        except BaseException:
            async with self.db.session() as session:
                await restore(session)
            raise
        if done is not None:
            async with self.db.session() as session:
                await done(session)
        return replies

    async def _draft(self, ctx: Context, token: str) -> FormDraft | None:
        """The draft ``token`` if it is still kept and is this user's."""
        async with self.db.session() as session:
            draft = await get_draft(session, token, ctx.now - DRAFT_TTL, ctx.now)
        return draft if draft is not None and _owns(ctx.origin, draft) else None

    def _route(self, ctx: Context, form: Form) -> FormRoute:
        route = self._forms(form.form_id)
        if route is None:
            raise UsageError(say.CLOSED)
        check_role(ctx.role, route.min_role, "that form")
        return route

    # -- step by step -------------------------------------------------------------------------------------------

    async def pending(self, origin: Origin) -> Conversation | None:
        """The form ``origin``'s user is filling in step by step in that channel, if any."""
        async with self.db.session() as session:
            return await get_conversation(session, origin.platform, origin.channel, origin.user)

    async def pending_prompt(self, origin: Origin) -> str | None:
        """The question a user still has to answer in ``origin``'s channel, if a form is half filled."""
        conv = await self.pending(origin)
        return None if conv is None else prompt_for(form_from_json(conv.form_json), conv.step, conv.values)

    async def answer(self, ctx: Context, conv: Conversation, text: str, command_of: CommandOf = no_command) -> Replies:
        """``text`` as the reply to the field ``conv`` asks: an instruction (cancel, help, back, keep) carried out,
        or an answer checked and kept, with the next question or the whole form submitted. A command
        (``command_of`` names it) is not run, nor taken as the answer: it waits until the form is done."""
        form = form_from_json(conv.form_json)
        reading = read(form.fields[conv.step], text, command_of)
        again = prompt_for(form, conv.step, conv.values)
        match reading.intent:
            case Intent.CANCEL | Intent.REFUSE:
                async with self.db.session() as session:
                    cancelled = await claim_conversation(session, conv)
                if not cancelled:
                    return await self._overtaken(form, conv)
                said = say.CANCELLED_STEPS if reading.intent is Intent.CANCEL else say.REFUSED
                return [_private(said.format(title=form.title))]
            case Intent.HELP:
                return [_private(f"{say.HELP.format(title=form.title)}\n\n{again}")]
            case Intent.COMMAND:
                busy = say.BUSY.format(title=form.title, command=quote(reading.value))
                return [_private(f"{busy}\n\n{again}")]
            case Intent.INVALID:
                return [_private(f"{quote_message(reading.value)}\n\n{again}")]
            case Intent.BACK if conv.step == 0:
                return [_private(f"{say.NOTHING_BEFORE}\n\n{again}")]
            case Intent.BACK:
                return await self._ask(ctx, form, replace(conv, step=conv.step - 1))
            case Intent.KEEP if form.fields[conv.step].name not in conv.values:
                return [_private(f"{say.NOTHING_TO_KEEP}\n\n{again}")]
            case Intent.KEEP:
                return await self._next(ctx, form, conv, conv.values[form.fields[conv.step].name])
            case Intent.ANSWER:
                return await self._next(ctx, form, conv, reading.value)

    async def _next(self, ctx: Context, form: Form, conv: Conversation, value: str) -> Replies:
        """``value`` kept as the answer to the field asked: the next question, or the whole form submitted."""
        values = {**conv.values, form.fields[conv.step].name: value}
        if conv.step + 1 < len(form.fields):
            return await self._ask(ctx, form, replace(conv, values=values, step=conv.step + 1))
        return await self._finish_steps(ctx, conv, form, values)

    async def _ask(self, ctx: Context, form: Form, conv: Conversation) -> Replies:
        """Keep ``conv`` and ask its question (offering to keep an answer given before), unless the form changed
        since ``conv`` was read."""
        async with self.db.session() as session:
            saved = await update_conversation(session, conv, ctx.now)
        if not saved:
            return await self._overtaken(form, conv)
        return [_private(prompt_for(form, conv.step, conv.values))]

    async def _overtaken(self, form: Form, conv: Conversation) -> Replies:
        """The reply to a message that changed nothing because another message of the user's (on another replica)
        changed ``conv`` first: the form moved on, with the question it is on now, or it ended."""
        async with self.db.session() as session:
            current = await get_conversation(session, conv.platform, conv.channel, conv.user)
        if current is None:
            return [_private(say.ENDED.format(title=form.title))]
        if current.form_json != conv.form_json:  # replaced by a form started meanwhile: its question
            other = form_from_json(current.form_json)
            replaced = say.REPLACED.format(title=form.title, other=other.title)
            return [_private(f"{replaced}\n\n{prompt_for(other, current.step, current.values)}")]
        moved = say.MOVED_ON.format(title=form.title)
        return [_private(f"{moved}\n\n{prompt_for(form, current.step, current.values)}")]

    async def _replaced_when_rejected(self, form: Form, conv: Conversation, problem: str) -> Replies:
        """The reply to a last answer the feature rejected when another message of the user's started a form in
        ``conv``'s place meanwhile (after the claim): the problem, that the answers were not kept, and the new form's
        question."""
        async with self.db.session() as session:
            current = await get_conversation(session, conv.platform, conv.channel, conv.user)
        if current is None:  # the new form was finished or cancelled meanwhile too
            return [_private(f"{problem}\n\n{say.REJECTED_REPLACED.format(title=form.title, other=say.ANOTHER_FORM)}")]
        other = form_from_json(current.form_json)
        replaced = say.REJECTED_REPLACED.format(title=form.title, other=other.title)
        return [_private(f"{problem}\n\n{replaced}\n\n{prompt_for(other, current.step, current.values)}")]

    async def _finish_steps(self, ctx: Context, conv: Conversation, form: Form, values: dict[str, str]) -> Replies:
        async def rejected(bad: int, exc: FormErrors) -> Replies:
            # A check across fields failed: ask the first bad field again, keep the rest (a new version: a message
            # read before the claim must not take it as the state it read).
            kept = replace(conv, values=values, step=bad, version=conv.version + 1)
            async with self.db.session() as session:
                restored = await restore_conversation(session, kept, ctx.now)
            problem = quote_message(exc.errors.get(form.fields[bad].name, str(exc)))
            if not restored:
                return await self._replaced_when_rejected(form, conv, problem)
            return [_private(f"{problem}\n\n{prompt_for(form, bad, values)}")]

        claim = partial(claim_conversation, conv=conv)
        restore = partial(restore_conversation, conv=conv, now=ctx.now)
        lost = partial(self._overtaken, form, conv)  # another last answer of the user's was taken first
        return await self._submit_once(ctx, self._route(ctx, form), form, values, claim, rejected, restore, lost)


def _owns(origin: Origin, draft: FormDraft) -> bool:
    return (origin.platform, origin.user) == (draft.platform, draft.user)


def _page(form: Form, draft: FormDraft, page: int) -> FormPage:
    pages, start, stop = page_bounds(len(form.fields), draft.page_size, page)
    return FormPage(draft.token, start // draft.page_size, pages, start, stop, dict(draft.values))


def _cancel_button(token: str) -> Button:
    return Button("Cancel", CANCEL, token)


def _problems(form: Form, start: int, stop: int, values: Mapping[str, str]) -> FormErrors | None:
    """What is wrong with the answers to ``form``'s fields ``start`` to ``stop`` (one page), if anything."""
    try:
        validate_form(replace(form, fields=form.fields[start:stop]), values)
    except FormErrors as exc:
        return exc
    return None


def _rejected(form: Form, exc: FormErrors, page: FormPage) -> Reply:
    """A page or a form rejected: the errors, each naming its field (also by field, for a modal still open), with
    buttons to reopen it filled in, or to drop it."""
    errors = tuple((name, quote_message(message)) for name, message in exc.errors.items())
    labels = {f.name: f.label for f in form.fields}
    lines = "\n".join(f"- {_named(labels.get(name, ''), message)}" for name, message in errors)
    return Reply(
        f"{say.FIX_THESE}\n{lines}",
        buttons=(continue_button(page, "Edit answers"), _cancel_button(page.token)),
        visibility=Visibility.EPHEMERAL,
        form_errors=errors,
    )


def _named(label: str, message: str) -> str:
    """``message`` led by the field's ``label``, unless it names it already ("Email is required")."""
    return message if not label or message.startswith((label, f"“{label}”")) else f"{label}: {message}"
