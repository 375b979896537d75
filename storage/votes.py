"""How votes on answers are counted: each member's latest vote on a recipe, once.

A member who asks the same thing again and votes on each new answer leaves one vote per answer in
``answer_votes`` (kept as cast); counts take only that member's latest vote on the recipe, so one person's
opinion of a recipe counts once, and a change of mind replaces it. Votes kept from before voters were recorded
(no voter) count one each, and so do those of voters since forgotten (their voter is erased to NULL).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, Subquery, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AskedQuestionRow
from storage.models_votes import AnswerVoteRow

__all__ = ["latest_votes", "tally_by_recipe", "tally_for_wording"]


def latest_votes(*where: ColumnElement[bool]) -> Subquery:
    """Each voter's latest vote per recipe among the votes matching ``where``: columns ``recipe_id`` and ``vote``.

    Callers may join ``asked_questions`` in ``where`` through ``answer_votes.question_id``.
    """
    v = AnswerVoteRow
    who = func.coalesce(v.voter, literal("#") + cast(v.id, String))  # "#12": never a "platform:user"
    rank = func.row_number().over(
        partition_by=(v.recipe_id, who), order_by=(func.coalesce(v.changed_at, v.created_at).desc(), v.id.desc())
    )
    ranked = select(v.recipe_id, v.vote, rank.label("rank")).where(*where).subquery()
    return select(ranked.c.recipe_id, ranked.c.vote).where(ranked.c.rank == 1).subquery()


async def tally_by_recipe(session: AsyncSession, latest: Subquery) -> dict[str, tuple[int, int]]:
    """Helpful and not-helpful counts per recipe of the votes ``latest`` (see :func:`latest_votes`)."""
    helpful = func.sum(case((latest.c.vote == "helpful", 1), else_=0))
    unhelpful = func.sum(case((latest.c.vote == "not_helpful", 1), else_=0))
    rows = await session.execute(select(latest.c.recipe_id, helpful, unhelpful).group_by(latest.c.recipe_id))
    return {str(recipe_id): (int(up or 0), int(down or 0)) for recipe_id, up, down in rows}


async def tally_for_wording(session: AsyncSession, recipe_id: str, question: str) -> tuple[int, int]:
    """Helpful and not-helpful votes on ``recipe_id`` for every question asked in exactly the words ``question``
    (each member's latest, once): what decides whether that wording stays learned as an example of the recipe."""
    q, v = AskedQuestionRow, AnswerVoteRow
    worded = select(q.id).where(q.question == question)
    latest = latest_votes(v.recipe_id == recipe_id, v.question_id.in_(worded))
    return (await tally_by_recipe(session, latest)).get(recipe_id, (0, 0))
