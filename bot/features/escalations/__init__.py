"""Peers before staff, escalation records, and gaps that close themselves (issue #16, parts 4 and 5).

``helper on [topics...]`` / ``helper off`` / ``helper``: members opt in to be asked first. "Ask a human" (the
knowledge feature's button) goes through :class:`.peers.PeersFirst`; ``kb escalations`` shows every record with its
state. When a human answer solves an escalated or declined question, staff get "Save as recipe" (:mod:`.jobs`),
which drafts a recipe into the review folder (:mod:`.drafts`); ``kb drafts`` and ``kb publish ID`` take it live,
and everyone who asked in that gap is told once (:mod:`.closing`, also after ``kb confirm``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from rapidfuzz.utils import default_process

from bot.args import OPENING_DOUBLE_QUOTES, split_args
from bot.errors import NotFound, UsageError
from bot.events import Action, FieldKind, Form, FormField, FormSubmission, Reply, Visibility
from bot.feature import ActionRoute, Command, Context, Deps, FormRoute, Replies, Slash, Surface
from bot.features.escalations import drafts, text
from bot.features.escalations.closing import day, gap_of, tell_askers
from bot.features.escalations.jobs import EscalationJobs
from bot.features.escalations.links import link_to_thread
from bot.features.escalations.peers import PeersFirst
from bot.logs import mask_contacts
from bot.permissions import Role
from bot.plural import counted
from bot.routing import HELP
from bot.usertext import for_others, quote
from storage.escalations import (
    Escalation,
    get_escalation,
    get_helper,
    list_escalations,
    remove_helper,
    set_helper,
    thread_of_question,
)
from storage.forget import FORGOTTEN
from storage.questions import get_question, unanswered_questions

__all__ = ["Escalations", "PeersFirst", "tell_askers"]

_ON_OFF = re.compile(r"on(?:\s.*)?|off", re.IGNORECASE | re.DOTALL)  # `helper on venues` is the command


class Escalations:
    """Helpers, escalation records, recipe drafts and publishing."""

    name: ClassVar[str] = "escalations"

    def __init__(self, deps: Deps) -> None:
        self._settings = deps.settings
        self._kb = deps.knowledge
        self._reload = deps.reload_knowledge
        self._humans = deps.channels.configured(HELP)
        self._jobs = EscalationJobs(deps.settings.escalation, self._humans)

    def surface(self) -> Surface:
        """``helper`` for members; ``kb escalations``, ``kb save``, ``kb drafts``, ``kb publish`` for staff."""
        staff = Role.STAFF
        helper = Slash(text.SLASH_HELPER, "action", text.SLASH_HELPER_OPTION, required=False, slack=False)
        return Surface(
            self.name,
            commands=(
                Command(
                    "helper",
                    self.helper,
                    text.SUMMARY_HELPER,
                    usage="helper [on [TOPICS...] | off]",
                    examples=("helper on venues online", "helper off"),
                    slash=helper,
                    typed_args=_ON_OFF,
                ),
                Command("kb escalations", self.escalations, text.SUMMARY_ESCALATIONS, min_role=staff, max_args=0),
                Command(
                    "kb save", self.save, text.SUMMARY_SAVE, usage="kb save QUESTION_NUMBER", min_role=staff, max_args=1
                ),
                Command("kb drafts", self.drafts, text.SUMMARY_DRAFTS, min_role=staff, max_args=0),
                Command(
                    "kb publish",
                    self.publish,
                    text.SUMMARY_PUBLISH,
                    usage="kb publish DRAFT_ID",
                    min_role=staff,
                    max_args=1,
                ),
            ),
            actions=(ActionRoute("esc", self.on_button, min_role=staff),),
            forms=(FormRoute("esc", self.on_form, min_role=staff),),
            jobs=(self._jobs.tell_staff, self._jobs.offer_drafts, self._jobs.forget_askers),
        )

    async def helper(self, ctx: Context, args: str) -> Replies:
        """``helper on [topics...]`` (adds to the topics you have; "two words" in quotes are one topic), ``helper
        off``, or ``helper``: your state."""
        words = args.split()
        me = ctx.identities[0]
        async with ctx.db.session() as session:
            found = await get_helper(session, me.platform, me.user)
            if not words:
                if found is None:
                    return [_private(text.HELPER_WAS_OFF)]
                return [_private(text.HELPER_STATE_ON.format(topics=_topics(found.topics), since=day(found.since)))]
            if words[0].lower() == "off" and len(words) == 1:
                gone = await remove_helper(session, me.platform, me.user)
                return [_private(text.HELPER_OFF if gone else text.HELPER_WAS_OFF)]
            if words[0].lower() != "on":
                raise UsageError(text.HELPER_USAGE)
            had = list(found.topics) if found is not None else []
            wanted = list(dict.fromkeys([*had, *topics_typed(args.strip()[2:])]))
            if len(wanted) > MAX_TOPICS:
                raise UsageError(text.TOO_MANY_TOPICS.format(count=len(wanted), limit=MAX_TOPICS))
            added = await set_helper(session, me.platform, me.user, wanted, ctx.now)
        limit = self._settings.escalation.peer_daily_limit
        return [_private(text.HELPER_ON.format(topics=_topics(added.topics), limit=limit))]

    async def escalations(self, ctx: Context, args: str) -> Replies:
        """``kb escalations``: the latest escalations and how each stands."""
        async with ctx.db.session() as session:
            found = await list_escalations(session)
        if not found:
            return [_private(text.NO_ESCALATIONS)]
        lines = [
            text.ESCALATION_LINE.format(
                id=e.question_id,
                state=text.STATE_NAMES[self._state(e, ctx.now)],
                question=text.ERASED_QUESTION if e.question == FORGOTTEN else for_others(e.question),
                peers=e.peers_asked,
                when=day(e.created_at),
            )
            for e in found
        ]
        return [Reply("\n".join(lines), title=text.ESCALATIONS_TITLE, visibility=Visibility.EPHEMERAL)]

    def _state(self, escalation: Escalation, now: datetime) -> str:
        """Its state; peers' time up with no help channel to pass it on is said as such (the job cannot post it:
        once a help channel is set, the next tick does)."""
        due = escalation.staff_due_at
        late = due is not None and due <= now and escalation.state == "asked_peers"
        return "staff_unreachable" if late and not self._humans else escalation.state

    async def save(self, ctx: Context, args: str) -> Replies:
        """``kb save QUESTION_NUMBER``: what "Save as recipe" does (the console has no buttons in channels)."""
        if not args.strip().isdigit():
            raise UsageError(text.SAVE_USAGE)
        return await self._draft_form(ctx, int(args.strip()))

    async def on_button(self, ctx: Context, action: Action) -> Replies:
        """ "Save as recipe": the draft form for that question."""
        if action.action_id != "esc:save" or not action.value.isdigit():
            raise UsageError(text.SAVE_USAGE)
        return await self._draft_form(ctx, int(action.value))

    async def _draft_form(self, ctx: Context, question_id: int) -> Replies:
        async with ctx.db.session() as session:
            asked = await get_question(session, question_id)
            if asked is None:
                raise NotFound(text.NO_QUESTION.format(number=question_id))
            if asked.erased:  # as `kb confirm` refuses it: "(forgotten)" is no question to answer
                raise UsageError(text.ERASED_SAVE.format(number=question_id))
            escalation = await get_escalation(session, question_id)
            thread = await thread_of_question(session, question_id)
        if (written := self._written(question_id, asked.question)) is not None:
            return [_private(written)]
        link = escalation.link if escalation is not None else None
        if link is None and thread is not None:  # the presser's workspace makes it a web link on their platform
            link = link_to_thread(thread, ctx.origin)
        worded = drafts.has_words(asked.question)  # else the title cannot come from it: contacts are masked
        fields = (
            FormField("answer", text.FORM_ANSWER, FieldKind.LONG_TEXT, max_length=3000, hint=text.FORM_ANSWER_HINT),
            FormField(
                "title",
                text.FORM_TITLE_FIELD,
                required=not worded,
                max_length=150,
                hint=text.FORM_TITLE_HINT if worded else text.FORM_TITLE_NEEDED_HINT,
            ),
        )
        context = f"{question_id} {link or ''}".strip()
        form = Form("esc:draft", text.FORM_TITLE, fields, submit_label=text.SUBMIT, context=context)
        return [Reply("", form=form, visibility=Visibility.EPHEMERAL)]

    def _written(self, number: int, question: str) -> str | None:
        """What already answers ``question``, said for ``kb save``: a live recipe or a draft holding it as an example
        (saving again would leave a second draft that cannot be published over the first); the same words in another
        case or punctuation, as another member asked it, count."""
        # Asked again in other case or punctuation: the same question; a draft shows its contacts masked.
        wanted = default_process(mask_contacts(question))

        def holds(questions: Iterable[str]) -> bool:
            return any(default_process(mask_contacts(q)) == wanted for q in questions)

        recipe = next((r for r in self._kb().by_id.values() if holds(r.questions)), None)
        if recipe is not None:
            return text.SAVED_ALREADY.format(number=number, id=recipe.id, title=quote(recipe.title))
        draft = next((d for d in drafts.list_drafts(drafts.drafts_dir(self._settings)) if holds(d.questions)), None)
        if draft is not None:
            return text.DRAFTED_ALREADY.format(number=number, id=draft.id, title=quote(draft.title))
        return None

    async def on_form(self, ctx: Context, submission: FormSubmission) -> Replies:
        """The draft form: write the recipe draft into the review folder (``context``: question number, link)."""
        number, _, link = submission.context.partition(" ")
        if not number.isdigit():
            raise UsageError(text.SAVE_USAGE)
        async with ctx.db.session() as session:
            asked = await get_question(session, int(number))
            if asked is None:
                raise NotFound(text.NO_QUESTION.format(number=number))
            if asked.erased:  # erased while the form was open: said, and the form is done (nothing to send again)
                return [_private(text.ERASED_SAVE.format(number=number))]
            similar = [a.question for a in gap_of(await unanswered_questions(session), [asked.question])]
        draft = drafts.write_draft(
            drafts.drafts_dir(self._settings),
            asked.question,
            submission.values.get("answer", ""),
            submission.values.get("title", ""),
            link or None,
            similar,
            ctx.now.date(),
        )
        return [_private(text.DRAFT_SAVED.format(id=draft.id))]

    async def drafts(self, ctx: Context, args: str) -> Replies:
        """``kb drafts``: the drafts waiting for review."""
        found = drafts.list_drafts(drafts.drafts_dir(self._settings))
        if not found:
            return [_private(text.NO_DRAFTS)]
        lines = [
            text.DRAFT_LINE.format(
                id=d.id, title=quote(d.title), examples=counted(len(d.questions), "example question")
            )
            for d in found
        ]
        return [Reply("\n".join(lines), title=text.DRAFTS_TITLE, visibility=Visibility.EPHEMERAL)]

    async def publish(self, ctx: Context, args: str) -> Replies:
        """``kb publish DRAFT_ID``: move the draft into the live recipes, reload, and tell who asked."""
        if len(args.split()) != 1:
            raise UsageError(text.PUBLISH_USAGE)
        folder, live = drafts.drafts_dir(self._settings), drafts.live_dir(self._settings)
        draft = drafts.publish(folder, live, args.strip(), list(self._kb().by_id))
        await self._reload()
        recipe = self._kb().by_id.get(draft.id)
        told = await tell_askers(ctx.db, recipe, draft.questions, ctx.now) if recipe is not None else []
        done = text.PUBLISHED.format(id=draft.id, title=quote(draft.title), told=counted(len(told), "member"))
        return [_private(done), *told]


MAX_TOPICS = 10  # a helper knows a few things well; a list of everything matches every question
MAX_TOPIC_CHARS = 40  # a word or a short phrase


def topics_typed(typed: str) -> list[str]:
    """The topics of ``helper on ...``: words, or phrases in quotes (straight or curly), lower-cased, each once.

    Raises:
        UsageError: a quote is not closed, or a topic is longer than :data:`MAX_TOPIC_CHARS`.
    """
    parts = split_args(typed)
    if any(part[:1] in OPENING_DOUBLE_QUOTES for part in parts):
        raise UsageError(text.TOPIC_QUOTE)
    topics = [" ".join(p.replace(",", " ").split()).lower() for p in parts]
    for topic in topics:
        if len(topic) > MAX_TOPIC_CHARS:
            start = quote(topic[:MAX_TOPIC_CHARS])
            raise UsageError(text.TOPIC_TOO_LONG.format(limit=MAX_TOPIC_CHARS, start=start, length=len(topic)))
    return [t for t in dict.fromkeys(topics) if t]


def _topics(topics: Iterable[str]) -> str:
    """ " or about venues, “online circles”" (a topic of several words in quotes), or "" with none."""
    shown = [f"“{t}”" if " " in t else t for t in topics]
    return text.HELPER_TOPICS.format(topics=quote(", ".join(shown))) if shown else ""


def _private(says: str) -> Reply:
    return Reply(says, visibility=Visibility.EPHEMERAL)
