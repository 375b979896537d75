"""Repository for help threads: the question that opened a thread, its first human reply, and who solved it.

A thread is known by ``(platform, channel, thread)``. :func:`claim_thread` inserts with ``ON CONFLICT DO NOTHING``
on that key, so of two replicas seeing the same new thread exactly one is told it opened it (and answers it).
:func:`record_human_reply` and :func:`mark_solved` are conditional updates: the first reply and the first mark win.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotFound
from storage.models_help import HelpThreadRow
from storage.upsert import insert_for

__all__ = [
    "HelpThread",
    "claim_thread",
    "get_thread",
    "get_thread_by_id",
    "mark_solved",
    "open_thread",
    "record_answer",
    "record_human_reply",
    "solved_counts",
    "solved_threads",
    "thread_names",
]


@dataclass(frozen=True)
class HelpThread:
    """A help thread, as stored (see :class:`storage.models_help.HelpThreadRow`)."""

    id: int
    platform: str
    channel: str
    thread: str
    asker: str
    question: str
    question_id: int | None
    recipe_id: str | None
    bot_answered: bool
    first_human_reply_at: datetime | None
    first_human_replier: str | None
    solved_at: datetime | None
    solved_by: str | None
    solver: str | None
    created_at: datetime


def _record(row: HelpThreadRow) -> HelpThread:
    return HelpThread(
        row.id,
        row.platform,
        row.channel,
        row.thread,
        row.asker,
        row.question,
        row.question_id,
        row.recipe_id,
        row.bot_answered,
        row.first_human_reply_at,
        row.first_human_replier,
        row.solved_at,
        row.solved_by,
        row.solver,
        row.created_at,
    )


def _key(platform: str, channel: str, thread: str) -> list[ColumnElement[bool]]:
    return [HelpThreadRow.platform == platform, HelpThreadRow.channel == channel, HelpThreadRow.thread == thread]


async def get_thread(session: AsyncSession, platform: str, channel: str, thread: str) -> HelpThread | None:
    """The thread ``thread`` of ``channel``, if one was opened."""
    row = await session.scalar(select(HelpThreadRow).where(*_key(platform, channel, thread)))
    return None if row is None else _record(row)


async def thread_names(session: AsyncSession, platform: str, channel: str) -> set[str]:
    """The names of the threads opened in ``channel`` (a console session numbers new threads after them)."""
    rows = await session.scalars(
        select(HelpThreadRow.thread).where(HelpThreadRow.platform == platform, HelpThreadRow.channel == channel)
    )
    return set(rows)


async def get_thread_by_id(session: AsyncSession, thread_id: int) -> HelpThread | None:
    """The thread with row id ``thread_id`` (a "Solved" button carries it), if any."""
    row = await session.get(HelpThreadRow, thread_id)
    return None if row is None else _record(row)


async def claim_thread(
    session: AsyncSession,
    platform: str,
    channel: str,
    thread: str,
    asker: str,
    question: str,
    now: datetime,
    *,
    question_id: int | None = None,
    recipe_id: str | None = None,
    bot_answered: bool = False,
) -> tuple[HelpThread, bool]:
    """Open the thread unless it is open; the thread and whether this call opened it (once across replicas)."""
    existing = await get_thread(session, platform, channel, thread)
    if existing is not None:
        return existing, False
    values = {
        "platform": platform,
        "channel": channel,
        "thread": thread[:64],
        "asker": asker,
        "question": question[:1500],
        "question_id": question_id,
        "recipe_id": recipe_id,
        "bot_answered": bot_answered,
        "created_at": now,
    }
    stmt = (
        insert_for(session, HelpThreadRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["platform", "channel", "thread"])
        .returning(HelpThreadRow.id)
    )
    new_id = await session.scalar(stmt)
    found = await get_thread(session, platform, channel, thread[:64])
    assert found is not None
    return found, new_id is not None


async def open_thread(
    session: AsyncSession,
    platform: str,
    channel: str,
    thread: str,
    asker: str,
    question: str,
    now: datetime,
    *,
    question_id: int | None = None,
    recipe_id: str | None = None,
    bot_answered: bool = False,
) -> HelpThread:
    """The thread, opened with this question unless it was open already (then unchanged)."""
    found, _ = await claim_thread(
        session,
        platform,
        channel,
        thread,
        asker,
        question,
        now,
        question_id=question_id,
        recipe_id=recipe_id,
        bot_answered=bot_answered,
    )
    return found


async def record_answer(
    session: AsyncSession,
    platform: str,
    channel: str,
    thread: str,
    *,
    question_id: int | None,
    recipe_id: str | None,
    bot_answered: bool,
) -> None:
    """Keep what the bot answered in the thread (the logged question, the recipe, whether it answered at all)."""
    await session.execute(
        update(HelpThreadRow)
        .where(*_key(platform, channel, thread))
        .values(question_id=question_id, recipe_id=recipe_id, bot_answered=bot_answered)
    )


async def record_human_reply(
    session: AsyncSession, platform: str, channel: str, thread: str, user: str, at: datetime
) -> HelpThread:
    """Note that ``user`` (a person, not the asker) replied: the first such reply is kept (its time and author),
    and the time of the latest.

    Raises:
        NotFound: no such thread was opened.
    """
    await session.execute(
        update(HelpThreadRow)
        .where(*_key(platform, channel, thread), HelpThreadRow.first_human_reply_at.is_(None))
        .values(first_human_reply_at=at, first_human_replier=user)
    )
    await session.execute(update(HelpThreadRow).where(*_key(platform, channel, thread)).values(last_human_reply_at=at))
    found = await get_thread(session, platform, channel, thread)
    if found is None:
        raise NotFound(f"no help thread {platform}:{channel}:{thread}")
    return found


async def mark_solved(
    session: AsyncSession, platform: str, channel: str, thread: str, by: str, solver: str | None, at: datetime
) -> bool:
    """Mark the thread solved by ``by``, crediting ``solver``; True only for the first mark (of any replica)."""
    result = await session.execute(
        update(HelpThreadRow)
        .where(*_key(platform, channel, thread), HelpThreadRow.solved_at.is_(None))
        .values(solved_at=at, solved_by=by, solver=solver)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def solved_counts(session: AsyncSession, since: datetime, until: datetime) -> list[tuple[str, str, int]]:
    """``(platform, member, solved)`` for members credited with solving threads in ``[since, until)``, most first."""
    count = func.count().label("n")
    rows = await session.execute(
        select(HelpThreadRow.platform, HelpThreadRow.solver, count)
        .where(
            HelpThreadRow.solver.is_not(None),
            HelpThreadRow.solved_at >= since,
            HelpThreadRow.solved_at < until,
        )
        .group_by(HelpThreadRow.platform, HelpThreadRow.solver)
        .order_by(count.desc(), HelpThreadRow.platform, HelpThreadRow.solver)
    )
    return [(platform, str(solver), int(n)) for platform, solver, n in rows.all()]


async def solved_threads(
    session: AsyncSession,
    since: datetime,
    *,
    solvers: Sequence[tuple[str, str]] | None = None,
    latest: int | None = None,
) -> list[HelpThread]:
    """Threads solved at or after ``since``, oldest first; only those solved by one of ``solvers`` ((platform,
    user) pairs) when given, and only the ``latest`` most recent when given."""
    stmt = select(HelpThreadRow).where(HelpThreadRow.solved_at.is_not(None), HelpThreadRow.solved_at >= since)
    if solvers is not None:
        if not solvers:
            return []
        stmt = stmt.where(tuple_(HelpThreadRow.platform, HelpThreadRow.solver).in_(list(solvers)))
    if latest is not None:
        stmt = stmt.order_by(HelpThreadRow.solved_at.desc(), HelpThreadRow.id.desc()).limit(latest)
        return [_record(row) for row in reversed((await session.scalars(stmt)).all())]
    rows = await session.scalars(stmt.order_by(HelpThreadRow.solved_at, HelpThreadRow.id))
    return [_record(row) for row in rows]
