"""``ask`` and ``kb``: answer questions from the recipes, and say so honestly when unsure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from bot.errors import NotFound, UsageError
from bot.events import Action, Button, Reply, Visibility
from bot.feature import ActionRoute, Command, Context, Group, Replies, Slash, Surface
from bot.metrics import Metrics
from bot.permissions import Role
from bot.routing import HELP, Channels
from bot.usertext import quote
from knowledge import Answer, Hit, KnowledgeBase
from knowledge.search import tokens
from knowledge.smalltalk import SmallTalk, small_talk
from storage.questions import (
    add_learned_example,
    get_question,
    log_question,
    recipe_stats,
    set_feedback,
    unanswered_questions,
)

__all__ = ["gap_stubs", "knowledge_feature", "render_answer", "small_talk_reply"]

_NOT_SURE = "I'm not sure I know the answer to that."
_DID_YOU_MEAN = "Did you mean one of these?"
_NO_IDEA = "I don't have a recipe for that yet."
_ASK_HUMAN = "Ask a human"
_HELPFUL = "Helpful"
_NOT_HELPFUL = "Not helpful"
_MORE = "More results"
_MORE_TEXT = "Other recipes that might help:"
_THANKS_HELPFUL = "Thanks! I'll remember that this answer fits questions like yours."
_THANKS_UNHELPFUL = "Thanks for telling me; I've noted it so the team can improve this answer."
_RUNNERS_UP = "Maybe one of these answers it:"
_READ_MORE = "Read more"
_LABEL_CHARS = 75  # the longest button label every platform shows whole
_SMALL_TALK: dict[SmallTalk, str] = {
    "greeting": "Hi!",
    "thanks": "You're welcome!",
    "bye": "Bye for now!",
    "bot": "Yes, I'm a bot, not a person.",
    "abilities": "Glad you asked.",
}
_WHAT_I_DO = (
    "I answer questions about running learning circles from this community's handbook and recipes: ask me "
    "something like “how long should a meeting be?”."
)
_HUMAN_HERE = "To reach a person, press “Ask a human” under any of my answers."
_HUMAN_FORUM = "To reach a person, please ask in the community forum."
_NO_HUMANS = "Nobody is set up to take questions here yet; please ask in the community forum."
_PASSED_ON = "I've passed your question to the team; someone will answer you there."
_GAP_SIMILARITY = 75
_WORK_WITH_US = "Work with us"
_EMPTY = "Ask me a question, e.g. `ask how long should a learning circle meeting be`."


def small_talk_reply(kind: SmallTalk, humans: bool) -> Reply:
    """A short friendly reply to small talk: what the bot does and how to reach a human."""
    human = _HUMAN_HERE if humans else _HUMAN_FORUM
    return Reply(f"{_SMALL_TALK[kind]} {_WHAT_I_DO} {human}", in_thread=True)


def _label(title: str) -> str:
    """A button label: a long heading path keeps its end (the section), which says the most."""
    if len(title) <= _LABEL_CHARS:
        return title
    return "…" + title[-(_LABEL_CHARS - 1) :].lstrip()


def _show_buttons(hits: Sequence[Hit]) -> tuple[Button, ...]:
    return tuple(Button(_label(h.recipe.title), "kb:show", h.recipe.id) for h in hits)


def render_answer(answer: Answer, question_id: int) -> Reply:
    """The reply for an answer: the recipe with feedback buttons, or an honest "not sure" with suggestions.

    A docs section shows its passage that best matches the question, with "Read more" for the whole section.
    Buttons carry the logged question's id, not its text, so they fit any platform's size limits.
    """
    qid = str(question_id)
    human = Button(_ASK_HUMAN, "kb:human", qid)
    if answer.best is not None:
        recipe = answer.best.recipe
        # Recipes about paid help offer the intake form right there.
        work = (Button(_WORK_WITH_US, "consult:open"),) if "consulting" in recipe.tags else ()
        read = (Button(_READ_MORE, "kb:show", recipe.id),) if answer.best.passage else ()
        more = (Button(_MORE, "kb:more", qid),) if answer.suggestions else ()
        return Reply(
            text=answer.best.passage or recipe.body,
            title=recipe.title,
            link=recipe.link,
            buttons=(
                Button(_HELPFUL, "kb:helpful", qid),
                Button(_NOT_HELPFUL, "kb:unhelpful", qid),
                *work,
                *read,
                *more,
                human,
            ),
            in_thread=True,
        )
    if answer.suggestions:
        text = f"{_NOT_SURE} {_DID_YOU_MEAN}"
        buttons = _show_buttons(answer.suggestions)
    else:
        text, buttons = _NO_IDEA, ()
    return Reply(text=text, buttons=(*buttons, human), in_thread=True)


def _clusters(questions: Sequence[str]) -> list[list[str]]:
    """Group similar questions (greedy, by fuzzy similarity of their content words), biggest group first."""
    groups: list[tuple[str, list[str]]] = []
    for question in questions:
        key = " ".join(tokens(question))
        for head, members in groups:
            if fuzz.token_set_ratio(key, head) >= _GAP_SIMILARITY:
                members.append(question)
                break
        else:
            groups.append((key, [question]))
    return sorted((members for _, members in groups), key=len, reverse=True)


def gap_stubs(questions: Sequence[str], folder: Path) -> list[Path]:
    """Write one recipe stub per group of similar unanswered questions, with the questions filled in.

    Existing files are never overwritten. Returns the files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for group in _clusters(questions):
        words = tokens(group[0])[:6] or ["question"]
        path = folder / f"{'-'.join(words)}.md"
        if path.exists():
            continue
        front = {
            "title": "TODO: a title people would search for",
            "summary": "TODO",
            "questions": group[:20],
            "links": [],
        }
        path.write_text(
            "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\nTODO: write the answer.\n",
            encoding="utf-8",
        )
        written.append(path)
    return written


def knowledge_feature(
    kb: Callable[[], KnowledgeBase],
    channels: Channels,
    relearn: Callable[[], Awaitable[None]],
    metrics: Metrics,
) -> Surface:
    """Commands over the knowledge base ``kb()`` (a callable so a reload swaps it in place).

    ``relearn`` rebuilds the index after a new example has been learned from feedback.
    """

    async def ask(ctx: Context, args: str) -> Replies:
        question = args.strip()
        if not question:
            raise UsageError(_EMPTY)
        kind = small_talk(question)
        if kind is not None:
            return [small_talk_reply(kind, channels.configured(HELP))]
        answer = kb().answer(question)
        best = answer.best
        metrics.answers.labels("given" if best else "declined").inc()
        async with ctx.db.session() as session:
            qid = await log_question(
                session,
                ctx.origin.platform,
                question,
                best.recipe.id if best else None,
                best.score if best else (answer.suggestions[0].score if answer.suggestions else 0),
                ctx.now,
            )
        return [render_answer(answer, qid)]

    async def search(ctx: Context, args: str) -> Replies:
        if not args.strip():
            raise UsageError("Usage: `kb search TERM`")
        hits = kb().search(args, limit=5)
        if not hits:
            return [Reply(f"No recipe matches {quote(repr(args.strip()))}.", visibility=Visibility.EPHEMERAL)]
        lines = [f"{h.score:.2f}  `{h.recipe.id}`  {h.recipe.title}" for h in hits]
        return [Reply("\n".join(lines), title="Matching recipes", visibility=Visibility.EPHEMERAL)]

    async def show(ctx: Context, args: str) -> Replies:
        return [_show(args.strip())]

    def _show(recipe_id: str) -> Reply:
        recipe = kb().by_id.get(recipe_id)
        if recipe is None:
            raise NotFound(f"There is no recipe with id {recipe_id!r}. Try `kb search` to find one.")
        return Reply(recipe.body, title=recipe.title, link=recipe.link, in_thread=True)

    async def reload(ctx: Context, args: str) -> Replies:
        await relearn()
        return [Reply(f"Reloaded: {len(kb())} recipes.", visibility=Visibility.EPHEMERAL)]

    async def stats(ctx: Context, args: str) -> Replies:
        async with ctx.db.session() as session:
            rows = await recipe_stats(session)
            unanswered = await unanswered_questions(session)
        lines = [f"{r.asked:>4} asked  {r.helpful} helpful / {r.not_helpful} not  `{r.recipe_id}`" for r in rows[:20]]
        lines.append(f"Declined or not helpful: {len(unanswered)} (see `kb gaps`)")
        return [Reply("\n".join(lines), title="Most asked recipes", visibility=Visibility.EPHEMERAL)]

    async def gaps(ctx: Context, args: str) -> Replies:
        async with ctx.db.session() as session:
            unanswered = await unanswered_questions(session)
        groups = _clusters([q.question for q in unanswered])
        if not groups:
            return [
                Reply(
                    "No gaps: every question so far was answered and nobody said it didn't help.",
                    visibility=Visibility.EPHEMERAL,
                )
            ]
        lines = [
            f"{len(g):>3} × {quote(g[0])}" + (f"  (also: {quote('; '.join(g[1:3]))})" if len(g) > 1 else "")
            for g in groups[:20]
        ]
        return [Reply("\n".join(lines), title="Questions without a good answer", visibility=Visibility.EPHEMERAL)]

    async def confirm(ctx: Context, args: str) -> Replies:
        words = args.split()
        if len(words) != 2 or not words[0].isdigit():
            raise UsageError(
                "Usage: `kb confirm QUESTION_NUMBER RECIPE_ID` (the number is shown with escalated questions)"
            )
        if words[1] not in kb().by_id:
            raise NotFound(f"There is no recipe with id {words[1]!r}.")
        async with ctx.db.session() as session:
            asked = await get_question(session, int(words[0]))
            if asked is None:
                raise NotFound(f"There is no question number {words[0]}.")
            await add_learned_example(session, words[1], asked.question, "staff", ctx.now)
        await relearn()
        return [
            Reply(
                f"Learned: {quote(repr(asked.question))} is answered by `{words[1]}`.", visibility=Visibility.EPHEMERAL
            )
        ]

    async def on_button(ctx: Context, action: Action) -> Replies:
        if action.action_id == "kb:show":
            return [_show(action.value)]
        if not action.value.isdigit():
            raise UsageError("That button no longer does anything.")
        async with ctx.db.session() as session:
            asked = await get_question(session, int(action.value))
            if asked is None:
                raise NotFound("I no longer have that question.")
            if action.action_id in {"kb:helpful", "kb:unhelpful"}:
                helpful = action.action_id == "kb:helpful"
                await set_feedback(session, asked.id, "helpful" if helpful else "not_helpful")
                learned = (
                    helpful
                    and asked.recipe_id is not None
                    and await add_learned_example(session, asked.recipe_id, asked.question, "helpful", ctx.now)
                )
        if action.action_id == "kb:helpful":
            if learned:
                await relearn()
            return [Reply(_THANKS_HELPFUL, visibility=Visibility.EPHEMERAL)]
        if action.action_id == "kb:unhelpful":
            # The runners-up: the answer given often has the right one just behind it.
            page = (asked.recipe_id or "").split("#", 1)[0]
            others = [h for h in kb().search(asked.question, limit=4) if h.recipe.id.split("#", 1)[0] != page][:3]
            return [
                Reply(
                    f"{_THANKS_UNHELPFUL} {_RUNNERS_UP}" if others else _THANKS_UNHELPFUL,
                    buttons=(*_show_buttons(others), Button(_ASK_HUMAN, "kb:human", action.value)),
                    visibility=Visibility.EPHEMERAL,
                )
            ]
        if action.action_id == "kb:more":
            hits = kb().search(asked.question, limit=6)[1:]
            return [
                Reply(
                    _MORE_TEXT,
                    buttons=_show_buttons(hits),
                    visibility=Visibility.EPHEMERAL,
                )
            ]
        if action.action_id == "kb:human":
            if not channels.configured(HELP):
                return [Reply(_NO_HUMANS, visibility=Visibility.EPHEMERAL)]
            who = ctx.origin.user_name or ctx.origin.user
            return [
                Reply(
                    f"{quote(who)} asked: {quote(asked.question)}\n(question {asked.id}; "
                    f"staff can teach me the answer with `kb confirm {asked.id} RECIPE_ID`)",
                    title="A question for a human",
                    channel=HELP,
                    platform=ctx.origin.platform,
                ),
                Reply(_PASSED_ON, visibility=Visibility.EPHEMERAL),
            ]
        raise UsageError("That button no longer does anything.")

    def titles(current: str, channel: str | None) -> list[str]:
        return [hit.recipe.title for hit in kb().search(current, limit=25)] if current.strip() else []

    staff = Role.STAFF
    return Surface(
        name="knowledge",
        commands=(
            Command(
                "ask",
                ask,
                "answer a how-to question",
                usage="ask QUESTION",
                examples=("ask how many people should be in a learning circle?",),
                slash=Slash(
                    "Ask a how-to question",
                    option="question",
                    option_description="What do you want to know?",
                    usage_hint="how many people should be in a learning circle?",
                    complete=titles,
                ),
            ),
            Command(
                "kb search",
                search,
                "list recipes matching some words",
                usage="kb search TERM",
                examples=("kb search venue",),
            ),
            Command(
                "kb show", show, "show one recipe by id", usage="kb show ID", examples=("kb show circles/group-size",)
            ),
            Command("kb stats", stats, "most asked recipes and how helpful they were", min_role=staff),
            Command("kb gaps", gaps, "questions I could not answer, grouped and ranked", min_role=staff),
            Command(
                "kb confirm",
                confirm,
                "teach me which recipe answers an escalated question",
                usage="kb confirm QUESTION_NUMBER RECIPE_ID",
                min_role=staff,
            ),
            Command("kb reload", reload, "load the recipe files again", min_role=staff),
        ),
        groups=(Group("kb", "Knowledge base: search, show, stats and gaps", slack=False),),
        actions=(ActionRoute("kb", on_button),),
        question=ask,
    )
