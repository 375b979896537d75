"""``ask`` and ``kb``: answer questions from the recipes, and say so honestly when unsure.

The package: this module holds :class:`Knowledge` (its surface and command handlers); :mod:`.render` the
answer replies and their buttons; :mod:`.feedback` what those buttons do; :mod:`.gaps` the stats, the gaps
report and recipe stubs; :mod:`.text` every sentence users see.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import ClassVar

from rapidfuzz.utils import default_process

from bot.errors import NotFound, UsageError
from bot.events import Action, Reply, Visibility
from bot.feature import ActionRoute, Command, Context, Deps, Group, Replies, Slash, Surface
from bot.features.knowledge import feedback, text
from bot.features.knowledge.gaps import gap_stubs, gaps_reply, stats_reply
from bot.features.knowledge.render import (
    example_question,
    no_idea,
    picked_reply,
    recipe_reply,
    render_answer,
    small_talk_reply,
)
from bot.permissions import Role
from bot.plural import counted
from bot.routing import HELP
from bot.staff_hours import when_back
from bot.usertext import for_others, quote
from knowledge import Recipe
from knowledge.search import mentions
from knowledge.smalltalk import bare_reply, small_talk
from storage import Database
from storage.questions import (
    AskedQuestion,
    confirm_example,
    get_question,
    latest_question,
    log_question,
    recipe_stats,
    unanswered_questions,
)
from storage.threads import get_thread

__all__ = ["AskHuman", "Knowledge", "TellAskers", "asks_for_a_human", "gap_stubs", "render_answer", "small_talk_reply"]

SEARCH_FLOOR = 0.2  # `kb search`: a recipe this sure to answer the term is listed even if it uses none of its words

# `ask` followed by a question is plainly the command, even as a form's answer; "ask around first" is free text.
_A_QUESTION = re.compile(
    r"(?:how|what|when|where|why|who|whom|whose|which|can|could|do|does|did|is|are|should|would|will|may)\b.*|.*\?",
    re.IGNORECASE | re.DOTALL,
)

# "ask a human" (the button's label typed, or its like): the button for the question in context, never a question.
_A_HUMAN = frozenset({"a human", "human", "a person", "a real person", "someone", "a staff member", "staff"})
_CONTEXT = timedelta(days=1)  # "ask a human" typed is about a question asked this recently
_CANCEL = frozenset({"cancel"})
_SKIPPED_SHOWN = 10  # problems `kb reload` lists; `communitybot kb check` lists them all


def asks_for_a_human(text: str) -> bool:
    """Whether ``text`` is "ask a human" (the button's label typed, or its like: "ask a person", "Ask a human!")."""
    words = default_process(text)
    return words.startswith("ask ") and words.removeprefix("ask ").strip() in _A_HUMAN


AskHuman = Callable[[Context, AskedQuestion], Awaitable[Replies]]
"""What "Ask a human" does with a question (peers first: :class:`bot.features.escalations.PeersFirst`)."""
TellAskers = Callable[[Database, Recipe, Sequence[str], datetime], Awaitable[list[Reply]]]
"""Tell who asked in a gap that ``kb confirm`` answered it (:func:`bot.features.escalations.tell_askers`)."""


class Knowledge:
    """Answers questions from the knowledge base, learns from feedback, and shows staff what is missing.

    The knowledge base is ``deps.knowledge()``, looked up on every use, so a reload swaps it in place;
    ``deps.reload_knowledge`` rebuilds the index after a new example has been learned.
    """

    name: ClassVar[str] = "knowledge"

    def __init__(self, deps: Deps, ask_human: AskHuman | None = None, tell_askers: TellAskers | None = None) -> None:
        self._kb = deps.knowledge
        self._relearn = deps.reload_knowledge
        self._channels = deps.channels
        self._metrics = deps.metrics
        self._staff_hours = deps.settings.staff_hours
        self._declined = no_idea(deps.settings)
        self._ask_human = ask_human
        self._tell_askers = tell_askers

    def surface(self) -> Surface:
        """``ask`` (also any free question), the ``kb`` group (its staff words need STAFF) and the ``kb:`` buttons.

        ``kb search`` and ``kb show`` are for everyone; ``kb stats``, ``gaps``, ``confirm`` and ``reload`` for staff.
        """
        staff = Role.STAFF
        ask = Slash(
            "Ask a how-to question",
            option="question",
            option_description="What do you want to know?",
            usage_hint="how many people should be in a learning circle?",
            complete=self.titles,
        )
        commands = (
            Command(
                "ask",
                self.ask,
                "answer a how-to question",
                usage="ask QUESTION",
                examples=("ask how many people should be in a learning circle?",),
                slash=ask,
                typed_args=_A_QUESTION,
            ),
            Command(
                "kb search",
                self.search,
                "list recipes matching some words",
                usage="kb search TERM",
                examples=("kb search venue",),
            ),
            Command(
                "kb show",
                self.show,
                "show one recipe by id",
                usage="kb show ID",
                examples=("kb show circles/group-size",),
            ),
            Command("kb stats", self.stats, "most asked recipes and how helpful they were", min_role=staff, max_args=0),
            Command(
                "kb gaps", self.gaps, "questions I could not answer, grouped and ranked", min_role=staff, max_args=0
            ),
            Command(
                "kb confirm",
                self.confirm,
                "teach me which recipe answers an escalated question",
                usage="kb confirm QUESTION_NUMBER RECIPE_ID",
                min_role=staff,
            ),
            Command("kb reload", self.reload, "load the recipe files again", min_role=staff, max_args=0),
        )
        return Surface(
            self.name,
            commands=commands,
            groups=(Group("kb", "Knowledge base: search, show, stats and gaps", slack=False),),
            actions=(ActionRoute("kb", self.on_button),),
            question=self.ask,
        )

    def titles(self, current: str, channel: str | None) -> list[str]:
        """Autocomplete for ``/ask``: titles of the recipes matching what is typed so far."""
        return [hit.recipe.title for hit in self._kb().search(current, limit=25)] if current.strip() else []

    async def ask(self, ctx: Context, args: str) -> Replies:
        """Answer a question (or small talk), logging it so its buttons can refer to it by number."""
        question = args.strip()
        if not question:
            raise UsageError(text.EMPTY)
        if question.isdigit() and len(question) < 3:  # "1" pressed with no buttons showing (a restart forgets them)
            raise UsageError(text.NO_BUTTON.format(given=question))
        if not any(c.isalpha() for c in question):  # "??": not a gap to fill
            raise UsageError(text.NO_WORDS.format(given=quote(question[:40])))
        if asks_for_a_human(f"ask {question}"):  # "ask a human" typed: the button, for the question in context
            return await self.typed_human(ctx)
        if question.strip(" .!").casefold() in _CANCEL:  # `cancel` with no form open: no buttons to press either
            raise UsageError(text.NOTHING_TO_CANCEL)
        if bare_reply(question, text.LABELS):  # "yes" or "helpful" typed at buttons: not a gap to fill
            raise UsageError(text.BARE_REPLY.format(given=quote(question[:40])))
        kind = small_talk(question)
        if kind is not None:
            return [small_talk_reply(kind, self._channels.configured(HELP), example_question(self._kb()))]
        answer = self._kb().answer(question)
        best = answer.best
        self._metrics.answers.labels("given" if best else "declined").inc()
        async with ctx.db.session() as session:
            qid = await log_question(
                session,
                ctx.origin.platform,
                question,
                best.recipe.id if best else None,
                best.score if best else (answer.suggestions[0].score if answer.suggestions else 0),
                ctx.now,
                asker=ctx.origin.user,
            )
        return [render_answer(answer, qid, self._declined)]

    async def search(self, ctx: Context, args: str) -> Replies:
        """``kb search TERM``: the five best matching recipes with their scores and ids, those with some match only."""
        if not args.strip():
            raise UsageError(text.SEARCH_USAGE)
        # A hit that neither uses a word of the term nor is a plausible answer to it only pads the results ("kb search
        # projector" listed five recipes at 0.01-0.02).
        hits = [h for h in self._kb().search(args, limit=5) if h.score >= SEARCH_FLOOR or mentions(h.recipe, args)]
        hits = [h for h in hits if round(h.score, 2) > 0]
        # Listed by the confidence shown, as a declined question's suggestions are: the ranking weighs the reranker
        # more than the confidence does, and a row under a lower score than its own reads as a mistake.
        hits.sort(key=lambda h: -h.score)
        if not hits:
            return [Reply(text.NO_MATCH.format(term=quote(repr(args.strip()))), visibility=Visibility.EPHEMERAL)]
        lines = [text.SEARCH_LINE.format(score=h.score, id=h.recipe.id, title=h.recipe.title) for h in hits]
        return [Reply("\n".join(lines), title=text.SEARCH_TITLE, visibility=Visibility.EPHEMERAL)]

    async def show(self, ctx: Context, args: str) -> Replies:
        """``kb show ID``: one whole recipe."""
        if not args.strip():
            raise UsageError(text.SHOW_USAGE)
        return [self._recipe(args.strip())]

    def _recipe(self, recipe_id: str) -> Reply:
        return recipe_reply(self._recipe_by_id(recipe_id))

    def _recipe_by_id(self, recipe_id: str) -> Recipe:
        recipe = self._kb().by_id.get(recipe_id)
        if recipe is None:
            raise NotFound(text.NO_RECIPE_TRY_SEARCH.format(id=recipe_id))
        return recipe

    async def reload(self, ctx: Context, args: str) -> Replies:
        """``kb reload``: load the recipe files and learned examples again."""
        skipped = await self._relearn()  # staff on Slack or Discord never read the log: say what was left out
        said = text.RELOADED.format(recipes=counted(len(self._kb()), "recipe"))
        if skipped:
            shown = [f"• {error}" for error in skipped[:_SKIPPED_SHOWN]]
            more = len(skipped) - _SKIPPED_SHOWN
            head = text.RELOAD_SKIPPED.format(problems=counted(len(skipped), "problem"))
            said += "\n" + "\n".join([head, *shown])
            said += f"\n{text.RELOAD_MORE.format(more=more)}" if more > 0 else ""
        return [Reply(said, visibility=Visibility.EPHEMERAL)]

    async def stats(self, ctx: Context, args: str) -> Replies:
        """``kb stats``: the most asked recipes and how helpful they were."""
        async with ctx.db.session() as session:
            rows = await recipe_stats(session)
            unanswered = await unanswered_questions(session)
        return [stats_reply(rows, unanswered)]

    async def gaps(self, ctx: Context, args: str) -> Replies:
        """``kb gaps``: questions without a good answer, grouped and ranked."""
        async with ctx.db.session() as session:
            unanswered = await unanswered_questions(session)
        return [gaps_reply(unanswered)]

    async def confirm(self, ctx: Context, args: str) -> Replies:
        """``kb confirm QUESTION_NUMBER RECIPE_ID``: teach the index that the recipe answers that question."""
        words = args.split()
        if len(words) != 2 or not words[0].isdigit():
            raise UsageError(text.CONFIRM_USAGE)
        number, recipe_id = words
        if recipe_id not in self._kb().by_id:
            raise NotFound(text.NO_RECIPE.format(id=recipe_id))
        async with ctx.db.session() as session:
            asked = await get_question(session, int(number))
            if asked is None:
                raise NotFound(text.NO_QUESTION.format(number=number))
            if asked.erased:
                raise UsageError(text.ERASED_QUESTION.format(number=number))
            new, unlearned = await confirm_example(session, recipe_id, asked.question, ctx.now)
        wording = for_others(repr(asked.question))
        if not new:
            return [Reply(text.TAUGHT_ALREADY.format(question=wording, id=recipe_id), visibility=Visibility.EPHEMERAL)]
        await self._relearn()
        learned = text.LEARNED.format(question=wording, id=recipe_id)
        if unlearned:
            learned += text.UNLEARNED_FOR.format(ids=", ".join(f"`{u}`" for u in unlearned))
        if self._tell_askers is None:
            return [Reply(learned, visibility=Visibility.EPHEMERAL)]
        told = await self._tell_askers(ctx.db, self._kb().by_id[recipe_id], [asked.question], ctx.now)
        return [
            Reply(learned + text.TOLD.format(told=counted(len(told), "member")), visibility=Visibility.EPHEMERAL),
            *told,
        ]

    async def on_button(self, ctx: Context, action: Action) -> Replies:
        """The ``kb:`` buttons: show a recipe (picked for a question: with votes), vote, more results, ask a human."""
        if action.action_id == "kb:show":
            return [self._recipe(action.value)]
        if action.action_id == "kb:pick":
            number, recipe_id = feedback.picked(action.value)
            if recipe_id is None:
                raise UsageError(text.STALE_BUTTON)
            return [picked_reply(self._recipe_by_id(recipe_id), number)]
        kb = self._kb()
        recalled = await feedback.recall(ctx, action, kb.by_id, kb.written_for)
        asked = recalled.asked
        if action.action_id == "kb:helpful":
            if recalled.learned:
                await self._relearn()
            return [feedback.thanks(recalled.teaches, recalled.changed)]
        if action.action_id == "kb:unhelpful":
            if recalled.forgot:
                await self._relearn()
            return [feedback.runners_up(self._kb(), asked, recalled.recipe_id, recalled.changed, recalled.forgot)]
        if action.action_id == "kb:more":
            return [feedback.more_results(self._kb(), asked)]
        if action.action_id == "kb:human":
            return await self._human(ctx, asked)
        raise UsageError(text.STALE_BUTTON)

    async def _human(self, ctx: Context, asked: AskedQuestion) -> Replies:
        """ "Ask a human" on ``asked``: peers first when the escalations feature is there, else the help channel."""
        if self._ask_human is not None:
            return await self._ask_human(ctx, asked)
        away = when_back(self._staff_hours, ctx.now)
        return feedback.escalate(ctx.origin, asked, self._channels.configured(HELP), away)

    async def typed_human(self, ctx: Context) -> Replies:
        """ "ask a human" typed: what the button does for the question in context, the thread's (in a help thread)
        else the asker's latest of the last day; with none, how to reach a person. Never a question "a human"."""
        origin = ctx.origin
        async with ctx.db.session() as session:
            thread = None
            if origin.thread is not None and not origin.is_dm:
                thread = await get_thread(session, origin.platform, origin.channel, origin.thread)
            asked = None  # the thread's question, only for its asker: "ask a human" is theirs to say
            if thread is not None and thread.question_id is not None and thread.asker == origin.user:
                asked = await get_question(session, thread.question_id)
            if asked is None or asked.erased:
                asked = await latest_question(session, origin.platform, origin.user, ctx.now - _CONTEXT)
        if asked is None:
            return [small_talk_reply("human", self._channels.configured(HELP))]
        return await self._human(ctx, asked)
