"""Gaps that close themselves: when a recipe answers a gap, everyone who asked in it is told once, by DM.

The gap is a group of similar unanswered questions exactly as ``kb gaps`` groups them
(:func:`bot.features.knowledge.gaps.clusters`); every question in a group holding one of the recipe's example
questions (or the confirmed one) is claimed (:func:`storage.questions.claim_notification`: once across replicas)
and its asker gets "You asked … on DATE; here is the answer now." with the recipe, once per member (platform and
user) however many of the gap's questions they asked. An escalated question worded as one of the recipe's is closed
too, though the bot had answered it before "Ask a human" was pressed: ``kb escalations`` then reads it as answered
by a recipe, and staff are no longer asked about it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.events import Reply, Visibility
from bot.features.escalations import text
from bot.features.knowledge.gaps import clusters
from bot.logs import mask_contacts
from bot.usertext import quote
from bot.when import at
from knowledge import Recipe
from knowledge.docs import readable
from storage import Database
from storage.escalations import escalated_questions
from storage.questions import AskedQuestion, claim_notification, unanswered_questions

__all__ = ["day", "gap_of", "tell_askers"]


def day(when: datetime) -> str:
    """``2 March 2026`` in each reader's zone (a token: :mod:`bot.when`); UTC where no reader's zone is known."""
    return at(when, "UTC", date_only=True)


def gap_of(unanswered: list[AskedQuestion], questions: Iterable[str]) -> list[AskedQuestion]:
    """The unanswered questions in the same ``kb gaps`` group as any of ``questions`` (never one whose wording was
    erased: "(forgotten)" is no question to compare). A recipe's example shows the emails and phone numbers of the
    question it was drafted from masked, so wordings are compared masked."""
    worded = [a for a in unanswered if not a.erased]
    wanted = {mask_contacts(q.strip()) for q in questions}
    groups = clusters([a.question for a in worded])
    texts = {q for group in groups if wanted & {mask_contacts(g) for g in group} for q in group}
    return [a for a in worded if a.question in texts]


async def tell_askers(db: Database, recipe: Recipe, questions: Iterable[str], now: datetime) -> list[Reply]:
    """One DM to each member who asked a question of the gap ``recipe`` now answers (never twice).

    A member who asked several of its questions (a thread's first post, a mention there, a direct message) is told
    once, of the first they asked; every question of the gap is closed all the same.
    """
    replies = []
    told: set[tuple[str, str]] = set()
    questions = list(questions)
    async with db.session() as session:
        gap = [a.id for a in gap_of(await unanswered_questions(session), questions)]
        for number in sorted({*gap, *await escalated_questions(session, questions, mask_contacts)}):
            claimed = await claim_notification(session, number, now)
            if claimed is None or claimed.asker is None or claimed.created_at is None:
                continue
            if (claimed.platform, claimed.asker) in told:
                continue
            told.add((claimed.platform, claimed.asker))
            intro = text.ANSWER_NOW.format(question=quote(f"“{claimed.question}”"), date=day(claimed.created_at))
            replies.append(
                Reply(
                    f"{intro}\n\n{readable(recipe.body, recipe.title)}",
                    title=recipe.title,
                    link=recipe.link,
                    user=claimed.asker,
                    platform=claimed.platform,
                    visibility=Visibility.DM,
                )
            )
    return replies
