"""Repository for peers before staff: helper opt-ins, escalation records and their claims (models_escalations).

An escalation's state is read, not stored twice: ``asked_peers`` once it exists, ``escalated`` once staff were
told (``escalated_at``), ``answered`` and ``solved`` from its help thread (:mod:`storage.threads`), ``recipe`` once a
published or confirmed recipe closed its question (``asked_questions.notified_at``). Each claim is a
unique key (:func:`open_escalation`, :func:`add_peer`, :func:`claim_offers`) or a conditional update
(:func:`claim_staff_due`, :func:`claim_escalated`), so of two replicas exactly one acts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.forget import FORGOTTEN
from storage.models import AskedQuestionRow
from storage.models_escalations import EscalationPeerRow, EscalationRow, HelperRow, RecipeOfferRow
from storage.models_help import HelpThreadRow
from storage.threads import HelpThread, get_thread
from storage.upsert import insert_for

__all__ = [
    "Escalation",
    "Helper",
    "SolvedQuestion",
    "add_peer",
    "claim_escalated",
    "claim_offers",
    "claim_staff_due",
    "escalated_questions",
    "escalations_between",
    "get_escalation",
    "get_helper",
    "list_escalations",
    "list_helpers",
    "open_escalation",
    "peer_asks_since",
    "remove_helper",
    "set_helper",
    "set_staff_due",
    "thread_of_question",
]


@dataclass(frozen=True)
class Helper:
    """A member who takes questions from peers (``helper on``), with the topics they named."""

    platform: str
    user: str
    topics: tuple[str, ...]
    since: datetime


@dataclass(frozen=True)
class Escalation:
    """One escalated question and where it stands (``state``: asked_peers, escalated, answered, recipe or solved)."""

    id: int
    question_id: int
    question: str
    platform: str
    channel: str
    thread: str | None
    link: str | None
    asker: str
    peers_asked: int
    created_at: datetime
    staff_due_at: datetime | None
    escalated_at: datetime | None
    answered_at: datetime | None = None  # the thread's first reply by a person
    solved_at: datetime | None = None
    closed_at: datetime | None = None  # a recipe answers it now: its asker was told (or could not be)
    last_reply_at: datetime | None = None  # the thread's latest reply by a person

    @property
    def state(self) -> str:
        """The furthest state reached: ``solved``, ``recipe``, ``answered``, ``escalated`` or ``asked_peers``."""
        if self.solved_at is not None:
            return "solved"
        if self.closed_at is not None:
            return "recipe"
        if self.escalated_at is not None and (self.last_reply_at is None or self.last_reply_at <= self.escalated_at):
            return "escalated"  # the replies came before staff were told (its asker passed it on): nothing since
        if self.answered_at is not None:
            return "answered"
        return "asked_peers"


@dataclass(frozen=True)
class SolvedQuestion:
    """A question a human answer solved in its thread, for the "Save as recipe" offer."""

    question_id: int
    question: str
    platform: str
    channel: str
    thread: str
    solver: str | None
    link: str | None


# -- helpers ----------------------------------------------------------------------------------------------------------


def _helper(row: HelperRow) -> Helper:
    return Helper(row.platform, row.user_id, tuple(t for t in row.topics.split(",") if t), row.since)


async def set_helper(session: AsyncSession, platform: str, user: str, topics: Sequence[str], now: datetime) -> Helper:
    """Opt ``user`` in (again), with ``topics`` (lower-cased words) replacing any given before."""
    joined = ",".join(dict.fromkeys(t.strip().lower() for t in topics if t.strip()))[:500]
    row = await session.get(HelperRow, (platform, user))
    if row is None:
        row = HelperRow(platform=platform, user_id=user, topics=joined, since=now)
        session.add(row)
    else:
        row.topics = joined
    await session.flush()
    return _helper(row)


async def remove_helper(session: AsyncSession, platform: str, user: str) -> bool:
    """Opt ``user`` out; False when they were not a helper."""
    result = await session.execute(delete(HelperRow).where(HelperRow.platform == platform, HelperRow.user_id == user))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def get_helper(session: AsyncSession, platform: str, user: str) -> Helper | None:
    """The helper record of ``user``, if they opted in."""
    row = await session.get(HelperRow, (platform, user))
    return None if row is None else _helper(row)


async def list_helpers(session: AsyncSession) -> list[Helper]:
    """Every helper, longest-standing first."""
    rows = await session.scalars(select(HelperRow).order_by(HelperRow.since, HelperRow.platform, HelperRow.user_id))
    return [_helper(row) for row in rows]


# -- escalations ------------------------------------------------------------------------------------------------------


def _view() -> object:
    thread = HelpThreadRow
    return (
        select(
            EscalationRow,
            AskedQuestionRow.question,
            thread.first_human_reply_at,
            thread.solved_at,
            AskedQuestionRow.notified_at,
            thread.last_human_reply_at,
        )
        .join(AskedQuestionRow, AskedQuestionRow.id == EscalationRow.question_id)
        .outerjoin(thread, _escalated_in(thread))
    )


def _escalation(
    row: EscalationRow,
    question: str,
    answered: datetime | None,
    solved: datetime | None,
    closed: datetime | None,
    last_reply: datetime | None,
) -> Escalation:
    return Escalation(
        row.id,
        row.question_id,
        question,
        row.platform,
        row.channel,
        row.thread,
        row.link,
        row.asker,
        row.peers_asked,
        row.created_at,
        row.staff_due_at,
        row.escalated_at,
        answered,
        solved,
        closed,
        last_reply or answered,
    )


async def get_escalation(session: AsyncSession, question_id: int) -> Escalation | None:
    """The escalation of the logged question ``question_id``, if it was escalated."""
    query = _view().where(EscalationRow.question_id == question_id)  # type: ignore[attr-defined]
    found = (await session.execute(query)).first()
    return None if found is None else _escalation(*found)


async def open_escalation(
    session: AsyncSession,
    question_id: int,
    *,
    platform: str,
    channel: str,
    thread: str | None,
    link: str | None,
    asker: str,
    now: datetime,
) -> tuple[Escalation, bool]:
    """The question's escalation, and whether this call opened it (once per question, across replicas)."""
    values = {
        "question_id": question_id,
        "platform": platform,
        "channel": channel,
        "thread": thread[:64] if thread else None,
        "link": link[:500] if link else None,
        "asker": asker,
        "peers_asked": 0,
        "created_at": now,
    }
    stmt = (
        insert_for(session, EscalationRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["question_id"])
        .returning(EscalationRow.id)
    )
    new_id = await session.scalar(stmt)
    found = await get_escalation(session, question_id)
    assert found is not None
    return found, new_id is not None


async def add_peer(session: AsyncSession, escalation_id: int, platform: str, user: str, now: datetime) -> bool:
    """Record that a peer is asked about the escalation; False if they already were."""
    stmt = (
        insert_for(session, EscalationPeerRow)
        .values(escalation_id=escalation_id, platform=platform, user_id=user, asked_at=now)
        .on_conflict_do_nothing(index_elements=["escalation_id", "platform", "user_id"])
        .returning(EscalationPeerRow.escalation_id)
    )
    if await session.scalar(stmt) is None:
        return False
    await session.execute(
        update(EscalationRow).where(EscalationRow.id == escalation_id).values(peers_asked=EscalationRow.peers_asked + 1)
    )
    return True


async def peer_asks_since(
    session: AsyncSession, people: Sequence[tuple[str, str]], since: datetime
) -> Counter[tuple[str, str]]:
    """How many escalations each of ``people`` ((platform, user) pairs) was asked about after ``since``, in one
    query; someone never asked counts 0."""
    counts: Counter[tuple[str, str]] = Counter()
    if not people:
        return counts
    rows = await session.execute(
        select(EscalationPeerRow.platform, EscalationPeerRow.user_id, func.count())
        .where(
            tuple_(EscalationPeerRow.platform, EscalationPeerRow.user_id).in_(list(people)),
            EscalationPeerRow.asked_at > since,
        )
        .group_by(EscalationPeerRow.platform, EscalationPeerRow.user_id)
    )
    for platform, user, count in rows:
        counts[(platform, user)] = int(count)
    return counts


async def set_staff_due(session: AsyncSession, escalation_id: int, due: datetime) -> None:
    """Staff are told at ``due`` unless someone answers first."""
    await session.execute(update(EscalationRow).where(EscalationRow.id == escalation_id).values(staff_due_at=due))


async def claim_escalated(session: AsyncSession, escalation_id: int, now: datetime) -> bool:
    """Mark the escalation as posted to staff; True only for the first claim."""
    result = await session.execute(
        update(EscalationRow)
        .where(EscalationRow.id == escalation_id, EscalationRow.escalated_at.is_(None))
        .values(escalated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_staff_due(session: AsyncSession, now: datetime) -> list[Escalation]:
    """Claim every escalation due for staff whose thread has no human answer yet and that no recipe answers since;
    those claimed here."""
    query = _view().where(  # type: ignore[attr-defined]
        EscalationRow.staff_due_at <= now,
        EscalationRow.escalated_at.is_(None),
        AskedQuestionRow.notified_at.is_(None),
        AskedQuestionRow.question != FORGOTTEN,  # its asker had their data erased: nobody left to answer
        HelpThreadRow.first_human_reply_at.is_(None),
        HelpThreadRow.solved_at.is_(None),
    )
    won = []
    for found in (await session.execute(query.order_by(EscalationRow.id))).all():
        if await claim_escalated(session, found[0].id, now):
            won.append(_escalation(*found))
    return won


async def list_escalations(session: AsyncSession, limit: int = 20) -> list[Escalation]:
    """The latest escalations, newest first."""
    query = _view().order_by(EscalationRow.id.desc()).limit(limit)  # type: ignore[attr-defined]
    return [_escalation(*found) for found in (await session.execute(query)).all()]


async def escalated_questions(
    session: AsyncSession, questions: Sequence[str], same: Callable[[str], str] = str.strip
) -> list[int]:
    """The escalated questions worded as one of ``questions`` that no recipe has closed yet, oldest first: a recipe
    drafted from one closes it even if the bot had given it an answer before "Ask a human" was pressed. Wordings are
    compared as ``same`` makes them (a recipe shows a question's emails and phone numbers masked)."""
    wanted = {same(q.strip()) for q in questions}
    query = (
        select(AskedQuestionRow.id, AskedQuestionRow.question)
        .join(EscalationRow, EscalationRow.question_id == AskedQuestionRow.id)
        .where(AskedQuestionRow.notified_at.is_(None))
        .order_by(AskedQuestionRow.id)
    )
    rows = (await session.execute(query)).all() if wanted else []
    return [number for number, question in rows if same(question.strip()) in wanted]


async def escalations_between(session: AsyncSession, since: datetime, until: datetime) -> list[Escalation]:
    """Escalations opened in ``[since, until)``, oldest first (for the pulse report)."""
    query = _view().where(EscalationRow.created_at >= since, EscalationRow.created_at < until)  # type: ignore[attr-defined]
    return [_escalation(*found) for found in (await session.execute(query.order_by(EscalationRow.id))).all()]


async def claim_offers(session: AsyncSession, now: datetime) -> list[SolvedQuestion]:
    """Claim the "Save as recipe" offer of each solved thread whose question was escalated or declined (once).

    The offer names the question staff already know by number: the one escalated in the thread (as ``kb
    escalations`` and the help channel's post show it, and as ``kb save`` and ``kb confirm`` take it), which may be
    a later question of the thread than its first (a mention there, then "Ask a human"); else the thread's own
    question when the bot declined it. One offer per thread; a thread offered under its first question already
    (before offers named the escalated one) is not offered again.
    """
    thread, esc = HelpThreadRow, EscalationRow
    offered = func.coalesce(esc.question_id, thread.question_id)
    before = aliased(RecipeOfferRow)
    query = (
        select(thread, esc.question_id, esc.link, AskedQuestionRow.question)
        .outerjoin(esc, _escalated_in(thread))
        .join(AskedQuestionRow, AskedQuestionRow.id == offered)
        .outerjoin(RecipeOfferRow, RecipeOfferRow.question_id == offered)
        .outerjoin(before, before.question_id == thread.question_id)
        .where(
            thread.solved_at.is_not(None),
            RecipeOfferRow.question_id.is_(None),
            before.question_id.is_(None),
            or_(esc.id.is_not(None), AskedQuestionRow.recipe_id.is_(None)),
        )
        .order_by(thread.solved_at, thread.id, esc.id.desc())
    )
    won, seen = [], set()
    for row, escalated, link, question in (await session.execute(query)).all():
        if row.id in seen:
            continue  # several questions of one thread escalated: the latest is offered
        seen.add(row.id)
        question_id = int(escalated or row.question_id or 0)  # never 0: the join needs a question
        stmt = (
            insert_for(session, RecipeOfferRow)
            .values(question_id=question_id, claimed_at=now)
            .on_conflict_do_nothing(index_elements=["question_id"])
            .returning(RecipeOfferRow.question_id)
        )
        if await session.scalar(stmt) is not None:
            won.append(SolvedQuestion(question_id, question, row.platform, row.channel, row.thread, row.solver, link))
    return won


def _escalated_in(thread: type[HelpThreadRow]) -> ColumnElement[bool]:
    """An escalation belongs to a help thread when its question opened the thread or it was pressed in it."""
    return or_(
        EscalationRow.question_id == thread.question_id,
        and_(
            EscalationRow.platform == thread.platform,
            EscalationRow.channel == thread.channel,
            EscalationRow.thread == thread.thread,
        ),
    )


async def thread_of_question(session: AsyncSession, question_id: int) -> HelpThread | None:
    """The help thread the logged question was asked in, if it was asked in one."""
    key = (
        await session.execute(
            select(HelpThreadRow.platform, HelpThreadRow.channel, HelpThreadRow.thread)
            .where(HelpThreadRow.question_id == question_id)
            .order_by(HelpThreadRow.id)
            .limit(1)
        )
    ).first()
    return None if key is None else await get_thread(session, *key)
