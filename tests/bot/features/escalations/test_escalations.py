"""Peers before staff, escalation records, and gaps that close themselves, through the core as the console uses it.
The bots answer from the test recipes (tests/fixtures/recipes), which decline ODD."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.events import Reply, Visibility
from bot.main.wiring import BotApp
from bot.when import person, plain
from tests.bot.features.escalations.seed import answer_and_solve, solved_thread, thread_for
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts
from tests.fixtures import RECIPES, own_recipes

pytestmark = pytest.mark.test_recipes  # answers from tests/fixtures/recipes

ANN = person("console", "ann")  # how replies name the asker: each adapter shows the name its platform knows

ODD = "my cohort is dwindling"


@pytest.fixture
async def replicas(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[list[BotApp]]:
    """Two bots sharing one database and one recipe folder of the community's own (beside the test recipes)."""
    (tmp_path / "ours").mkdir()
    shutil.copytree(RECIPES, tmp_path / "test-recipes")
    folders = [str(tmp_path / "ours"), str(tmp_path / "test-recipes")]
    settings = make_settings(db_target, tmp_path, starter_recipes=False, knowledge_dirs=folders)
    apps = [BotApp(settings, clock=clock) for _ in range(2)]
    for app in apps:
        await app.start()
    yield apps
    for app in apps:
        await app.close()


async def tick_both(apps: list[BotApp], clock: Clock) -> list[Reply]:
    """Both replicas tick at the same instant; everything they would send."""
    results = await asyncio.gather(*(app.scheduler.tick(clock.now) for app in apps))
    return [reply for replies in results for reply in replies]


def button(reply: Reply, label: str) -> tuple[str, str]:
    found = next(b for b in reply.buttons if b.label == label)
    return found.action_id, found.value


async def test_helper_on_off_and_state(chat: Chat) -> None:
    """`helper on TOPICS` opts in with topics, `helper` says so, `helper off` stops it."""
    (state,) = await chat.say("helper", user="pat")
    assert state.text == "You are not taking questions from other members. `helper on [topics...]` starts."
    (on,) = await chat.say("helper on Venues online", user="pat")
    assert on.visibility is Visibility.EPHEMERAL
    assert on.text == (
        "Thanks! When a member presses “Ask a human” on a question like ones you helped solve or about venues, "
        "online, I may send it to you by direct message (at most 2 a day). `helper off` stops it."
    )
    (state,) = await chat.say("helper", user="pat")
    assert plain(state.text) == (
        "You take questions from other members or about venues, online, since 2 March 2026. `helper off` stops it."
    )
    (off,) = await chat.say("helper off", user="pat")
    assert off.text == "Done: I won't send you other members' questions any more."
    assert "Usage: `helper on [topics...]`" in texts(await chat.say("helper maybe", user="pat"))


async def test_one_hour_reads_in_the_singular(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """With `staff_after_hours: 1` the asker reads "in 1 hour" and staff "after 1 hour", never "1 hours"."""
    settings = make_settings(db_target, tmp_path, escalation={"staff_after_hours": 1}, **own_recipes())
    app = BotApp(settings, clock=clock)
    await app.start()
    try:
        await solved_thread(app.db, "console", "help-desk", "t0", "our cohort keeps dwindling fast", "pat", clock.now)
        ann = Chat(app)
        await ann.say("helper on", user="pat")
        declined = (await ann.say(f"ask {ODD}", channel="general"))[0]
        qid = int(button(declined, "Ask a human")[1])
        await thread_for(app.db, "console", "general", "t1", "ann", ODD, qid, clock.now)
        asked = await ann.press(*button(declined, "Ask a human"), channel="general")
        assert asked[-1].text == (
            "I've asked 1 member familiar with questions like this. If nobody answers in 1 hour, I'll pass it to "
            "the team."
        )
        clock.advance(hours=1)
        (posted,) = await app.scheduler.tick(clock.now)
        assert posted.text == (
            f"{ANN} asked: {ODD}\nNo answer after 1 hour from the 1 member asked. Thread: #general, thread t1\n"
            f"(question {qid}; staff can teach me the answer with `kb confirm {qid} RECIPE_ID`)"
        )
    finally:
        await app.close()


async def test_peer_first_then_staff_then_recipe_then_askers_told(replicas: list[BotApp], clock: Clock) -> None:
    """The whole road on the console, two replicas: peer DM, staff after 4 h, Save as recipe, publish, askers told."""
    first, second = replicas
    ann, bob, staff = Chat(first), Chat(second), Chat(first)
    await solved_thread(first.db, "console", "help-desk", "t0", "our cohort keeps dwindling fast", "pat", clock.now)
    await Chat(first).say("helper on", user="pat")
    await Chat(first).say("helper on venues", user="quinn")  # a topic that does not fit: not asked
    await bob.say("ask my cohort keeps dwindling", user="bob")  # the same gap, asked earlier
    clock.advance(hours=1)
    declined = (await ann.say(f"ask {ODD}", channel="general"))[0]
    qid = int(button(declined, "Ask a human")[1])
    await thread_for(first.db, "console", "general", "t1", "ann", ODD, qid, clock.now)

    asked = await ann.press(*button(declined, "Ask a human"), channel="general")
    assert [(r.user, r.platform, r.visibility, r.title, r.text) for r in asked] == [
        (
            "pat",
            "console",
            Visibility.DM,
            "Can you help another member?",
            f"{ANN} asked: {ODD}\nYou helped with questions like this before. If you can answer, please reply in "
            "the thread: #general, thread t1",
        ),
        (
            None,
            None,
            Visibility.EPHEMERAL,
            None,
            "I've asked 1 member familiar with questions like this. If nobody answers in 4 hours, I'll pass "
            "it to the team.",
        ),
    ]
    again = await bob.press(*button(declined, "Ask a human"), user="ann", channel="general")
    assert texts(again) == "\nThis question has already been passed on; someone will answer you there."

    clock.advance(hours=3, minutes=59)
    assert await tick_both(replicas, clock) == []
    clock.advance(minutes=1)
    (posted,) = await tick_both(replicas, clock)
    assert (posted.channel, posted.title, posted.text) == (
        "help",
        "A question for a human",
        f"{ANN} asked: {ODD}\nNo answer after 4 hours from the 1 member asked. Thread: #general, thread t1\n"
        f"(question {qid}; staff can teach me the answer with `kb confirm {qid} RECIPE_ID`)",
    )
    assert await tick_both(replicas, clock) == []
    listed = texts(await staff.say("kb escalations", user="sam", role="staff"))
    assert listed.splitlines()[1] == f"Q{qid} [escalated to staff] {ODD} (peers asked: 1; 2 March 2026)"

    clock.advance(minutes=30)
    await answer_and_solve(first.db, "console", "general", "t1", "pat", clock.now)
    (offer,) = await tick_both(replicas, clock)
    assert (offer.channel, offer.title, offer.text, offer.buttons[0].label) == (
        "help",
        "Solved by a person: save it as a recipe?",
        f"{ODD}\nSolved in its thread by pat: #general, thread t1\nA recipe would answer it next time. "
        f"(question {qid})",
        "Save as recipe",
    )
    assert await tick_both(replicas, clock) == []
    listed = texts(await staff.say("kb escalations", user="sam", role="staff"))
    assert listed.splitlines()[1] == f"Q{qid} [solved] {ODD} (peers asked: 1; 2 March 2026)"

    shown = await staff.press(*button(offer, "Save as recipe"), user="sam", role="staff", channel="help")
    assert texts(shown).startswith("\nSave as recipe (1/2): The answer")
    saved = await staff.say(ANSWER, user="sam", role="staff", channel="help")
    assert saved[-1].text.startswith("Save as recipe (2/2): Title")
    saved = await staff.say("skip", user="sam", role="staff", channel="help")
    draft = "cohort-dwindling"
    assert saved[-1].text == (
        f"Draft `{draft}` saved for review. `kb drafts` lists drafts; `kb publish {draft}` makes it live."
    )
    assert texts(await staff.say("kb drafts", user="sam", role="staff")) == (
        f"Recipe drafts\n`{draft}`  My cohort is dwindling (2 example questions)"
    )
    clock.advance(days=1)
    published = await staff.say(f"kb publish {draft}", user="sam", role="staff")
    assert published[0].text == f"Published `{draft}`: My cohort is dwindling. I told 2 members who asked about it."
    assert sorted((r.user, r.platform, r.visibility, r.title, plain(r.text)) for r in published[1:]) == [
        (
            "ann",
            "console",
            Visibility.DM,
            "My cohort is dwindling",
            f"You asked “{ODD}” on 2 March 2026; here is the answer now.\n\n{ANSWER}",
        ),
        (
            "bob",
            "console",
            Visibility.DM,
            "My cohort is dwindling",
            "You asked “my cohort keeps dwindling” on 2 March 2026; here is the answer now.\n\n" + ANSWER,
        ),
    ]
    assert (await ann.say(f"ask {ODD}"))[0].title == "My cohort is dwindling"
    assert texts(await staff.say("kb gaps", user="sam", role="staff")).endswith(
        "No gaps: every question so far was answered and nobody said it didn't help."
    )  # the gap closed itself
    assert texts(await staff.say("kb drafts", user="sam", role="staff")).endswith(
        "No drafts. “Save as recipe” on a solved question writes one."
    )
    taught = await staff.say(f"kb confirm {qid} {draft}", user="sam", role="staff")
    assert [r.text for r in taught] == [
        f"Learned: '{ODD}' is answered by `{draft}`. I told 0 members who asked about it."
    ]  # each asker is told once, whichever way the gap closed


ANSWER = "Ask each member what changed for them, then move the meeting to a time that suits the group."


async def test_kb_confirm_tells_everyone_in_the_gap_once(chat: Chat, app: BotApp, clock: Clock) -> None:
    """`kb confirm` on one question of a gap DMs each member who asked in that gap, once; other gaps are not told."""
    await chat.say("ask my cohort keeps dwindling", user="bob")
    await chat.say("ask who won the football game", user="cy")
    clock.advance(days=2)
    declined = (await chat.say(f"ask {ODD}", user="ann"))[0]
    qid = button(declined, "Ask a human")[1]
    taught = await chat.say(f"kb confirm {qid} people/drop-off", user="sam", role="staff")
    assert taught[0].text == (
        f"Learned: '{ODD}' is answered by `people/drop-off`. I told 2 members who asked about it."
    )
    told = sorted((r.user, plain(r.text).split("\n\n", 1)[0], r.title) for r in taught[1:])
    assert told == [
        ("ann", f"You asked “{ODD}” on 4 March 2026; here is the answer now.", "What if learners stop showing up?"),
        (
            "bob",
            "You asked “my cohort keeps dwindling” on 2 March 2026; here is the answer now.",
            "What if learners stop showing up?",
        ),
    ]
    (again,) = await chat.say(f"kb confirm {qid} people/drop-off", user="sam", role="staff")
    assert again.text == f"Already taught: '{ODD}' is answered by `people/drop-off`. Nothing changed."
    gaps = texts(await chat.say("kb gaps", user="sam", role="staff"))
    assert "who won the football game" in gaps and "dwindling" not in gaps


async def test_the_latest_kb_confirm_wins(chat: Chat) -> None:
    """A second `kb confirm` of a question to another recipe unlearns the first, says so, and the question is
    answered by the second from then on; confirming that again says it was taught already."""
    declined = (await chat.say(f"ask {ODD}"))[0]
    qid = button(declined, "Ask a human")[1]
    await chat.say(f"kb confirm {qid} people/drop-off", user="sam", role="staff")
    assert (await chat.say(f"ask {ODD}"))[0].title == "What if learners stop showing up?"
    (moved,) = await chat.say(f"kb confirm {qid} meetings/moving", user="sam", role="staff")
    assert moved.text == (
        f"Learned: '{ODD}' is answered by `meetings/moving`. It is no longer taken as answered by "
        "`people/drop-off`. I told 0 members who asked about it."
    )
    for _ in range(3):
        assert (await chat.say(f"ask {ODD}"))[0].title == (await chat.say("kb show meetings/moving"))[0].title
    (again,) = await chat.say(f"kb confirm {qid} meetings/moving", user="sam", role="staff")
    assert again.text == f"Already taught: '{ODD}' is answered by `meetings/moving`. Nothing changed."


async def test_peers_are_limited_per_question_and_per_day(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """At most N peers per question, none asked more than M times a day, the asker never; then others are asked."""
    app = BotApp(
        make_settings(
            db_target, tmp_path, escalation={"peers_per_question": 2, "peer_daily_limit": 1}, **own_recipes()
        ),
        clock=clock,
    )
    await app.start()
    try:
        chat = Chat(app)
        for n, peer in enumerate(["pat", "quinn", "ria", "ann"]):
            await solved_thread(app.db, "console", "help-desk", f"t{n}", "our cohort keeps dwindling", peer, clock.now)
            await chat.say("helper on", user=peer)
        asked: list[list[str | None]] = []
        for asker in ("ann", "bob", "cy"):
            declined = (await chat.say(f"ask {ODD}", user=asker, channel="general"))[0]
            replies = await chat.press(*button(declined, "Ask a human"), user=asker, channel="general")
            asked.append([r.user for r in replies if r.visibility is Visibility.DM])
        assert asked == [["pat", "quinn"], ["ann", "ria"], []]  # equally good: the longest-standing, then by id
        assert "passed your question to the team" in texts(replies)  # nobody left today: staff at once
        clock.advance(days=1)
        declined = (await chat.say(f"ask {ODD}", user="dee", channel="general"))[0]
        replies = await chat.press(*button(declined, "Ask a human"), user="dee", channel="general")
        assert [r.user for r in replies if r.visibility is Visibility.DM] == ["ann", "pat"]  # a new day
    finally:
        await app.close()


async def test_direct_message_questions_and_answered_threads_skip_the_wait(
    chat: Chat, app: BotApp, clock: Clock
) -> None:
    """A question asked in a DM goes to staff at once; one answered in its thread before the timeout never does."""
    await solved_thread(app.db, "console", "help-desk", "t0", "our cohort keeps dwindling", "pat", clock.now)
    await chat.say("helper on", user="pat")
    declined = (await chat.say(f"ask {ODD}", user="ann"))[0]
    replies = await chat.press(*button(declined, "Ask a human"), user="ann")
    assert [r.channel for r in replies] == ["help", None] and not [r for r in replies if r.user]
    declined = (await chat.say(f"ask {ODD}", user="bob", channel="general"))[0]
    qid = int(button(declined, "Ask a human")[1])
    await thread_for(app.db, "console", "general", "t9", "bob", ODD, qid, clock.now)
    replies = await chat.press(*button(declined, "Ask a human"), user="bob", channel="general")
    assert [r.user for r in replies] == ["pat", None]
    clock.advance(hours=1)
    await answer_and_solve(app.db, "console", "general", "t9", "pat", clock.now, solve=False)
    clock.advance(hours=5)
    assert await app.scheduler.tick(clock.now) == []
    listed = texts(await chat.say("kb escalations", user="sam", role="staff")).splitlines()
    assert listed[1:] == [
        f"Q{qid} [a person replied, not solved yet] {ODD} (peers asked: 1; 2 March 2026)",
        f"Q{qid - 1} [escalated to staff] {ODD} (peers asked: 0; 2 March 2026)",
    ]


async def test_who_asked_is_forgotten_after_asker_days(chat: Chat, app: BotApp, clock: Clock) -> None:
    """After `escalation.asker_days` (60) nobody is told: who asked is no longer kept."""
    await chat.say(f"ask {ODD}", user="ann")
    clock.advance(days=61)
    await app.scheduler.tick(clock.now)
    taught = await chat.say("kb confirm 1 people/drop-off", user="sam", role="staff")
    assert taught[0].text.endswith("I told 0 members who asked about it.") and len(taught) == 1


async def test_a_helper_who_named_the_topic_is_asked_and_told_why(chat: Chat) -> None:
    """A helper with no solved history is asked when a topic they named is in the question; others are not."""
    await chat.say("helper on cohort retention", user="quinn")
    await chat.say("helper on venues", user="ria")
    await chat.say("helper on", user="sol")
    declined = (await chat.say(f"ask {ODD}", user="ann", channel="general"))[0]
    replies = await chat.press(*button(declined, "Ask a human"), user="ann", channel="general")
    (dm,) = [r for r in replies if r.visibility is Visibility.DM]
    assert (dm.user, dm.text) == (
        "quinn",
        f"{ANN} asked: {ODD}\nYou said you know about cohort, retention. If you can answer, please reply in the "
        "thread: #general",
    )


async def test_without_a_help_channel_peers_are_asked_and_staff_not_promised(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """No help channel: a fitting helper is still asked, the asker is not promised staff, nothing is posted, and
    once the peers' time is up `kb escalations` says staff could not be reached."""
    settings = make_settings(db_target, tmp_path, **own_recipes()).model_copy(update={"help_channel": None})
    app = BotApp(settings, clock=clock)
    await app.start()
    try:
        chat = Chat(app)
        await chat.say("helper on cohort", user="quinn")
        declined = (await chat.say(f"ask {ODD}", user="ann", channel="general"))[0]
        replies = await chat.press(*button(declined, "Ask a human"), user="ann", channel="general")
        assert [(r.user, r.text) for r in replies][1:] == [
            (None, "I've asked 1 member familiar with questions like this.")
        ]
        (waiting,) = await chat.say("kb escalations", user="sam", role="staff")
        assert "[asked peers] my cohort is dwindling" in waiting.text
        clock.advance(hours=5)
        assert await app.scheduler.tick(clock.now) == []
        (late,) = await chat.say("kb escalations", user="sam", role="staff")
        assert late.text.startswith(
            "Q1 [no answer from peers; could not reach staff (no help channel set)] my cohort is dwindling"
        )
        again = (await chat.say("ask who won the football game", user="bo", channel="general"))[0]
        nobody = await chat.press(*button(again, "Ask a human"), user="bo", channel="general")
        assert texts(nobody) == (
            "\nNobody is set up to take questions here yet; please ask one of the organisers directly."
        )
    finally:
        await app.close()


async def test_a_question_whose_asker_erased_their_data_is_labelled_and_not_sent_to_staff(
    chat: Chat, app: BotApp, clock: Clock
) -> None:
    """After `mydata delete`, the escalated question's words are nowhere: `kb escalations` says they were erased,
    staff are not called to it, and `kb confirm` cannot learn "(forgotten)" as an example."""
    await chat.say("helper on cohort", user="quinn")
    declined = (await chat.say(f"ask {ODD}", user="ann", channel="general"))[0]
    qid = int(button(declined, "Ask a human")[1])
    await chat.press(*button(declined, "Ask a human"), user="ann", channel="general")
    (confirm, _) = (await chat.say("mydata delete", user="ann"))[0].buttons
    await chat.press(confirm.action_id, confirm.value, user="ann")
    clock.advance(hours=30)
    assert [r for r in await app.scheduler.tick(clock.now) if r.channel == "help"] == []
    listed = texts(await chat.say("kb escalations", user="sam", role="staff")).splitlines()
    assert listed[1:] == [
        f"Q{qid} [asked peers] (wording erased at the asker's request) (peers asked: 1; 2 March 2026)"
    ]
    taught = texts(await chat.say(f"kb confirm {qid} people/drop-off", user="sam", role="staff"))
    assert "was erased at its asker's request" in taught
