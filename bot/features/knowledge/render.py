"""Replies that show answers and recipes, with their buttons."""

from __future__ import annotations

from collections.abc import Sequence

from bot.events import Button, Reply
from bot.features.knowledge import text
from knowledge import Answer, Hit, Recipe
from knowledge.docs import readable
from knowledge.smalltalk import SmallTalk
from knowledge.sources import KnowledgeSettings, loads_starter_recipes

__all__ = ["no_idea", "recipe_reply", "render_answer", "show_buttons", "small_talk_reply"]

_LABEL_CHARS = 75  # the longest button label every platform shows whole


def small_talk_reply(kind: SmallTalk, humans: bool) -> Reply:
    """A short friendly reply to small talk: what the bot does and how to reach a human."""
    human = text.HUMAN_HERE if humans else text.HUMAN_FORUM
    if kind == "human":  # asked for a person: how, not what the bot does
        return Reply(f"{text.SMALL_TALK[kind]} {human}", in_thread=True)
    return Reply(f"{text.SMALL_TALK[kind]} {text.WHAT_I_DO} {human}", in_thread=True)


def no_idea(settings: KnowledgeSettings) -> str:
    """What a decline says, true to what is loaded: no recipe, or (with an imported docs tree) nothing in the docs."""
    if not any(d.base_url for d in settings.knowledge_dirs):
        return text.NO_IDEA
    recipes = loads_starter_recipes(settings) or any(not d.base_url for d in settings.knowledge_dirs)
    return text.NO_IDEA_DOCS_AND_RECIPES if recipes else text.NO_IDEA_DOCS


def _label(title: str) -> str:
    """A button label: a long heading path keeps its end (the section), which says the most."""
    if len(title) <= _LABEL_CHARS:
        return title
    return "…" + title[-(_LABEL_CHARS - 1) :].lstrip()


def show_buttons(hits: Sequence[Hit]) -> tuple[Button, ...]:
    """One button per hit that shows its recipe (labelled with the recipe's title)."""
    return tuple(Button(_label(h.recipe.title), "kb:show", h.recipe.id) for h in hits)


def recipe_reply(recipe: Recipe) -> Reply:
    """A whole recipe, in the thread it was asked for in."""
    return Reply(readable(recipe.body, recipe.title), title=recipe.title, link=recipe.link, in_thread=True)


def render_answer(answer: Answer, question_id: int, declined: str = text.NO_IDEA) -> Reply:
    """The reply for an answer: the recipe with feedback buttons, or an honest "not sure" with suggestions.

    A docs section shows its passage that best matches the question, with a "Read more" button for the whole
    section, which carries the section's link: the passage does not, or it would say "Read more" twice (a button
    and a link; the console shows both as text). Buttons carry the logged question's id, not its text, so they fit
    any platform's size limits. ``declined`` is what it says when nothing is close (see :func:`no_idea`).
    """
    qid = str(question_id)
    human = Button(text.ASK_HUMAN, "kb:human", qid)
    if answer.best is not None:
        recipe = answer.best.recipe
        # Recipes about paid help offer the intake form right there.
        work = (Button(text.WORK_WITH_US, "consult:open", primary=True),) if "consulting" in recipe.tags else ()
        read = (Button(text.READ_MORE, "kb:show", recipe.id),) if answer.best.passage else ()
        more = (Button(text.MORE, "kb:more", qid),) if answer.suggestions else ()
        body = readable(answer.best.passage or recipe.body, recipe.title)
        if answer.also:  # the other questions of the message, each behind its own button
            titles = ", ".join(f"“{h.recipe.title}”" for h in answer.also)
            body += "\n\n" + text.ALSO_ASKED.format(titles=titles, them="it" if len(answer.also) == 1 else "them")
        return Reply(
            text=body,
            title=recipe.title,
            link=None if read else recipe.link,
            buttons=(
                Button(text.HELPFUL, "kb:helpful", qid, primary=True),
                Button(text.NOT_HELPFUL, "kb:unhelpful", qid),
                *show_buttons(answer.also),
                *work,
                *read,
                *more,
                human,
            ),
            in_thread=True,
        )
    if answer.suggestions:
        says = f"{text.NOT_SURE} {text.DID_YOU_MEAN}"
        buttons = show_buttons(answer.suggestions)
    else:
        says, buttons = declined, ()
    return Reply(text=says, buttons=(*buttons, human), in_thread=True)
