"""Repository for asked questions, their feedback, and learned examples."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.forget import FORGOTTEN
from storage.models import AskedQuestionRow, LearnedExampleRow
from storage.models_votes import AnswerVoteRow
from storage.upsert import insert_for
from storage.votes import latest_votes, tally_by_recipe
from storage.wording import same_words

__all__ = [
    "AskedQuestion",
    "RecipeStats",
    "add_learned_example",
    "change_vote",
    "claim_notification",
    "confirm_example",
    "forget_askers",
    "forget_learned_example",
    "get_question",
    "latest_question",
    "learned_examples",
    "log_question",
    "recipe_stats",
    "record_vote",
    "unanswered_questions",
    "vote_of",
]


@dataclass(frozen=True)
class AskedQuestion:
    """A logged question."""

    id: int
    question: str
    recipe_id: str | None
    score: float
    feedback: str | None
    platform: str = ""
    asker: str | None = None
    created_at: datetime | None = None

    @property
    def erased(self) -> bool:
        """Whether its wording was erased with its asker's data (``mydata delete``): it is counted, never shown."""
        return self.question == FORGOTTEN


@dataclass(frozen=True)
class RecipeStats:
    """How often a recipe was given, and what people said of it."""

    recipe_id: str
    asked: int
    helpful: int
    not_helpful: int


def _record(row: AskedQuestionRow) -> AskedQuestion:
    asker = None if row.notified_at is not None else row.asker
    return AskedQuestion(
        row.id, row.question, row.recipe_id, row.score, row.feedback, row.platform, asker, row.created_at
    )


async def log_question(
    session: AsyncSession,
    platform: str,
    question: str,
    recipe_id: str | None,
    score: float,
    now: datetime,
    asker: str | None = None,
) -> int:
    """Record a question, what was answered (None when declined) and who asked (to tell them later); its id."""
    row = AskedQuestionRow(
        platform=platform, question=question[:1500], recipe_id=recipe_id, score=score, created_at=now, asker=asker
    )
    session.add(row)
    await session.flush()
    return row.id


async def get_question(session: AsyncSession, question_id: int) -> AskedQuestion | None:
    """The logged question with ``question_id``, if any."""
    row = await session.get(AskedQuestionRow, question_id)
    return None if row is None else _record(row)


async def latest_question(session: AsyncSession, platform: str, asker: str, since: datetime) -> AskedQuestion | None:
    """The last question ``asker`` asked on ``platform`` after ``since`` (wording not erased), if any."""
    row = await session.scalar(
        select(AskedQuestionRow)
        .where(
            AskedQuestionRow.platform == platform,
            AskedQuestionRow.asker == asker,
            AskedQuestionRow.created_at > since,
            AskedQuestionRow.question != FORGOTTEN,
        )
        .order_by(AskedQuestionRow.id.desc())
        .limit(1)
    )
    return None if row is None else _record(row)


async def record_vote(
    session: AsyncSession, question_id: int, shown: str, voter: str, vote: str, now: datetime, picked: bool = False
) -> bool:
    """Record ``voter``'s ``helpful`` or ``not_helpful`` on the recipe ``shown`` for a logged question; False (and
    nothing changed) when ``voter`` has voted on that recipe for that question already (see :func:`change_vote`).

    Each recipe shown for a question (its answer, or one ``picked`` from its suggestions) has its own votes. The
    question's ``feedback`` is what all its votes say (helpful once any shown recipe helped). A question declined
    (no answer) takes the first recipe picked and found helpful as its answer, so stats count it for the recipe that
    helped; an answered question keeps its answer, which the votes under that answer are about.
    """
    claimed = await session.scalar(
        insert_for(session, AnswerVoteRow)
        .values(question_id=question_id, recipe_id=shown, voter=voter, vote=vote, created_at=now)
        .on_conflict_do_nothing(index_elements=["question_id", "recipe_id", "voter"])
        .returning(AnswerVoteRow.id)
    )
    if claimed is None:
        return False
    await _noted(session, question_id, shown, vote, picked)
    return True


async def change_vote(
    session: AsyncSession, question_id: int, shown: str, voter: str, vote: str, now: datetime, picked: bool = False
) -> bool:
    """Change ``voter``'s vote on the recipe ``shown`` for a logged question to ``vote`` (the latest wins); False
    (and nothing changed) when there is no such vote or it says ``vote`` already.

    One conditional update, so two clicks landing at once (two replicas) change it once. The question's
    ``feedback`` follows: helpful while any vote on it says so, else not helpful. A declined question that took
    ``shown`` as its answer when it was ``picked`` and found helpful gives it back once no vote says it helped.
    """
    v, q = AnswerVoteRow, AskedQuestionRow
    changed = await session.execute(
        update(v)
        .where(v.question_id == question_id, v.recipe_id == shown, v.voter == voter, v.vote != vote)
        .values(vote=vote, changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        return False
    if vote == "helpful":
        await _noted(session, question_id, shown, vote, picked)
        return True
    helped = select(v.id).where(v.question_id == question_id, v.vote == "helpful")
    await session.execute(update(q).where(q.id == question_id, ~helped.exists()).values(feedback=vote))
    if picked:
        helped_here = helped.where(v.recipe_id == shown)
        await session.execute(
            update(q).where(q.id == question_id, q.recipe_id == shown, ~helped_here.exists()).values(recipe_id=None)
        )
    return True


async def _noted(session: AsyncSession, question_id: int, shown: str, vote: str, picked: bool) -> None:
    """A new vote in the question's ``feedback`` (helpful once any shown recipe helped), and a declined question's
    answer taken from the recipe ``picked`` and found helpful."""
    q = AskedQuestionRow  # conditional updates: a helpful vote landing meanwhile (another replica) is not undone
    await session.execute(
        update(q).where(q.id == question_id, or_(q.feedback.is_(None), q.feedback != "helpful")).values(feedback=vote)
    )
    if picked and vote == "helpful":  # an answered question keeps its answer: its buttons vote on it
        await session.execute(update(q).where(q.id == question_id, q.recipe_id.is_(None)).values(recipe_id=shown))


async def vote_of(session: AsyncSession, question_id: int, recipe_id: str, voter: str) -> str | None:
    """``voter``'s vote on the recipe ``recipe_id`` shown for a logged question, if any."""
    v = AnswerVoteRow
    return await session.scalar(
        select(v.vote).where(v.question_id == question_id, v.recipe_id == recipe_id, v.voter == voter)
    )


async def add_learned_example(session: AsyncSession, recipe_id: str, question: str, source: str, now: datetime) -> bool:
    """Keep ``question`` as an example of ``recipe_id``; returns False if it was already known."""
    exists = await session.scalar(
        select(LearnedExampleRow.id).where(
            LearnedExampleRow.recipe_id == recipe_id, LearnedExampleRow.question == question
        )
    )
    if exists is not None:
        return False
    session.add(LearnedExampleRow(recipe_id=recipe_id, question=question, source=source, created_at=now))
    return True


async def confirm_example(
    session: AsyncSession, recipe_id: str, question: str, now: datetime
) -> tuple[bool, list[str]]:
    """Staff's word (``kb confirm``): ``question`` is answered by ``recipe_id``, and by no other recipe.

    The same wording (ignoring case and spacing) learned for other recipes, by votes or an earlier confirm, is
    unlearned, so the latest confirm decides the answer. Returns whether this taught anything new (False: staff
    had confirmed exactly this already) and the recipes it was unlearned from.
    """
    e = LearnedExampleRow
    wording = same_words(question)
    # Compared in Python, not with SQL's lower(): SQLite folds ASCII letters only ("ÉCOLE" stays), PostgreSQL all,
    # and neither makes runs of spaces one. Learned examples are few, and confirming is a staff action.
    unlearned, taught = [], None
    for row in await session.scalars(select(e)):
        if same_words(row.question) != wording:
            continue
        if row.recipe_id == recipe_id and row.question == question:
            taught = row
        elif row.recipe_id != recipe_id:
            unlearned.append(row.recipe_id)
            await session.delete(row)
    if taught is not None and taught.source == "staff" and not unlearned:
        return False, []
    if taught is None:
        session.add(LearnedExampleRow(recipe_id=recipe_id, question=question, source="staff", created_at=now))
    else:
        taught.source = "staff"  # a vote taught it: now staff's word, which votes do not undo
    await session.flush()
    return True, sorted(set(unlearned))


async def forget_learned_example(session: AsyncSession, recipe_id: str, question: str) -> bool:
    """Stop keeping ``question`` as an example of ``recipe_id`` if votes taught it (staff's ``kb confirm`` stays);
    whether one was removed."""
    e = LearnedExampleRow
    removed = await session.execute(
        delete(e)
        .where(e.recipe_id == recipe_id, e.question == question, e.source == "helpful")
        .execution_options(synchronize_session=False)
    )
    return bool(removed.rowcount)  # type: ignore[attr-defined]


async def learned_examples(session: AsyncSession) -> dict[str, list[str]]:
    """Every learned example, by recipe id."""
    out: dict[str, list[str]] = {}
    for row in await session.scalars(select(LearnedExampleRow).order_by(LearnedExampleRow.id)):
        out.setdefault(row.recipe_id, []).append(row.question)
    return out


async def unanswered_questions(session: AsyncSession) -> list[AskedQuestion]:
    """Questions that were declined or marked not helpful and no recipe answers yet (not closed), oldest first;
    those whose wording was erased too (:attr:`AskedQuestion.erased`), for the counts."""
    rows = await session.scalars(
        select(AskedQuestionRow)
        .where((AskedQuestionRow.recipe_id.is_(None)) | (AskedQuestionRow.feedback == "not_helpful"))
        .where(AskedQuestionRow.notified_at.is_(None))
        .order_by(AskedQuestionRow.id)
    )
    return [_record(r) for r in rows]


async def recipe_stats(session: AsyncSession) -> list[RecipeStats]:
    """Per recipe: times given (or, for a declined question, picked and found helpful), and the votes on it (each
    member's latest, once: see :mod:`storage.votes`); most asked first."""
    given = dict(
        (str(recipe_id), int(count))
        for recipe_id, count in await session.execute(
            select(AskedQuestionRow.recipe_id, func.count())
            .where(AskedQuestionRow.recipe_id.is_not(None))
            .group_by(AskedQuestionRow.recipe_id)
        )
    )
    votes = await tally_by_recipe(session, latest_votes())
    stats = [RecipeStats(r, given.get(r, 0), *votes.get(r, (0, 0))) for r in given.keys() | votes.keys()]
    return sorted(stats, key=lambda s: (-s.asked, s.recipe_id))


async def claim_notification(session: AsyncSession, question_id: int, now: datetime) -> AskedQuestion | None:
    """Close the unanswered question ``question_id`` (a recipe answers it now) and claim telling its asker.

    Returns the question with its asker the first time, across replicas; None when it was closed already or
    nobody is known to have asked. A closed question leaves ``kb gaps``, and its asker is forgotten.
    """
    row = await session.get(AskedQuestionRow, question_id)
    if row is None or row.notified_at is not None:
        return None
    asked = _record(row)
    result = await session.execute(
        update(AskedQuestionRow)
        .where(AskedQuestionRow.id == question_id, AskedQuestionRow.notified_at.is_(None))
        .values(notified_at=now, asker=None)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount or asked.asker in (None, FORGOTTEN):  # type: ignore[attr-defined]
        return None
    return asked


async def forget_askers(session: AsyncSession, before: datetime) -> int:
    """Forget who asked the questions asked before ``before`` (kept only to tell them of an answer); how many."""
    result = await session.execute(
        update(AskedQuestionRow)
        .where(AskedQuestionRow.created_at < before, AskedQuestionRow.asker.is_not(None))
        .values(asker=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
