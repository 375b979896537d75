""" "Ask a human" typed rather than pressed, what a peer's reply does to an escalation, and staff hours on the way
through peers, through the core.
The bots answer from the test recipes (tests/fixtures/recipes), which decline ODD."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.events import Message, Origin, Reply
from bot.main.wiring import BotApp
from bot.when import person
from tests.bot.features.escalations.seed import solved_thread, thread_for
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts
from tests.fixtures import own_recipes

pytestmark = pytest.mark.test_recipes  # answers from tests/fixtures/recipes

ANN = person("console", "ann")
ODD = "my cohort is dwindling"


def button(reply: Reply, label: str) -> tuple[str, str]:
    found = next(b for b in reply.buttons if b.label == label)
    return found.action_id, found.value


async def in_thread(app: BotApp, text: str, user: str, thread: str = "t1", mention: bool = False) -> list[Reply]:
    """``user`` writes ``text`` in ``thread`` of #general (mentioning the bot or not)."""
    origin = Origin("console", "general", user, user_name=user, thread=thread, platform_roles=frozenset({"member"}))
    return await app.dispatcher.handle(Message(origin, text, is_mention=mention))


async def helper_and_thread(chat: Chat, clock: Clock) -> tuple[Reply, int]:
    """Pat, a helper who solved a question like ODD before; Ann's declined ODD in #general, in thread t1: the reply
    declining it and its question number."""
    app = chat.app
    await solved_thread(app.db, "console", "help-desk", "t0", "our cohort keeps dwindling fast", "pat", clock.now)
    await chat.say("helper on", user="pat")
    declined = (await chat.say(f"ask {ODD}", channel="general"))[0]
    qid = int(button(declined, "Ask a human")[1])
    await thread_for(app.db, "console", "general", "t1", "ann", ODD, qid, clock.now)
    return declined, qid


async def test_ask_a_human_typed_passes_on_the_question_in_context(chat: Chat) -> None:
    """`ask a human` typed after an answer does what the button does for that question; never a question "a human"
    (nothing to pass on yet: how to reach a person)."""
    (nothing,) = await chat.say("ask a human", user="eve")
    assert nothing.text == (
        "Of course: ask me your question first (it may already be answered). To reach a person, press “Ask a "
        "human” under any of my answers."
    )
    declined = (await chat.say(f"ask {ODD}"))[0]
    qid = int(button(declined, "Ask a human")[1])
    posted, told = await chat.say("ask a human")
    assert (posted.channel, posted.title, posted.text) == (
        "help",
        "A question for a human",
        f"{ANN} asked: {ODD}\n"
        "Asked in a direct message: message them, or teach me the answer and I'll send it to them.\n"
        f"(question {qid}; staff can teach me the answer with `kb confirm {qid} RECIPE_ID`)",
    )
    assert told.text == (  # no thread for the team to answer in: what happens instead
        "I've passed your question to the team. Someone may message you; once they teach me the answer, I'll send "
        "it to you here."
    )
    (again,) = await chat.say("Ask a human!")
    assert again.text == (
        "This question has already been passed to the team; once they teach me the answer, I'll send it to you here."
    )
    gaps = await chat.say("kb gaps", user="sam", role="staff")
    assert texts(gaps) == f"Questions without a good answer\n  1 × {ODD}"


async def test_ask_a_human_typed_in_a_thread_means_the_threads_question(chat: Chat, clock: Clock) -> None:
    """`@bot ask a human` in a help thread is "Ask a human" on the thread's question, even after other questions."""
    app = chat.app
    await helper_and_thread(chat, clock)
    await chat.say("ask how long should a meeting be")  # a later question elsewhere: not the thread's
    dm, told = await in_thread(app, "ask a human", "ann", mention=True)
    assert (dm.user, dm.text) == (
        "pat",
        f"{ANN} asked: {ODD}\nYou helped with questions like this before. If you can answer, please reply in the "
        "thread: #general, thread t1",
    )
    assert told.text == (
        "I've asked 1 member familiar with questions like this. If nobody answers in 4 hours, I'll pass it to the team."
    )


async def test_ask_a_human_typed_in_a_thread_without_a_mention_by_its_asker(chat: Chat, clock: Clock) -> None:
    """The asker's plain "Ask a human" in their help thread is the button for the thread's question (with nobody to
    ask first, straight to staff with the thread); it is no follow-up question and no gap."""
    app = chat.app
    declined = (await chat.say(f"ask {ODD}", channel="general"))[0]
    qid = int(button(declined, "Ask a human")[1])
    await thread_for(app.db, "console", "general", "t1", "ann", ODD, qid, clock.now)
    assert await in_thread(app, "ask a human", "bob") == []  # not bob's question
    (not_his,) = await in_thread(app, "ask a human", "bob", mention=True)  # nor with a mention: he asked nothing
    assert not_his.text == (
        "Of course: ask me your question first (it may already be answered). To reach a person, press “Ask a "
        "human” under any of my answers."
    )
    posted, told = await in_thread(app, "Ask a human", "ann")
    assert (posted.channel, posted.text) == (
        "help",
        f"{ANN} asked: {ODD}\nThread: #general, thread t1\n"
        f"(question {qid}; staff can teach me the answer with `kb confirm {qid} RECIPE_ID`)",
    )
    assert told.text == "I've passed your question to the team; someone will answer you there."
    gaps = await chat.say("kb gaps", user="sam", role="staff")
    assert texts(gaps) == f"Questions without a good answer\n  1 × {ODD}"


async def test_a_peers_reply_is_no_answer_the_asker_can_still_reach_staff(chat: Chat, clock: Clock) -> None:
    """Pat's "sorry, no idea" is listed as a reply, not an answer; Ann pressing "Ask a human" again passes the
    question to staff with its thread, once; a helper pressing it does nothing new."""
    app = chat.app
    declined, qid = await helper_and_thread(chat, clock)
    await chat.press(*button(declined, "Ask a human"), channel="general")
    assert await in_thread(app, "sorry, no idea", "pat") == []
    listed = await chat.say("kb escalations", user="sam", role="staff")
    assert texts(listed).splitlines()[1:] == [
        f"Q{qid} [a person replied, not solved yet] {ODD} (peers asked: 1; 2 March 2026)"
    ]
    (other,) = await chat.press(*button(declined, "Ask a human"), user="pat", channel="general")
    assert other.text == "This question has already been passed on; someone will answer you there."
    posted, told = await chat.press(*button(declined, "Ask a human"), channel="general")
    assert (posted.channel, posted.text) == (
        "help",
        f"{ANN} asked: {ODD}\nThread: #general, thread t1\n"
        f"(question {qid}; staff can teach me the answer with `kb confirm {qid} RECIPE_ID`)",
    )
    assert told.text == "I've passed your question to the team; someone will answer you there."
    (again,) = await in_thread(app, "ask a human", "ann", mention=True)
    assert again.text == "This question has already been passed on; someone will answer you there."
    listed = await chat.say("kb escalations", user="sam", role="staff")
    assert texts(listed).splitlines()[1:] == [f"Q{qid} [escalated to staff] {ODD} (peers asked: 1; 2 March 2026)"]
    clock.advance(hours=5)
    assert await app.scheduler.tick(clock.now) == []  # told once
    assert await in_thread(app, "Try the library's community room.", "sam") == []  # staff reply after being told
    listed = await chat.say("kb escalations", user="sam", role="staff")
    assert texts(listed).splitlines()[1:] == [
        f"Q{qid} [a person replied, not solved yet] {ODD} (peers asked: 1; 2 March 2026)"
    ]


async def test_peers_first_says_when_staff_are_back_too(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """Friday 15:00 in Berlin, staff in until 17:00: the asker whose question goes to peers first learns that staff,
    who would hear of it at 19:00, are back Monday, as one sent straight to staff is told; on Monday morning the
    plain line."""
    hours = {"timezone": "Europe/Berlin", "days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
    app = BotApp(make_settings(db_target, tmp_path, staff_hours=hours, **own_recipes()), clock=clock)
    await app.start()
    try:
        chat = Chat(app)
        await solved_thread(app.db, "console", "help-desk", "t0", "our cohort keeps dwindling fast", "pat", clock.now)
        await chat.say("helper on", user="pat")
        clock.now = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
        told = []
        for thread, user in (("t1", "ann"), ("t2", "bob")):
            declined = (await chat.say(f"ask {ODD}", user=user, channel="general"))[0]
            qid = int(button(declined, "Ask a human")[1])
            await thread_for(app.db, "console", "general", thread, user, ODD, qid, clock.now)
            told.append((await chat.press(*button(declined, "Ask a human"), user=user, channel="general"))[-1].text)
            clock.now = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)  # Monday 07:00: staff in by 11:00
        assert told == [
            "I've asked 1 member familiar with questions like this. If nobody answers in 4 hours, I'll pass it to the "
            "team. The team is away then; they are back Monday 9 March at 09:00 (Europe/Berlin time), and will reply "
            "to you after that.",
            "I've asked 1 member familiar with questions like this. If nobody answers in 4 hours, I'll pass it to the "
            "team.",
        ]
    finally:
        await app.close()
