"""Replies that show answers and recipes, with their buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.events import Button, Reply
from bot.features.knowledge import text
from knowledge import Answer, Hit, KnowledgeBase, Recipe
from knowledge.docs import readable
from knowledge.smalltalk import SmallTalk
from knowledge.sources import KnowledgeSettings, loads_starter_recipes

__all__ = ["no_idea", "picked_reply", "recipe_reply", "render_answer", "show_buttons", "small_talk_reply"]

_LABEL_CHARS = 75  # the longest button label every platform shows whole
# The longest value a recipe picked for a question ("12:recipe/id") may have: Discord's custom_id holds 100
# characters and puts "cb|kb:unhelpful|" before it. A longer one shows the recipe without votes instead of a
# button Discord would leave out.
_PICK_VALUE_CHARS = 84


def small_talk_reply(kind: SmallTalk, humans: bool, example: str | None = None) -> Reply:
    """A short friendly reply to small talk: what the bot does, with a question it can answer (``example``), and how
    to reach a human."""
    human = text.HUMAN_HERE if humans else text.HUMAN_FORUM
    if kind == "human":  # asked for a person: how, not what the bot does
        return Reply(f"{text.SMALL_TALK[kind]} {human}", in_thread=True)
    more = f" {text.WHAT_ELSE}" if kind == "abilities" else ""  # asked what it can do: all of it, briefly
    does = text.WHAT_I_DO.format(example=example) if example else text.WHAT_I_DO_PLAIN
    return Reply(f"{text.SMALL_TALK[kind]} {does}{more} {human}", in_thread=True)


def example_question(kb: KnowledgeBase) -> str | None:
    """A question to suggest that the loaded knowledge answers: the usual one when it does (the starter recipes),
    else the shortest recipe title phrased as a question; a handbook of headings has none, and then no example is
    better than one about meetings for a garden club."""
    if kb.answer(text.EXAMPLE_QUESTION).best is not None:
        return text.EXAMPLE_QUESTION
    asked = [r.title for r in kb.recipes if r.title.endswith("?") and 15 <= len(r.title) <= 60]
    return min(asked, key=lambda title: (len(title), title)) if asked else None


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


def show_buttons(hits: Sequence[Hit], question_id: int | None = None) -> tuple[Button, ...]:
    """One button per hit that shows its recipe (labelled with the recipe's title).

    With ``question_id`` (the hits are answers offered for that logged question) each button is a ``kb:pick``
    carrying the question's id and the recipe's, so the recipe it shows can be voted on for that question.
    """
    return tuple(_show_button(_label(h.recipe.title), h.recipe.id, question_id) for h in hits)


def _show_button(label: str, recipe_id: str, question_id: int | None) -> Button:
    picked = f"{question_id}:{recipe_id}"
    if question_id is None or len(picked) > _PICK_VALUE_CHARS:
        return Button(label, "kb:show", recipe_id)
    return Button(label, "kb:pick", picked)


def recipe_reply(recipe: Recipe) -> Reply:
    """A whole recipe, in the thread it was asked for in."""
    return Reply(readable(recipe.body, recipe.title), title=recipe.title, link=recipe.link, in_thread=True)


def picked_reply(recipe: Recipe, question_id: int) -> Reply:
    """A whole recipe picked from a question's suggestions: with the votes and buttons an answer has.

    The votes carry the question and the recipe ("12:recipe/id"), so "Helpful" teaches this recipe the question.
    No "More results": the list it was picked from is just above.
    """
    picked = f"{question_id}:{recipe.id}"
    work = (Button(text.WORK_WITH_US, "consult:open", primary=True),) if "consulting" in recipe.tags else ()
    buttons = (
        Button(text.HELPFUL, "kb:helpful", picked, primary=True),
        Button(text.NOT_HELPFUL, "kb:unhelpful", picked),
        *work,
        Button(text.ASK_HUMAN, "kb:human", str(question_id)),
    )
    return replace(recipe_reply(recipe), buttons=buttons)


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
        buttons = show_buttons(answer.suggestions, question_id)
    else:
        says, buttons = declined, ()
    return Reply(text=says, buttons=(*buttons, human), in_thread=True)
