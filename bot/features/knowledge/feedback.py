"""The buttons under an answer: "Helpful", "Not helpful", "More results" and "Ask a human".

Each button carries the logged question's number (and, under a recipe picked from the question's suggestions,
that recipe's id); a vote is stored for the question and the recipe shown, one per user (who can change it), and
"Helpful" also teaches the index the user's phrasing.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotFound, UsageError
from bot.events import Action, Button, Origin, Reply, Visibility
from bot.feature import Context, Replies
from bot.features.knowledge import text
from bot.features.knowledge.render import show_buttons
from bot.routing import HELP
from bot.usertext import for_others, member
from knowledge import KnowledgeBase
from storage.questions import (
    AskedQuestion,
    add_learned_example,
    change_vote,
    forget_learned_example,
    get_question,
    record_vote,
    vote_of,
)
from storage.votes import tally_for_wording

__all__ = ["Recalled", "escalate", "more_results", "picked", "recall", "runners_up", "thanks"]

_VOTES = {"kb:helpful": "helpful", "kb:unhelpful": "not_helpful"}


class Recalled(NamedTuple):
    """What a vote or "More results" button is about."""

    asked: AskedQuestion
    recipe_id: str | None
    """The recipe voted on: the one picked from the suggestions, else the one the question was answered with."""
    learned: bool
    """Whether a "Helpful" vote taught the index a new example (so it needs rebuilding)."""
    teaches: bool = True
    """Whether a "Helpful" vote here may teach: not one on a recipe picked instead of a confident answer that its
    voter did not call unhelpful, nor one on a question another recipe's author wrote for it (one member's click must
    not change everyone's answer; staff can `kb confirm`)."""
    changed: bool = False
    """Whether the vote replaced the user's other vote on the same recipe for the question."""
    forgot: bool = False
    """Whether a "Not helpful" vote undid what "Helpful" had taught (so the index needs rebuilding): it does once
    Not helpful outnumbers Helpful on the recipe for questions in these words, counting each member's latest vote."""


def picked(value: str) -> tuple[int, str | None]:
    """A button's value read: the question's number, and the recipe picked for it (``12:recipe/id``) if any.

    Raises:
        UsageError: the value carries no question number.
    """
    number, _, recipe_id = value.partition(":")
    if not number.isdigit():
        raise UsageError(text.STALE_BUTTON)
    return int(number), recipe_id or None


LEARNABLE_CHARS = 500
"""The longest question a vote teaches a recipe (a question, not a whole post); staff can still `kb confirm` one."""


async def recall(
    ctx: Context, action: Action, recipes: Container[str], written_for: Callable[[str], str | None]
) -> Recalled:
    """The question a button is about, with its vote stored if the button is one.

    A vote is on the recipe it was shown under: the question's answer, or one picked from its suggestions
    (``recipes`` says which ids still exist). Each has its own vote, one per user, which that user can change (the
    latest wins); the same vote again is refused. "Helpful" teaches the recipe voted on the question: under the
    answer; under a recipe picked for a declined question; under one picked instead of the answer only when the
    same user voted the answer "Not helpful"; never a question that is another recipe's title or own example
    question (``written_for`` says which recipe's: its author's word stands, staff can still `kb confirm`). What
    votes taught is undone, and not taught again, while "Not helpful" outnumbers "Helpful" on the recipe for
    questions in the same words (each member's latest vote, once).

    Raises:
        UsageError: the button carries no question number, or its user has cast this vote on this recipe already.
        NotFound: the question, or the picked recipe, is no longer there.
    """
    number, chosen = picked(action.value)
    if chosen is not None and chosen not in recipes:
        raise NotFound(text.NO_RECIPE_TRY_SEARCH.format(id=chosen))
    async with ctx.db.session() as session:
        asked = await get_question(session, number)
        if asked is None:
            raise NotFound(text.QUESTION_GONE)
        recipe_id = chosen or asked.recipe_id
        vote = _VOTES.get(action.action_id)
        if vote is None:
            return Recalled(asked, recipe_id, False)
        if recipe_id is None:  # a vote button under no answer: none is ever shown, so it is an old one
            raise UsageError(text.STALE_BUTTON)
        authored = written_for(asked.question) if vote == "helpful" else None
        return await _vote(ctx, session, action, asked, recipe_id, chosen, vote, authored in (None, recipe_id))


async def _vote(
    ctx: Context,
    session: AsyncSession,
    action: Action,
    asked: AskedQuestion,
    recipe_id: str,
    chosen: str | None,
    vote: str,
    free: bool,
) -> Recalled:
    voter = f"{action.origin.platform}:{action.origin.user}"
    changed = False
    if not await record_vote(session, asked.id, recipe_id, voter, vote, ctx.now, picked=chosen is not None):
        changed = await change_vote(session, asked.id, recipe_id, voter, vote, ctx.now, picked=chosen is not None)
        if not changed:
            raise UsageError(text.ALREADY_VOTED)
    # A wording erased with its asker's data ("(forgotten)") is no example of anything; nor is a long post, which
    # would pull the recipe towards whatever else it says.
    teaches = (free and not asked.erased and len(asked.question) <= LEARNABLE_CHARS) and (
        chosen is None
        or asked.recipe_id in (None, chosen)
        or await vote_of(session, asked.id, asked.recipe_id, voter) == "not_helpful"
    )
    helpful, unhelpful = await tally_for_wording(session, recipe_id, asked.question)
    if unhelpful > helpful:  # outvoted (or its teacher changed their mind): it no longer answers these words
        forgot = vote == "not_helpful" and await forget_learned_example(session, recipe_id, asked.question)
        return Recalled(asked, recipe_id, False, teaches, changed, forgot)
    learned = (
        vote == "helpful"
        and teaches
        and await add_learned_example(session, recipe_id, asked.question, "helpful", ctx.now)
    )
    return Recalled(asked, recipe_id, learned, teaches, changed)


def thanks(teaches: bool = True, changed: bool = False) -> Reply:
    """The reply to "Helpful" (``teaches``: whether that vote may teach the question, see :class:`Recalled`;
    ``changed``: it replaced the user's "Not helpful")."""
    if changed:
        said = text.CHANGED_TO_HELPFUL if teaches else text.CHANGED_TO_HELPFUL_NOTED
    else:
        said = text.THANKS_HELPFUL if teaches else text.THANKS_NOTED
    return Reply(said, visibility=Visibility.EPHEMERAL)


def runners_up(
    kb: KnowledgeBase, asked: AskedQuestion, answered: str | None, changed: bool = False, forgot: bool = False
) -> Reply:
    """The reply to "Not helpful" on ``answered``: thanks (or, ``changed`` from "Helpful", word that the vote is
    changed; ``forgot``: that the wording is no longer an example of it), and up to three other recipes (not from
    its page) to try.

    Each can be picked and voted on for the question.
    """
    # The answer given often has the right one just behind it.
    page = (answered or "").split("#", 1)[0]
    others = [h for h in kb.search(asked.question, limit=4) if h.recipe.id.split("#", 1)[0] != page][:3]
    said = text.CHANGED_TO_UNHELPFUL if changed else text.THANKS_UNHELPFUL
    if forgot:
        said = f"{said} {text.UNLEARNED}"
    return Reply(
        f"{said} {text.RUNNERS_UP}" if others else said,
        buttons=(*show_buttons(others, asked.id), Button(text.ASK_HUMAN, "kb:human", str(asked.id))),
        visibility=Visibility.EPHEMERAL,
    )


def more_results(kb: KnowledgeBase, asked: AskedQuestion) -> Reply:
    """The reply to "More results": the next five recipes for the question, as buttons that can be voted on."""
    hits = kb.search(asked.question, limit=6)[1:]
    return Reply(text.MORE_TEXT, buttons=show_buttons(hits, asked.id), visibility=Visibility.EPHEMERAL)


def escalate(origin: Origin, asked: AskedQuestion, humans: bool, away: str = "", link: str = "") -> Replies:
    """The replies to "Ask a human": the question posted to the help channel, and word to the user.

    ``humans`` says whether a help channel is set up; without one the user is sent to the forum. ``away`` says
    when staff are back, outside staff hours. ``link`` is the thread it was asked in (none for a DM), which the
    post names as the post after peers does.
    """
    if not humans:
        return [Reply(text.NO_HUMANS, visibility=Visibility.EPHEMERAL)]
    who = member(origin.platform, origin.user, origin.user_name)
    dm = origin.is_dm and not link  # no thread to answer in: the asker hears of it by DM (kb confirm tells them)
    where = text.FOR_A_HUMAN_THREAD.format(link=link) if link else (text.FOR_A_HUMAN_DM if dm else "")
    return [
        Reply(
            text.FOR_A_HUMAN.format(who=who, question=for_others(asked.question), thread=where, id=asked.id),
            title=text.FOR_A_HUMAN_TITLE,
            channel=HELP,
            platform=origin.platform,
        ),
        Reply(
            " ".join(filter(None, (text.PASSED_ON_DM if dm else text.PASSED_ON, away))), visibility=Visibility.EPHEMERAL
        ),
    ]
