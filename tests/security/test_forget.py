"""`leads forget`: none of the person's identifiers remain in any personal column of any table, nor in the file;
structural columns and other people's rows are left alone, whatever names the person's leads carry."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from bot.events import Button, Reply, Visibility
from bot.main.wiring import BotApp
from bot.outbox_codec import decode, to_outgoing, with_keys
from storage.db import Database
from storage.forget import KINDS, Person, UnmarkedColumn, forget_person, personal_kind
from storage.models import AskedQuestionRow, Base
from storage.models_votes import AnswerVoteRow
from storage.outbox import claim_due, enqueue
from storage.questions import add_learned_example, learned_examples, log_question, record_vote
from tests.conftest import Chat, Clock, texts

EMAIL = "Maria.T@Example.org"
NAME = "María Testperson"
USER = "U0MARIA42"
IDENTIFIERS = ("maria.t@example.org", NAME.lower(), USER.lower())
INTAKE = {
    "name": NAME,
    "email": EMAIL,
    "organization": "Harbour Library",
    "help_kind": "training",
    "description": f"I am {NAME}, write to {EMAIL}",
    "timeline": "soon",
    "budget": "",
    "consent": "yes",
}
MARIA = {"user": USER}
STAFF = {"user": "sam", "role": "staff"}


def _forms(value: str) -> set[str]:
    """A value and its JSON-escaped spelling (answers and half-filled forms are stored as JSON)."""
    return {value, json.dumps(value)[1:-1].lower()}


async def naming_rows(app: BotApp) -> dict[str, list[str]]:
    """Every string value, in every table the models define, that contains one of the identifiers, by table."""
    found: dict[str, list[str]] = {}
    needles = {form for ident in IDENTIFIERS for form in _forms(ident)}
    async with app.db.session() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String)]
            if not columns:
                continue
            for row in await session.execute(select(*columns)):
                for value in row:
                    if isinstance(value, str) and any(n in value.lower() for n in needles):
                        found.setdefault(table.name, []).append(value)
    return found


async def fill_every_table(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Maria leaves her email, name and user id in leads, notes, questions, examples, forms and check-ins."""
    await chat.submit("consult:intake", INTAKE, **MARIA)
    await chat.submit("consult:intake", {**INTAKE, "name": "Bo Other", "email": "bo@example.org"}, user="bo")
    await chat.say(f"leads note L-0002 Bo knows {NAME} ({EMAIL}), ping <@{USER}>", **STAFF)
    await chat.say(f"leads assign L-0002 {USER}", **STAFF)
    answer = await chat.say(f"ask how many people should be in a learning circle, says {NAME}", **MARIA)
    helpful = next(b for b in answer[0].buttons if b.label == "Helpful")
    await chat.press(helpful.action_id, helpful.value, **MARIA)
    await chat.say(f"ask can {EMAIL} get a certificate", **MARIA)
    await chat.say("consult", channel="general", **MARIA)
    await chat.say(NAME, channel="general", **MARIA)
    await chat.say(EMAIL, channel="general", **MARIA)
    fay = {"user": "fay", "role": "facilitator", "channel": "maps"}
    await chat.say("checkin create Maps Circle", **fay)
    await chat.say("checkin schedule tue 18:00 --weeks 2", **fay)
    await chat.say("checkin join", channel="maps", **MARIA)
    clock.now = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
    await app.scheduler.tick(clock.now)
    clock.advance(minutes=10)
    await chat.submit("checkin:answer:1", {"q0": "maps", "q1": "more maps", "q2": "no"}, channel="maps", **MARIA)
    other = {"q0": f"paired with {NAME}", "q1": "x", "q2": "no"}
    await chat.submit("checkin:answer:1", other, channel="maps", user="fay")


async def test_forget_leaves_no_identifier_in_any_table(chat: Chat, app: BotApp, clock: Clock) -> None:
    """After `leads forget EMAIL --user USER_ID` (her lead was sent from her own account, which staff say), no string
    column of any table holds her email, name or user id."""
    await fill_every_table(chat, app, clock)
    before = await naming_rows(app)
    assert {
        "leads",
        "lead_events",
        "asked_questions",
        "learned_examples",
        "conversations",
        "group_members",
        "checkin_answers",
    } <= set(before)

    assert [q for recipe in app.kb.recipes for q in recipe.questions if NAME in q]  # learned from her "Helpful"

    replies = await chat.say(f"leads forget maria.t@example.org --user {USER}", **STAFF)
    assert replies[0].text.startswith("Erased the personal details of 1 lead: L-0001. Anonymous statistics")
    assert "other records naming them" in replies[0].text and "chat account" not in replies[0].text

    assert await naming_rows(app) == {}
    learned = [q for recipe in app.kb.recipes for q in recipe.questions if ", says" in q]
    # The learned example is her own question's words: gone from the database and the live index.
    assert learned == []
    # Everyone else's data is kept, with the mentions of her replaced.
    bo = texts(await chat.say("leads show L-0002", **STAFF))
    assert "Name: Bo Other" in bo and "Assignee: (forgotten)" in bo
    assert "note Bo knows (forgotten) ((forgotten)), ping <\u200b@(forgotten)>" in bo
    maria = texts(await chat.say("leads show L-0001", **STAFF))
    assert "Help with: Facilitator training" in maria and "Name: (forgotten)" in maria


async def test_forget_by_name_and_user_id_without_a_lead(chat: Chat, app: BotApp) -> None:
    """Staff can name the person and their user id; short console ids only match whole values."""
    await chat.say(f"ask is {NAME} in the annual report", user="ann")
    await chat.say("ask who is Ann", user="ann")
    await chat.say("ask who is Ann", user="bo")
    await chat.say("consult", user="ann")
    replies = await chat.say(f'leads forget nobody@example.org --name "{NAME}" --user ann', **STAFF)
    assert replies[0].text == (
        "No lead has that email address. "
        "Also erased or anonymized 3 other records naming them (questions, forms, notes, answers)."
    )
    async with app.db.session() as session:
        questions = sorted((await session.execute(select(AskedQuestionRow.question, AskedQuestionRow.asker))).all())
    # Both her questions (asked by `ann`) were her own words: erased whole, asker too; in Bo's, "Ann" is only a word.
    assert questions == [("(forgotten)", "(forgotten)"), ("(forgotten)", "(forgotten)"), ("who is Ann", "bo")]
    assert await app.dispatcher.pending_prompt(chat.origin(user="ann")) is None


@pytest.mark.parametrize("db_target", ["sqlite"], indirect=True)
async def test_sqlite_file_holds_no_trace_after_forget(chat: Chat, app: BotApp, clock: Clock, tmp_path: Path) -> None:
    """With secure_delete on and the log checkpointed, the email's bytes are in neither the file nor its WAL."""
    await fill_every_table(chat, app, clock)

    def on_disk() -> bytes:
        files = [tmp_path / "test.db", tmp_path / "test.db-wal"]
        return b"".join(f.read_bytes() for f in files if f.exists()).lower()

    assert b"maria.t@example.org" in on_disk()
    await chat.say(f"leads forget maria.t@example.org --user {USER}", **STAFF)
    data = on_disk()
    for ident in IDENTIFIERS:
        for form in _forms(ident):
            assert form.encode() not in data, form


def test_every_string_column_says_whether_it_is_personal() -> None:
    """Each String/Text column of each model is marked owner, id, text, json or no (a new column must choose)."""
    unmarked = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String) and column.info.get("personal") not in KINDS
    ]
    assert unmarked == []


def test_forget_refuses_an_unmarked_column() -> None:
    """An unmarked string column stops a forget with the column's name, rather than being skipped."""
    table = Table("notes", MetaData(), Column("id", Integer, primary_key=True), Column("body", String(50)))
    with pytest.raises(UnmarkedColumn, match=r"column notes\.body must say info=\{'personal': \.\.\.\}"):
        personal_kind(table.c.body)
    assert personal_kind(Column("ok", String(5), info={"personal": "no"})) == "no"


# Names anyone can type into the consult form that are also a time zone, a weekday of a rule, a status, platforms.
COMMON_WORDS = ("Berlin", "TU", "new", "slack", "console")
FAY = {"user": "fay", "role": "facilitator", "channel": "maps"}


async def structural(app: BotApp) -> dict[str, dict[tuple[object, ...], tuple[object, ...]]]:
    """Every column marked "no" (but the submission key, erased with a lead), by table and primary key."""
    out: dict[str, dict[tuple[object, ...], tuple[object, ...]]] = {}
    async with app.db.session() as session:
        for table in Base.metadata.sorted_tables:
            keys = list(table.primary_key.columns)
            kept = [c for c in table.columns if c.info.get("personal") == "no" and c.name != "submission_key"]
            rows = await session.execute(select(*keys, *kept))
            out[table.name] = {tuple(row[: len(keys)]): tuple(row[len(keys) :]) for row in rows}
    return out


async def seen_by_others(chat: Chat, app: BotApp) -> tuple[object, ...]:
    """What others see: the group's next check-ins, two other people's leads, cy's half-filled form."""
    return (
        texts(await chat.say("checkin next", **FAY)),
        texts(await chat.say("leads show L-0001", **STAFF)),
        texts(await chat.say("leads show L-0002", **STAFF)),
        await app.dispatcher.pending_prompt(chat.origin(user="cy", channel="general")),
    )


async def test_names_that_are_common_words_leave_others_and_schedules_alone(
    chat: Chat, app: BotApp, clock: Clock
) -> None:
    """Her leads named "Berlin", "TU", "new", "slack", "console": others' schedules, statuses and forms survive."""
    await chat.say("checkin create Maps Circle --tz Europe/Berlin", **FAY)
    await chat.say("checkin schedule tue 18:00 --weeks 2", **FAY)
    bo = {**INTAKE, "name": "Bo Other", "email": "bo@example.org", "description": "Circles for our library"}
    await chat.submit("consult:intake", bo, user="bo")
    await chat.submit("consult:intake", {**bo, "name": "Di Other", "email": "di@example.org"}, user="di")
    await chat.say("leads status L-0002 contacted", **STAFF)
    await chat.say("consult", channel="general", user="cy")
    await chat.say("Cy Person", channel="general", user="cy")  # cy's half-filled form, on the "console" platform
    for n, name in enumerate(COMMON_WORDS):
        await chat.submit("consult:intake", {**INTAKE, "name": name, "description": f"request {n}"}, **MARIA)
    before = (await structural(app), await seen_by_others(chat, app))

    replies = await chat.say(f"leads forget {EMAIL} --user {USER}", **STAFF)

    after = (await structural(app), await seen_by_others(chat, app))
    changed = {
        f"{table}{key}": after[0][table].get(key)
        for table, rows in before[0].items()
        for key, values in rows.items()
        if after[0][table].get(key) != values
    }
    assert changed == {}  # no structural value changed, no row of theirs deleted
    assert after[1] == before[1]
    listed = texts(await chat.say("leads list", **STAFF))
    assert "L-0002 [contacted] Di Other" in listed and "L-0001 [new] Bo Other" in listed
    assert [line.split("]")[0] for line in listed.splitlines() if "(forgotten)" in line] == [
        f"L-000{n} [new" for n in (7, 6, 5, 4, 3)
    ]
    next_answer = await chat.say("cy@example.org", channel="general", user="cy")
    assert [r.text for r in next_answer] == [
        "Work with P2PU (3/9): Organization\n(optional: answer 'skip' or '-' to leave it empty)\n"
        "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
    ]
    posted = await app.scheduler.tick(datetime(2026, 3, 3, 17, 0, tzinfo=UTC))  # Tuesday 18:00 in Berlin
    assert [(r.channel, r.title) for r in posted] == [("maps", "Check-in: Maps Circle")]
    assert [r.text for r in replies] == [
        "Erased the personal details of 5 leads: L-0003, L-0004, L-0005, L-0006, L-0007. "
        "Anonymous statistics are kept. "
        "Also erased or anonymized 5 other records naming them (questions, forms, notes, answers)."
    ]
    assert EMAIL.lower() not in str(await naming_rows(app)).lower()


async def test_masked_duplicates_go_and_pending_messages_keep_their_structure(db: Database) -> None:
    """Two examples equal once masked leave one; a DM due to her goes; a staff notice is masked, not rerouted."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    notice = Reply(
        f"New request from {NAME} <{EMAIL}>",
        title="New consulting request L-0001",
        channel="staff",
        platform="console",
        fields=(("Name", NAME), ("Email", EMAIL)),
        buttons=(Button("Assign to me", "leads:assign", "1"),),
    )
    async with db.session() as session:
        for question in (f"who runs circles? asks {NAME}", f"who runs circles? asks {NAME.upper()}"):
            await add_learned_example(session, "r1", question, "helpful", now)
        dm = Reply("Your check-in is open", visibility=Visibility.DM, user=USER, platform="console")
        stored = with_keys([dm, notice])
        await enqueue(session, [to_outgoing(reply) for reply in stored], now)
    # "staff", "leads" and "console" name her too: structural values inside the message stay as they are.
    person = Person(names=frozenset({NAME, "staff", "leads", "console"}), user_ids=frozenset({USER}))
    await forget_person(db, EMAIL, person, "console:sam", "test", now)

    async with db.session() as session:
        assert await learned_examples(session) == {"r1": ["who runs circles? asks (forgotten)"]}
    left = [decode(claimed.payload) for claimed in await claim_due(db, now, timedelta(minutes=1), 10)]
    assert left == [
        replace(
            notice,
            text="New request from (forgotten) <(forgotten)>",
            fields=(("Name", "(forgotten)"), ("Email", "(forgotten)")),
            key=stored[1].key,
        )
    ]


async def test_two_voters_on_one_answer_are_forgotten_one_after_the_other(db: Database) -> None:
    """Forgetting the second voter of an answer does not collide with the first one's anonymized vote (one vote per
    voter, answer and question): both votes stay, by nobody (a NULL voter), and the third voter's vote is untouched."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    async with db.session() as session:
        asked = await log_question(session, "slack", "how big should a circle be", "circles/group-size", 0.9, now)
        for voter in ("slack:U0MARIA42", "slack:U0BOBOB77", "slack:U0CARL555"):
            assert await record_vote(session, asked, "circles/group-size", voter, "helpful", now)
    for user in ("U0MARIA42", "U0BOBOB77"):
        await forget_person(db, "", Person(user_ids=frozenset({user})), "console:sam", "test", now)
    async with db.session() as session:
        votes = (await session.execute(select(AnswerVoteRow.voter, AnswerVoteRow.vote))).all()
    assert sorted((tuple(v) for v in votes), key=lambda v: str(v[0])) == [
        (None, "helpful"),
        (None, "helpful"),
        ("slack:U0CARL555", "helpful"),
    ]
