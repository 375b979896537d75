"""``ask`` and ``kb``: answer questions from the recipes, and say so honestly when unsure."""

from __future__ import annotations

from collections.abc import Callable

from bot.dispatcher import Command, Context, Feature, Replies
from bot.errors import NotFound, UsageError
from bot.events import Action, Button, Reply, Visibility
from knowledge import Answer, KnowledgeBase

__all__ = ["knowledge_feature", "render_answer"]

_NOT_SURE = "I'm not sure I know the answer to that."
_DID_YOU_MEAN = "Did you mean one of these?"
_NO_IDEA = "I don't have a recipe for that yet."
_ASK_HUMAN = "Ask a human"
_WORK_WITH_US = "Work with us"
_EMPTY = "Ask me a question, e.g. `ask how long should a learning circle meeting be`."


def render_answer(answer: Answer) -> Reply:
    """The reply for an answer: the recipe, or an honest "not sure" with suggestions."""
    if answer.best is not None:
        recipe = answer.best.recipe
        more = tuple(Button(f"See: {h.recipe.title}", "kb:show", h.recipe.id) for h in answer.suggestions[:2])
        # Recipes about paid help offer the intake form right there.
        work = (Button(_WORK_WITH_US, "consult:open"),) if "consulting" in recipe.tags else ()
        return Reply(
            text=recipe.body,
            title=recipe.title,
            link=recipe.link,
            buttons=(*work, *more, Button(_ASK_HUMAN, "kb:human", answer.question[:1500])),
            in_thread=True,
        )
    if answer.suggestions:
        text = f"{_NOT_SURE} {_DID_YOU_MEAN}"
        buttons = tuple(Button(h.recipe.title, "kb:show", h.recipe.id) for h in answer.suggestions)
    else:
        text, buttons = _NO_IDEA, ()
    return Reply(text=text, buttons=(*buttons, Button(_ASK_HUMAN, "kb:human", answer.question[:1500])), in_thread=True)


def knowledge_feature(kb: Callable[[], KnowledgeBase], help_channel: str | None) -> Feature:
    """Commands over the knowledge base ``kb()`` (a callable so a reload swaps it in place)."""

    async def ask(ctx: Context, args: str) -> Replies:
        if not args.strip():
            raise UsageError(_EMPTY)
        return [render_answer(kb().answer(args.strip()))]

    async def search(ctx: Context, args: str) -> Replies:
        if not args.strip():
            raise UsageError("Usage: `kb search TERM`")
        hits = kb().search(args, limit=5)
        if not hits:
            return [Reply(f"No recipe matches {args.strip()!r}.", visibility=Visibility.EPHEMERAL)]
        lines = [f"{h.score:.2f}  `{h.recipe.id}`  {h.recipe.title}" for h in hits]
        return [Reply("\n".join(lines), title="Matching recipes", visibility=Visibility.EPHEMERAL)]

    async def show(ctx: Context, args: str) -> Replies:
        return [_show(args.strip())]

    def _show(recipe_id: str) -> Reply:
        recipe = kb().by_id.get(recipe_id)
        if recipe is None:
            raise NotFound(f"There is no recipe with id {recipe_id!r}. Try `kb search` to find one.")
        return Reply(recipe.body, title=recipe.title, link=recipe.link, in_thread=True)

    async def on_button(ctx: Context, action: Action) -> Replies:
        if action.action_id == "kb:show":
            return [_show(action.value)]
        if action.action_id == "kb:human":
            if help_channel is None:
                return [
                    Reply(
                        "Nobody is set up to take questions here yet; please ask in the community forum.",
                        visibility=Visibility.EPHEMERAL,
                    )
                ]
            who = ctx.origin.user_name or ctx.origin.user
            return [
                Reply(f"{who} asked: {action.value}", title="A question for a human", channel=help_channel),
                Reply(
                    "I've passed your question to the team; someone will answer you there.",
                    visibility=Visibility.EPHEMERAL,
                ),
            ]
        raise UsageError("That button no longer does anything.")

    return Feature(
        name="knowledge",
        commands=(
            Command(
                "ask",
                ask,
                "answer a how-to question",
                usage="ask QUESTION",
                examples=("ask how many people should be in a learning circle?",),
            ),
            Command(
                "kb search",
                search,
                "list recipes matching some words",
                usage="kb search TERM",
                examples=("kb search venue",),
            ),
            Command(
                "kb show",
                show,
                "show one recipe by id",
                usage="kb show ID",
                examples=("kb show circles/group-size",),
            ),
        ),
        actions={"kb": on_button},
        question=ask,
    )
