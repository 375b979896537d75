"""Help threads on SQLite and PostgreSQL: opened once, first human reply and first solve kept, helpers counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import NotFound
from storage import Database
from storage.forget import Person, forget_person
from storage.personal import personal_rows
from storage.questions import log_question
from storage.threads import (
    claim_thread,
    get_thread,
    mark_solved,
    open_thread,
    record_answer,
    record_human_reply,
    solved_counts,
    solved_threads,
)

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
KEY = ("slack", "C0HELP", "1764237600.000100")


async def test_a_thread_opens_once_and_keeps_its_first_question(db: Database) -> None:
    """Opening a thread twice (a retry, a second replica) keeps the first asker and question; only one claim wins."""
    async with db.session() as s:
        qid = await log_question(s, "slack", "how do I start a circle?", "facilitate/start", 0.8, NOW)
        first, won = await claim_thread(
            s, *KEY, "U0ANN123", "how do I start a circle?", NOW, question_id=qid, recipe_id="facilitate/start"
        )
    async with db.session() as s:
        again, won_again = await claim_thread(s, *KEY, "U0BOB456", "something else", NOW + timedelta(minutes=1))
        same = await open_thread(s, *KEY, "U0BOB456", "something else", NOW)
    assert won and not won_again
    assert again == first == same
    assert (first.asker, first.question, first.question_id, first.recipe_id) == (
        "U0ANN123",
        "how do I start a circle?",
        qid,
        "facilitate/start",
    )
    assert first.created_at == NOW and first.solved_at is None and not first.bot_answered


async def test_answer_first_reply_and_first_solve_are_kept(db: Database) -> None:
    """The bot's answer is recorded; the first human reply and the first solve mark stick, later ones change nothing."""
    async with db.session() as s:
        await open_thread(s, *KEY, "U0ANN123", "where are the slides?", NOW)
        await record_answer(s, *KEY, question_id=None, recipe_id="slides", bot_answered=True)
        t1 = await record_human_reply(s, *KEY, "U0STAFF1", NOW + timedelta(minutes=5))
        t2 = await record_human_reply(s, *KEY, "U0OTHER2", NOW + timedelta(minutes=9))
        assert await mark_solved(s, *KEY, "U0ANN123", "U0STAFF1", NOW + timedelta(hours=1))
        assert not await mark_solved(s, *KEY, "U0OTHER2", "U0OTHER2", NOW + timedelta(hours=2))
    async with db.session() as s:
        got = await get_thread(s, *KEY)
        assert await get_thread(s, "slack", "C0HELP", "other") is None
    assert t1 == t2
    assert got is not None and got.bot_answered and got.recipe_id == "slides"
    assert (got.first_human_replier, got.first_human_reply_at) == ("U0STAFF1", NOW + timedelta(minutes=5))
    assert (got.solved_by, got.solver, got.solved_at) == ("U0ANN123", "U0STAFF1", NOW + timedelta(hours=1))


async def test_a_reply_in_an_unknown_thread_is_refused(db: Database) -> None:
    """Recording a reply in a thread never opened says so instead of inventing one."""
    with pytest.raises(NotFound):
        async with db.session() as s:
            await record_human_reply(s, *KEY, "U0STAFF1", NOW)


async def test_helpers_are_counted_over_a_period_most_first(db: Database) -> None:
    """Solved threads count for the credited member within the period, most first; unsolved and older ones do not."""
    marks = [
        ("1", "bo", NOW),
        ("2", "bo", NOW + timedelta(days=1)),
        ("3", "cy", NOW + timedelta(days=2)),
        ("4", "cy", NOW - timedelta(days=30)),
        ("5", None, NOW),
    ]
    async with db.session() as s:
        for thread, solver, at in marks:
            await open_thread(s, "console", "help", thread, "ann", f"question {thread}", at)
            await mark_solved(s, "console", "help", thread, "ann", solver, at)
        await open_thread(s, "console", "help", "6", "ann", "never solved", NOW)
    async with db.session() as s:
        counts = await solved_counts(s, NOW - timedelta(days=7), NOW + timedelta(days=7))
        recent = await solved_threads(s, NOW)
        by_cy = await solved_threads(s, NOW - timedelta(days=60), solvers=[("console", "cy")])
        latest_two = await solved_threads(s, NOW, latest=2)
        by_nobody = await solved_threads(s, NOW, solvers=[])
    assert counts == [("console", "bo", 2), ("console", "cy", 1)]
    assert [t.thread for t in recent] == ["1", "5", "2", "3"]
    assert [t.thread for t in by_cy] == ["4", "3"] and by_nobody == []
    assert [t.thread for t in latest_two] == ["2", "3"]  # the newest two, still oldest first


async def test_forget_and_export_cover_help_threads(db: Database) -> None:
    """A member's own threads are exported and erased; a thread they solved for someone else keeps no trace of them."""
    async with db.session() as s:
        await open_thread(s, "slack", "C0HELP", "1.1", "U0MARIA42", "my circle U0MARIA42 question", NOW)
        await open_thread(s, "slack", "C0HELP", "2.2", "U0ANN123", "ask U0MARIA42 maybe?", NOW)
        await record_human_reply(s, "slack", "C0HELP", "2.2", "U0MARIA42", NOW)
        await mark_solved(s, "slack", "C0HELP", "2.2", "U0MARIA42", "U0MARIA42", NOW)
    person = Person(user_ids=frozenset({"U0MARIA42"}))
    exported = await personal_rows(db, person, [])
    assert sorted(row["thread"] for row in exported["help_threads"]) == ["1.1", "2.2"]
    await forget_person(db, "maria@example.org", person, "console:sam", "test", NOW)
    async with db.session() as s:
        assert await get_thread(s, "slack", "C0HELP", "1.1") is None
        other = await get_thread(s, "slack", "C0HELP", "2.2")
    assert other is not None and other.asker == "U0ANN123"
    assert (other.question, other.first_human_replier, other.solved_by, other.solver) == (
        "ask (forgotten) maybe?",
        "(forgotten)",
        "(forgotten)",
        "(forgotten)",
    )
