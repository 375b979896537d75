"""An email typed into a form says nothing about who typed it: erasing or exporting a person by email leaves the
account that sent the lead alone (staff are told which, to decide), and erasing an account leaves the leads others
sent with the email it typed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.main.wiring import BotApp
from tests.bot.features.people.test_mydata import exported
from tests.bot.lead_answers import VALID
from tests.conftest import Chat, Clock, texts

ANN = "ann@example.com"
STAFF = {"user": "sam", "role": "staff"}
FAY = {"user": "fay", "role": "facilitator", "channel": "g"}
SENT = "L-0001 was sent from the chat account console:bob"
BECAUSE = "an email typed into a form does not say who typed it."
NOT_FOLLOWED = f"{SENT}, which I left as it is: {BECAUSE}"


async def in_group_g(chat: Chat, app: BotApp, clock: Clock, *users: str) -> None:
    """``users`` join study group G and answer its first check-in."""
    await chat.say("checkin create Group G", **FAY)
    await chat.say("checkin schedule tue 18:00 --weeks 2", **FAY)
    for user in users:
        await chat.say("checkin join", channel="g", user=user)
    clock.now = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
    await app.scheduler.tick(clock.now)
    clock.advance(minutes=10)
    for user in users:
        await chat.submit("checkin:answer:1", {"q0": f"{user} read", "q1": "more", "q2": "no"}, channel="g", user=user)


async def group_data(chat: Chat, user: str) -> dict[str, Any]:
    """The memberships and check-in answers in ``user``'s own `mydata`."""
    tables = exported(await chat.say("mydata", user=user))["tables"]
    return {name: tables.get(name) for name in ("group_members", "checkin_answers")}


async def bob_sends_anns_email(chat: Chat, app: BotApp, clock: Clock) -> dict[str, Any]:
    """Bob and Ann are in group G and answered a check-in; Bob sends a request typing Ann's email. Bob's group data."""
    await in_group_g(chat, app, clock, "bob", "ann")
    await chat.submit("consult:intake", {**VALID, "email": ANN}, user="bob")
    bob = await group_data(chat, "bob")
    assert bob["group_members"] and bob["checkin_answers"]
    return bob


async def test_leads_forget_by_email_leaves_the_account_that_sent_it(chat: Chat, app: BotApp, clock: Clock) -> None:
    """`leads forget ann@…` erases the lead Bob sent with her email, not Bob: his memberships and answers stay, and
    the reply names his account and how to erase it too."""
    bob = await bob_sends_anns_email(chat, app, clock)
    replies = await chat.say(f"leads forget {ANN}", **STAFF)
    assert [r.text for r in replies] == [
        "Erased the personal details of 1 lead: L-0001. Anonymous statistics are kept. "
        f"{NOT_FOLLOWED} If that account is theirs, run `leads forget {ANN} --user bob` "
        "(or `privacy forget console:bob`)."
    ]
    assert await group_data(chat, "bob") == bob
    shown = texts(await chat.say("leads show L-0001", **STAFF))
    assert "Name: (forgotten)" in shown and ANN not in shown and "Ann Lee" not in shown


async def test_privacy_forget_by_email_leaves_the_account_that_sent_it(chat: Chat, app: BotApp, clock: Clock) -> None:
    """`privacy forget ann@…` erases the lead, keeps Bob's memberships and answers, and names his account."""
    bob = await bob_sends_anns_email(chat, app, clock)
    replies = await chat.say(f"privacy forget {ANN}", **STAFF)
    assert [r.text for r in replies] == [
        "Erased or anonymized for that person: 2 consents given with a request, 1 request history entry, 1 request. "
        f"{NOT_FOLLOWED} If that account is theirs, run `privacy forget console:bob` too."
    ]
    assert await group_data(chat, "bob") == bob
    assert "Name: (forgotten)" in texts(await chat.say("leads show L-0001", **STAFF))


async def test_privacy_export_by_email_holds_nothing_of_the_account_that_sent_it(
    chat: Chat, app: BotApp, clock: Clock
) -> None:
    """`privacy export ann@…` gives Ann's lead, not Bob's check-in answers or memberships; the reply names Bob."""
    await bob_sends_anns_email(chat, app, clock)
    replies = await chat.say(f"privacy export {ANN}", **STAFF)
    data = exported(replies)
    assert [r.text for r in replies] == [
        f"Everything held about that person, as JSON (records: 4). {SENT}, whose data this file leaves out: {BECAUSE} "
        "If that account is theirs, `privacy export console:bob` gives the rest."
    ]
    assert data["identities"] == [] and [lead["email"] for lead in data["tables"]["leads"]] == [ANN]
    assert {"group_members", "checkin_answers", "person_identities"}.isdisjoint(data["tables"])
    assert "bob read" not in json.dumps(data)


async def test_an_assistant_named_by_staff_goes_with_the_bosss_email(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Amy sends a request with her boss's email; staff, who know it was her, name her account with `--user`: the
    lead and Amy's memberships and answers are erased, and the reply has nothing left to point at."""
    await in_group_g(chat, app, clock, "amy", "cy")
    await chat.submit("consult:intake", {**VALID, "name": "Bea Boss", "email": "boss@example.com"}, user="amy")
    cy = await group_data(chat, "cy")
    replies = await chat.say("leads forget boss@example.com --user amy", **STAFF)
    assert [r.text for r in replies] == [
        "Erased the personal details of 1 lead: L-0001. Anonymous statistics are kept. "
        "Also erased or anonymized 3 other records naming them (questions, forms, notes, answers)."
    ]
    assert await group_data(chat, "amy") == {"group_members": None, "checkin_answers": None}
    assert await group_data(chat, "cy") == cy
    assert "Name: (forgotten)" in texts(await chat.say("leads show L-0001", **STAFF))


async def test_privacy_forget_of_an_account_leaves_the_lead_its_owner_sent(chat: Chat, app: BotApp) -> None:
    """Bob sent a request with Ann's email, and so did Ann: `privacy export bob` and `privacy forget bob` take only
    his; hers, found by the email Bob typed, stays whole."""
    await chat.submit("consult:intake", {**VALID, "email": ANN}, user="bob")
    await chat.submit("consult:intake", {**VALID, "email": ANN, "description": "Ann's own"}, user="ann")
    hers = texts(await chat.say("leads show L-0002", **STAFF))
    data = exported(await chat.say("privacy export bob", **STAFF))
    assert [lead["id"] for lead in data["tables"]["leads"]] == [1] and "Ann's own" not in json.dumps(data)
    replies = await chat.say("privacy forget bob", **STAFF)
    assert [r.text for r in replies] == [
        "Erased or anonymized for that person: 2 consents given with a request, 1 request history entry, 1 request."
    ]
    assert texts(await chat.say("leads show L-0002", **STAFF)) == hers
    assert "Name: (forgotten)" in texts(await chat.say("leads show L-0001", **STAFF))


async def test_each_account_that_sent_leads_is_named_once_and_not_when_staff_named_it(chat: Chat) -> None:
    """Bob sent two requests with Ann's email and Cy one: each account is named once, with its leads; an account
    staff give with `--user` is erased, not pointed at."""
    for n, user in enumerate(("bob", "bob", "cy")):
        await chat.submit("consult:intake", {**VALID, "email": ANN, "description": f"request {n}"}, user=user)
    exported_by_email = await chat.say(f"privacy export {ANN}", **STAFF)
    said = exported_by_email[0].text
    assert said.count("console:bob") == 2 and said.count("console:cy") == 2  # in the sentence and the command
    assert "L-0001 and L-0002 were sent from the chat account console:bob, whose data" in said
    assert "L-0003 was sent from the chat account console:cy, whose data" in said
    replies = await chat.say(f"leads forget {ANN} --user bob", **STAFF)
    assert [r.text for r in replies] == [
        "Erased the personal details of 3 leads: L-0001, L-0002, L-0003. Anonymous statistics are kept. "
        "Also erased or anonymized 2 other records naming them (questions, forms, notes, answers). "
        f"L-0003 was sent from the chat account console:cy, which I left as it is: {BECAUSE} "
        f"If that account is theirs, run `leads forget {ANN} --user cy` (or `privacy forget console:cy`)."
    ]
