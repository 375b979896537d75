"""A person's own words, on SQLite and PostgreSQL: the questions they asked are erased whole when they are forgotten,
and so is every learned example worded the same; other people's questions and examples stay."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, MetaData, String, Table, select

from storage import Database
from storage.forget import FORGOTTEN, Person, forget_person
from storage.models import AskedQuestionRow, Base, LearnedExampleRow
from storage.models_votes import AnswerVoteRow
from storage.personal import personal_rows
from storage.questions import add_learned_example, log_question, recipe_stats, record_vote, unanswered_questions
from storage.reports import unanswered_between
from storage.wording import owned_columns, same_words

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
ANN = Person(user_ids=frozenset({"U0ANN123"}))
HERS = "How many people  should be in a Learning Circle?"
HERS_LEARNED = " how many people should be in a learning circle? "  # the same words, as taught in another case
HIS = "how big should a circle be"


async def _seed(db: Database) -> dict[str, int]:
    """Ann asks twice and votes; Bo asks about the same recipe; examples learned from both, and one from staff."""
    async with db.session() as s:
        ids = {
            "hers": await log_question(s, "slack", HERS, "circles/size", 0.9, NOW, asker="U0ANN123"),
            "declined": await log_question(s, "slack", "where are my notes, U0ANN123?", None, 0.1, NOW, "U0ANN123"),
            "his": await log_question(s, "slack", HIS, "circles/size", 0.8, NOW, asker="U0BOB456"),
        }
        await record_vote(s, ids["hers"], "circles/size", "slack:U0ANN123", "helpful", NOW)
        await record_vote(s, ids["his"], "circles/size", "slack:U0ANN123", "helpful", NOW)  # her vote, his words
        await add_learned_example(s, "circles/size", HERS_LEARNED, "helpful", NOW)
        await add_learned_example(s, "circles/size", HIS, "helpful", NOW)
        await add_learned_example(s, "circles/start", "how do I start a circle", "staff", NOW)
    return ids


async def _table(db: Database, *columns: object) -> list[tuple[object, ...]]:
    async with db.session() as s:
        return [tuple(row) for row in (await s.execute(select(*columns).order_by(columns[0]))).all()]  # type: ignore[call-overload]


async def test_forgetting_the_asker_erases_her_questions_and_their_learned_copies(db: Database) -> None:
    """Her questions keep their row (recipe, feedback, votes) without a word of hers; the example learned from her
    wording (other case and spacing) goes; Bo's question and the example learned from it stay, though she voted."""
    ids = await _seed(db)
    result = await forget_person(db, "", ANN, "console:sam", "test", NOW)
    questions = await _table(db, AskedQuestionRow.id, AskedQuestionRow.question, AskedQuestionRow.asker)
    assert questions == [
        (ids["hers"], FORGOTTEN, FORGOTTEN),
        (ids["declined"], FORGOTTEN, FORGOTTEN),
        (ids["his"], HIS, "U0BOB456"),
    ]
    learned = await _table(db, LearnedExampleRow.question, LearnedExampleRow.recipe_id)
    assert learned == [(HIS, "circles/size"), ("how do I start a circle", "circles/start")]
    votes = await _table(db, AnswerVoteRow.question_id, AnswerVoteRow.voter, AnswerVoteRow.vote)
    assert votes == [(ids["hers"], None, "helpful"), (ids["his"], None, "helpful")]  # kept, nobody's
    async with db.session() as s:
        kept = await s.get(AskedQuestionRow, ids["hers"])
    assert kept is not None and (kept.recipe_id, kept.feedback) == ("circles/size", "helpful")
    assert result.rows_deleted == 1 and result.rows_anonymized == 4


async def test_her_export_holds_the_examples_learned_from_her_words(db: Database) -> None:
    """What `mydata` exports is what the forget erases: her questions, her votes, and the example worded as hers."""
    ids = await _seed(db)
    rows = await personal_rows(db, ANN, [])
    assert sorted(r["id"] for r in rows["asked_questions"]) == [ids["hers"], ids["declined"]]
    assert [r["question"] for r in rows["learned_examples"]] == [HERS_LEARNED]
    assert len(rows["answer_votes"]) == 2


async def test_an_erased_question_is_counted_but_no_gap_to_show(db: Database) -> None:
    """Her declined question still counts as unanswered, marked erased; the pulse's gap texts leave it out."""
    ids = await _seed(db)
    await forget_person(db, "", ANN, "console:sam", "test", NOW)
    async with db.session() as s:
        unanswered = await unanswered_questions(s)
        gaps = await unanswered_between(s, NOW, NOW.replace(day=28))
    assert [(q.id, q.erased) for q in unanswered] == [(ids["declined"], True)]
    assert gaps == []


async def test_votes_of_two_forgotten_people_on_one_answer_both_stay_counted(db: Database) -> None:
    """Ann and Bo vote on the same answer, then both are forgotten: their voter becomes NULL, so neither vote goes as
    the other's duplicate (two "(forgotten)" voters would collide on the unique key) nor merges with it in the
    counts; each kept vote counts once, like those from before voters were recorded (Ann's two on the recipe, one
    per question, now count two)."""
    ids = await _seed(db)
    async with db.session() as s:
        await record_vote(s, ids["his"], "circles/size", "slack:U0BOB456", "helpful", NOW)
        assert [(r.helpful, r.not_helpful) for r in await recipe_stats(s)] == [(2, 0)]
    for who in (ANN, Person(user_ids=frozenset({"U0BOB456"}))):
        await forget_person(db, "", who, "console:sam", "test", NOW)
    async with db.session() as s:
        (stats,) = await recipe_stats(s)
    assert (stats.recipe_id, stats.asked, stats.helpful, stats.not_helpful) == ("circles/size", 2, 3, 0)


async def test_forgetting_twice_changes_nothing_more(db: Database) -> None:
    """A second forget finds her words erased already: no row changes, nothing more is deleted."""
    await _seed(db)
    await forget_person(db, "", ANN, "console:sam", "test", NOW)
    again = await forget_person(db, "", ANN, "console:sam", "test", NOW)
    assert (again.rows_deleted, again.rows_anonymized) == (0, 0)


def test_the_models_mark_the_askers_words_and_the_examples_copying_them() -> None:
    """`asked_questions.asker` owns `question`; `learned_examples.question` copies such words; a marking naming a
    column the table lacks is refused."""
    columns = [c for t in Base.metadata.sorted_tables for c in t.columns]
    owning = {f"{c.table.name}.{c.name}": owned_columns(c) for c in columns if owned_columns(c)}
    assert owning == {"asked_questions.asker": ("question",)}
    assert {t.name: t.info.get("personal_copies") for t in Base.metadata.sorted_tables if t.info} == {
        "learned_examples": "question",
        "webhook_deliveries": None,
    }
    bad = Table("t", MetaData(), Column("who", String, info={"personal": "id", "personal_owns": ("nope",)}))
    with pytest.raises(ValueError, match="nope"):
        owned_columns(bad.c.who)
    assert same_words("  How  MANY\tpeople ") == "how many people"
