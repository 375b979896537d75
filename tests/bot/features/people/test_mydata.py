"""Data rights on the console path: `mydata` exports every table's rows about the person, `mydata delete` leaves
none of their identifiers anywhere, and staff exports and erasures are audited without the personal data.

The tables are not listed here: a row naming the person is written into every table of the ORM models, filled in
by each column's type and ``info["personal"]`` mark, so a table added later is tested without changing this file.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, Date, Float, Integer, String, Table, insert, select

from bot.events import Reply, Visibility
from bot.main.wiring import BotApp
from storage import Database
from storage.forget import personal_kind
from storage.models import Base
from storage.people import link
from storage.records import Identity
from storage.types import UTCDateTime
from tests.bot.lead_answers import VALID
from tests.conftest import Chat, Clock, texts

SLACK_ID = "U0PERSON1"  # the person on Slack: every seeded row names this id
CONSOLE_ID = "annperson"  # and on the console, linked to it
EMAIL = "person1@example.org"
IDENTIFIERS = (SLACK_ID, CONSOLE_ID, EMAIL)


def _personal_tables() -> set[str]:
    """Tables with a column that may hold personal data."""
    return {
        t.name
        for t in Base.metadata.sorted_tables
        if any(isinstance(c.type, String) and personal_kind(c) != "no" for c in t.columns)
    }


def _value(table: Table, column: Column[Any], now: datetime, n: int) -> Any:
    """A value for ``column`` that names the person wherever the column may hold personal data."""
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, Integer):
        return 1  # every id, and every foreign key to the row of that id
    if isinstance(column.type, Float):
        return 0.5
    if isinstance(column.type, UTCDateTime):
        return now
    if isinstance(column.type, Date):
        return now.date()
    kind = personal_kind(column)
    if kind in ("owner", "id"):
        return EMAIL if "email" in column.name else SLACK_ID
    if kind == "text":
        return f"ask {SLACK_ID} about it"
    if kind == "json":
        keys = column.info.get("personal_keys") or ("note",)
        data = {key: f"mail {EMAIL}" for key in keys}
        owner = column.info.get("personal_owner")
        return json.dumps({**data, owner: SLACK_ID} if owner else data)
    for other in table.columns:  # a structural column another column's marking depends on
        when = other.info.get("personal_when")
        if when and when[0] == column.name:
            return when[1][0]
    return "slack" if column.name == "platform" else f"v{n}"


async def seed_every_table(db: Database, now: datetime) -> None:
    """One row in every table, naming the person in every column that may name someone."""
    async with db.session() as session:
        for table in Base.metadata.sorted_tables:
            # A lone integer key is left to the database (the first row of a fresh table gets 1, what foreign keys
            # name) so that PostgreSQL's sequence stays in step for the rows the bot writes afterwards.
            key = list(table.primary_key.columns)
            serial = key[0] if len(key) == 1 and isinstance(key[0].type, Integer) and not key[0].foreign_keys else None
            row = {c.name: _value(table, c, now, n) for n, c in enumerate(table.columns) if c is not serial}
            await session.execute(insert(table).values(**row))
        await session.flush()
        await link(session, Identity("slack", SLACK_ID), Identity("console", CONSOLE_ID), now)


async def dump(db: Database) -> str:
    """Every row of every table, as one lower-cased string."""
    out = []
    async with db.session() as session:
        for table in Base.metadata.sorted_tables:
            out += [f"{table.name} {dict(row)}" for row in (await session.execute(select(table))).mappings()]
    return "\n".join(out).lower()


def exported(replies: list[Reply]) -> dict[str, Any]:
    (reply,) = [r for r in replies if r.attachment is not None]
    assert reply.attachment is not None
    loaded: dict[str, Any] = json.loads(reply.attachment.payload)
    return loaded


async def test_mydata_sends_every_tables_rows_about_the_person_privately(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Each table that can name someone gives its row to the export, which goes by DM; the linked account too."""
    await seed_every_table(app.db, clock.now)
    replies = await chat.say("mydata", user=CONSOLE_ID)
    assert [r.visibility for r in replies] == [Visibility.DM]
    data = exported(replies)
    assert set(data["identities"]) == {f"console:{CONSOLE_ID}", f"slack:{SLACK_ID}"}
    assert _personal_tables() <= set(data["tables"]), "a table's rows about the person are missing from the export"
    assert {r["user_id"] for r in data["tables"]["person_identities"]} == {SLACK_ID, CONSOLE_ID}
    assert data["tables"]["lead_events"], "the history of the person's lead is theirs too"


async def test_mydata_delete_asks_then_leaves_no_identifier_in_any_table(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Nothing goes before the button; after it, a dump of every table holds none of the person's identifiers."""
    await seed_every_table(app.db, clock.now)
    asked = await chat.say("mydata delete", user=CONSOLE_ID)
    (confirm, keep) = asked[0].buttons
    before = await dump(app.db)
    assert all(i.lower() in before for i in IDENTIFIERS)
    assert texts(await chat.press(keep.action_id, keep.value, user=CONSOLE_ID)).strip() == "Nothing was erased."
    stranger = await chat.press(confirm.action_id, confirm.value, user="mallory")
    assert texts(stranger).strip().startswith("That button was for someone else")
    assert await dump(app.db) == before
    done = texts(await chat.press(confirm.action_id, confirm.value, user=CONSOLE_ID)).strip()
    assert done.startswith("Done. Erased or anonymized:") and "2 linked accounts" in done and "1 request" in done
    left = await dump(app.db)
    assert [i for i in IDENTIFIERS if i.lower() in left] == []
    assert "(forgotten)" in left  # anonymized rows (statistics) stay, without identity


async def test_mydata_delete_says_what_it_erased_in_words(chat: Chat, app: BotApp, clock: Clock) -> None:
    """The summary after `mydata delete` names what went in words ("2 help threads"), never a table's name."""
    await seed_every_table(app.db, clock.now)
    (confirm, _) = (await chat.say("mydata delete", user=CONSOLE_ID))[0].buttons
    done = texts(await chat.press(confirm.action_id, confirm.value, user=CONSOLE_ID)).strip()
    assert (
        done
        == "Done. Erased or anonymized: "
        + ", ".join(
            [
                "1 vote on an answer",
                "1 question asked",
                "1 check-in answer",
                "2 forms in progress",
                "1 time you were asked to help",
                "1 question passed to people",
                "1 study-group membership",
                "1 help thread",
                "1 helper sign-up",
                "1 consent given with a request",
                "1 request history entry",
                "1 follow-up reminder about a request",
                "1 place in the staff rotation",
                "1 request",
                "1 learned question phrasing",
                "1 link code",
                "1 catch-up message for a late joiner",
                "1 meeting reflection",
                "1 meeting reply (Going or Can't make it)",
                "1 stretch of days away",
                "1 personal setting",
                "2 linked accounts",
                "1 audit entry naming you as staff",
                "1 message waiting to be sent",
                "1 staff away setting",
                "1 study group you created",
                "1 webhook message about a request",
            ]
        )
        + "."
    )


async def test_staff_export_and_forget_by_email_are_audited_without_personal_data(chat: Chat, app: BotApp) -> None:
    """A lead sent from the console: staff export and erase it by email, then the account that sent it (theirs, staff
    found); the audit log names neither."""
    await chat.submit("consult:intake", VALID, user="annlee")
    export = await chat.say("privacy export ann@example.org", user="sue", role="staff")
    data = exported(export)
    assert data["identities"] == [] and data["tables"]["leads"][0]["name"] == "Ann Lee"
    assert "console:annlee, whose data this file leaves out" in export[0].text
    assert texts(await chat.say("privacy forget ann@example.org", user="ann")).strip().endswith("only for staff.")
    gone = texts(await chat.say("privacy forget ann@example.org", user="sue", role="staff")).strip()
    assert gone.startswith("Erased or anonymized for that person:") and "1 request" in gone
    assert gone.endswith("If that account is theirs, run `privacy forget console:annlee` too.")
    again = texts(await chat.say("privacy forget ann@example.org", user="sue", role="staff")).strip()
    assert again == "I held nothing about that person; nothing to erase."
    account = texts(await chat.say("privacy forget console:annlee", user="sue", role="staff")).strip()
    assert account == "Erased or anonymized for that person: 1 request history entry."
    async with app.db.session() as session:
        audit = (await session.execute(select(Base.metadata.tables["privacy_audit"]))).mappings().all()
    assert [(a["action"], a["actor"], a["subject_kind"]) for a in audit] == [
        ("export:email", "console:sue", "email"),
        ("forget:email", "console:sue", "email"),
        ("forget:email", "console:sue", "email"),  # the second request is audited too
        ("forget:user", "console:sue", "user"),
    ]
    left = await dump(app.db)
    assert "ann@example.org" not in left and "annlee" not in left and "ann lee" not in left


async def test_an_email_typed_into_a_form_does_not_hand_over_its_owners_data(chat: Chat, app: BotApp) -> None:
    """Mallory sends a request with Ann's email: her `mydata` holds only her own request, and erasing it leaves
    Ann's request whole."""
    await chat.submit("consult:intake", VALID, user="annlee")
    await chat.submit("consult:intake", {**VALID, "name": "Mallory", "description": "x"}, user="mallory")
    data = exported(await chat.say("mydata", user="mallory"))
    assert [lead["name"] for lead in data["tables"]["leads"]] == ["Mallory"]
    assert "Train our staff" not in json.dumps(data)
    (confirm, _) = (await chat.say("mydata delete", user="mallory"))[0].buttons
    await chat.press(confirm.action_id, confirm.value, user="mallory")
    shown = texts(await chat.say("leads show L-0001", user="sue", role="staff"))
    assert "Ann Lee" in shown and "ann@example.org" in shown and "Train our staff" in shown


async def test_mydata_delete_erases_the_words_of_her_questions_and_what_was_learned_from_them(
    chat: Chat, app: BotApp
) -> None:
    """Dana asks, finds the answer helpful (teaching it as an example) and asks what nobody answers; after `mydata
    delete` no table holds her wording, the bot no longer knows it, Eve's questions on the same recipe stay, and
    `kb gaps` and `kb stats` count hers without showing "(forgotten)" as a question."""
    hers = ("how many people should be in a learning circle, asks dana", "what is the airspeed of an unladen swallow")
    his = ("how many people should be in a learning circle, asks eve", "what is the airspeed of a laden swallow")
    for user, (answered, declined) in (("dana", hers), ("eve", his)):
        answer = await chat.say(f"ask {answered}", user=user)
        helpful = next(b for b in answer[0].buttons if b.label == "Helpful")
        assert "Thanks" in texts(await chat.press(helpful.action_id, helpful.value, user=user))
        await chat.say(f"ask {declined}", user=user)
    learned = {q for recipe in app.kb.recipes for q in recipe.questions}
    assert {hers[0], his[0]} <= learned
    (confirm, _) = (await chat.say("mydata delete", user="dana"))[0].buttons
    done = texts(await chat.press(confirm.action_id, confirm.value, user="dana")).strip()
    assert done == "Done. Erased or anonymized: 1 vote on an answer, 2 questions asked, 1 learned question phrasing."
    left = await dump(app.db)
    assert [q for q in hers if q in left] == [] and "dana" not in left
    assert all(q in left for q in his)
    learned = {q for recipe in app.kb.recipes for q in recipe.questions}
    assert hers[0] not in learned and his[0] in learned
    gaps = texts(await chat.say("kb gaps", user="sue", role="staff"))
    assert his[1] in gaps and "(forgotten)" not in gaps
    assert "1 question without a good answer: wording erased at the asker's request" in gaps
    stats = texts(await chat.say("kb stats", user="sue", role="staff"))
    assert "Declined or not helpful: 2" in stats and "2 asked  2 helpful" in stats  # her vote stays, nobody's
