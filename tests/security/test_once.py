"""One user's events in order; the same form answer sent twice at once makes one lead (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.dispatcher import Dispatcher
from bot.events import FormSubmission, Message, Origin, Reply
from bot.feature import Command, Context, Surface
from bot.main.wiring import BotApp
from bot.permissions import RoleResolver
from bot.registry import Registry
from bot.settings import RoleSettings
from storage import Database
from tests.bot.lead_answers import ANSWERS, VALID
from tests.conftest import Chat, Clock, DbTarget, make_settings

USERS = [f"user{n}" for n in range(10)]
THANKS = "Thank you! Your request is L-{:04d}. Someone from the team will be in touch by email."


@pytest.fixture
async def replicas(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[list[BotApp]]:
    """Two bots sharing one database, as two replicas behind a load balancer."""
    apps = [BotApp(make_settings(db_target, tmp_path), clock=clock) for _ in range(2)]
    for bot in apps:
        await bot.start()
    yield apps
    for bot in apps:
        await bot.close()


async def lead_count(chat: Chat) -> int:
    listed = await chat.say("leads list", user="sam", role="staff")
    return int((listed[0].title or "").removeprefix("Leads (").removesuffix(")"))


async def test_double_submission_makes_one_lead_per_user(replicas: list[BotApp]) -> None:
    """Ten people each submit the form twice at once (one copy to each replica): ten leads, each confirmed twice."""
    chats = [Chat(bot) for bot in replicas]
    copies = [
        chats[n].submit("consult:intake", {**VALID, "email": f"{user}@example.org"}, user=user)
        for user in USERS
        for n in (0, 1)
    ]
    results = await asyncio.gather(*copies)
    assert await lead_count(chats[0]) == 10
    refs = set()
    for n in range(0, 20, 2):
        first, second = ([r.text for r in results[i] if r.channel is None] for i in (n, n + 1))
        assert first == second and len(first) == 1 and first[0].startswith("Thank you! Your request is L-")
        refs.add(first[0])
    assert len(refs) == 10  # one lead per person, and each person's two copies name the same one
    notices = [r for replies in results for r in replies if r.channel == "staff"]
    assert len(notices) == 10 and all((r.title or "").startswith("New consulting request L-") for r in notices)


async def test_last_answer_sent_twice_at_once_submits_once(replicas: list[BotApp]) -> None:
    """Ten people answer the last question twice at once, on two replicas: one lead each, one confirmation each."""
    chats = [Chat(bot) for bot in replicas]
    for user in USERS:
        await chats[0].say("consult", user=user)
        for answer in ANSWERS[:-1]:
            await chats[0].say(answer.replace("Ann@Example.org", f"{user}@example.org"), user=user)
    results = await asyncio.gather(*(chats[n].say(ANSWERS[-1], user=user) for user in USERS for n in (0, 1)))
    assert await lead_count(chats[0]) == 10
    thanks = [r.text for replies in results for r in replies if r.text.startswith("Thank you!")]
    assert sorted(thanks) == [THANKS.format(n) for n in range(1, 11)]


async def test_one_users_messages_are_handled_in_order(chat: Chat) -> None:
    """A whole step-by-step form sent as a burst of messages is answered in order: each prompt follows its answer."""
    results = await asyncio.gather(chat.say("consult"), *(chat.say(answer) for answer in ANSWERS))
    prompts = [replies[-1].text.split("\n", 1)[0] for replies in results[:-1]]
    assert prompts == [f"Work with P2PU ({n}/9): {f}" for n, f in enumerate(FIELD_LABELS, start=1)]
    assert results[-1][0].text == THANKS.format(1)
    shown = await chat.say("leads show L-0001", user="sam", role="staff")
    assert "Name: Ann Lee\nEmail: Ann@Example.org\n" in shown[0].text and "Timeline: Spring 2027\n" in shown[0].text


FIELD_LABELS = [
    "Your name",
    "Email",
    "Organization",
    "What would you like help with?",
    "Tell us about your project",
    "Timeline",
    "Budget range",
    "May we store these details and contact you about this request?",
    "May we also contact you later about other offers (courses, events)? Optional.",
]


@pytest.mark.parametrize("db_target", ["sqlite"], indirect=True)
async def test_a_slow_user_does_not_hold_up_others(db: Database) -> None:
    """While one user's command waits, another user's command is answered; the first user's next event waits."""
    release = asyncio.Event()

    async def slow(ctx: Context, args: str) -> list[Reply]:
        await release.wait()
        return [Reply(f"slow done for {ctx.origin.user}")]

    async def fast(ctx: Context, args: str) -> list[Reply]:
        return [Reply(f"fast done for {ctx.origin.user}")]

    feature = Surface("t", commands=(Command("slow", slow, "x"), Command("fast", fast, "x")))
    dispatcher = Dispatcher(db, RoleResolver(RoleSettings()), Registry.build([feature]))
    ann, bo = (Origin("slack", "C1", user, is_dm=True) for user in ("U_ANN", "U_BO"))
    first = asyncio.ensure_future(dispatcher.handle(Message(ann, "slow")))
    second = asyncio.ensure_future(dispatcher.handle(Message(ann, "fast")))
    other = await asyncio.wait_for(dispatcher.handle(Message(bo, "fast")), 5)
    assert [r.text for r in other] == ["fast done for U_BO"]
    await asyncio.sleep(0.05)
    assert not first.done() and not second.done()
    release.set()
    assert [r.text for r in await first] == ["slow done for U_ANN"]
    assert [r.text for r in await second] == ["fast done for U_ANN"]
    assert dispatcher._turns == {}  # no lock left behind


async def test_form_submission_values_are_cleaned_not_lost(chat: Chat) -> None:
    """A submission with NUL bytes and a lone surrogate is stored with those removed or replaced, the rest intact."""
    values = {**VALID, "name": "Ann\x00 Lee", "description": "Maps \ud800 and more"}
    replies = await chat.send(FormSubmission(chat.origin(modals=True), "consult:intake", values))
    assert replies[0].text == THANKS.format(1)
    shown = await chat.say("leads show L-0001", user="sam", role="staff")
    assert shown[0].text.startswith("Name: Ann Lee\n") and "\n\nMaps \ufffd and more\n\n" in shown[0].text
