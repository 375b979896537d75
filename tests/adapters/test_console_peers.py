"""What a new user hit trying "Ask a human" on the console: the thread peers are pointed to, outside help channels.
The bots answer from the test recipes (tests/fixtures/recipes): QUESTION is declined there with three suggestions, so
"4" presses "Ask a human"."""

from __future__ import annotations

import io
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.main.wiring import BotApp
from tests.conftest import Clock, DbTarget, make_settings
from tests.fixtures import RECIPES

pytestmark = pytest.mark.test_recipes  # answers from tests/fixtures/recipes

QUESTION = "our cohort keeps dwindling after week three"


def console(
    app: BotApp, user: str, channel: str | None = None, role: str = "member"
) -> tuple[ConsoleAdapter, io.StringIO]:
    """A console session as ``communitybot chat`` starts it (watched channels and earlier sessions' threads known),
    and its output."""
    out = io.StringIO()
    adapter = ConsoleAdapter(
        app.dispatcher.handle,
        out,
        user=user,
        role=role,
        channel=channel,
        watched=app.settings.watched_channels("console"),
        threads_of=lambda name: app.thread_names("console", name),
    )
    return adapter, out


async def session(app: BotApp, lines: list[str], user: str, channel: str | None = None, role: str = "member") -> str:
    """One console session typing ``lines``; everything it printed."""
    adapter, out = console(app, user, channel, role)
    for line in lines:
        await adapter.say(line)
    return out.getvalue()


async def test_a_peers_reply_in_an_unwatched_channels_thread_counts(app: BotApp, clock: Clock) -> None:
    """Pat replies in the thread of #general the bot pointed him to: staff are not told; Ann's `solved` there
    marks it solved, offers "Save as recipe" and `kb escalations` says solved."""
    clock.now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    await session(app, ["helper on cohorts"], "pat")
    clock.now = datetime(2026, 3, 2, 10, 6, tzinfo=UTC)
    asked = await session(app, [QUESTION, "4"], "ann", "general")
    assert asked.endswith(
        "[dm to pat]\n== Can you help another member? ==\n"
        f"ann asked: {QUESTION}\nYou said you know about cohorts. If you can answer, please reply in the thread: "
        "#general, thread 1\n\n"
        "[ephemeral]\nI've asked 1 member familiar with questions like this. If nobody answers in 4 hours, "
        "I'll pass it to the team.\n\n"
    )
    clock.now = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    assert await session(app, ["thread 1", "Try a buddy system."], "pat", "general") == "[in thread 1]\n\n"
    clock.now = datetime(2026, 3, 2, 14, 10, tzinfo=UTC)
    assert await app.scheduler.tick(clock.now) == []  # pat answered: staff never hear of it
    solved = await session(app, ["thread 1", "solved"], "ann", "general")
    assert solved == (
        "[in thread 1]\n\n[thread 1]\nMarked as solved. Thanks, pat, for the answer!\n[tagged: Solved]\n\n"
    )
    (offer,) = await app.scheduler.tick(clock.now)
    assert (offer.channel, offer.title, offer.text) == (
        "help",
        "Solved by a person: save it as a recipe?",
        f"{QUESTION}\nSolved in its thread by pat: #general, thread 1\nA recipe would answer it next time. "
        "(question 1)",
    )
    listed = await session(app, ["kb escalations"], "sam", role="staff")
    assert listed == (
        f"[ephemeral]\n== Escalations (newest first) ==\nQ1 [solved] {QUESTION} (peers asked: 1; 2 March 2026)\n\n"
    )


@pytest.fixture
async def watched(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[BotApp]:
    """A bot watching the console channel #help-desk, with a recipe folder of the community's own to publish into
    and a copy of the test recipes."""
    (tmp_path / "ours").mkdir()
    shutil.copytree(RECIPES, tmp_path / "test-recipes")
    folders = [str(tmp_path / "ours"), str(tmp_path / "test-recipes")]
    settings = make_settings(
        db_target, tmp_path, help_channels={"console": ["help-desk"]}, starter_recipes=False, knowledge_dirs=folders
    )
    bot = BotApp(settings, clock=clock)
    await bot.start()
    yield bot
    await bot.close()


async def asked_three_times(app: BotApp, clock: Clock) -> None:
    """Ann asks in a new thread of #help-desk, again by mention there (then "Ask a human"), and once more by DM;
    staff mark the thread solved."""
    clock.now = datetime(2026, 3, 2, 10, 6, tzinfo=UTC)
    thread = await session(app, [QUESTION, f"@bot {QUESTION}", "4"], "ann", "help-desk")
    assert thread.endswith(
        "[posted to #help]\n== A question for a human ==\n"
        f"ann asked: {QUESTION}\nThread: #help-desk, thread 1\n"
        "(question 2; staff can teach me the answer with `kb confirm 2 RECIPE_ID`)\n\n"
        "[ephemeral]\nI've passed your question to the team; someone will answer you there.\n\n"
    )
    await session(app, [f"ask {QUESTION}"], "ann")
    clock.now = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    solved = await session(app, ["thread 1", "solved"], "sam", "help-desk", "staff")
    assert solved == "[in thread 1]\n\n[thread 1]\nMarked as solved.\n[tagged: Solved]\n\n"


async def test_publishing_dms_a_member_who_asked_three_times_once(watched: BotApp, clock: Clock) -> None:
    """Ann asked the same thing three times: `kb publish` sends her one DM, and staff read "I told 1 member"."""
    await asked_three_times(watched, clock)
    clock.now = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    draft = "cohort-keep-dwindling-after-week-three"
    staff = ["kb save 2", "Try a buddy system: pairs check on each other between meetings.", "skip"]
    saved = await session(watched, staff, "sam", role="staff")
    assert saved.endswith(
        f"Draft `{draft}` saved for review. `kb drafts` lists drafts; `kb publish {draft}` makes it live.\n\n"
    )
    published = await session(watched, [f"kb publish {draft}"], "sam", role="staff")
    assert published == (
        f"[ephemeral]\nPublished `{draft}`: {QUESTION[0].upper()}{QUESTION[1:]}. "
        "I told 1 member who asked about it.\n\n"
        f"[dm to ann]\n== {QUESTION[0].upper()}{QUESTION[1:]} ==\n"
        f"You asked “{QUESTION}” on 2 March 2026; here is the answer now.\n\n"
        "Try a buddy system: pairs check on each other between meetings.\n\n"
    )


async def test_save_as_recipe_names_the_question_staff_were_told_of(watched: BotApp, clock: Clock) -> None:
    """The escalated question was the thread's second: the help channel's post, `kb escalations` and the "Save as
    recipe" offer all say question 2, and `kb save 2` drafts from it."""
    await asked_three_times(watched, clock)  # the help channel's post said "(question 2; ... `kb confirm 2 ...`)"
    clock.now = datetime(2026, 3, 2, 11, 10, tzinfo=UTC)
    (offer,) = await watched.scheduler.tick(clock.now)
    assert (offer.title, offer.text, [(b.label, b.value) for b in offer.buttons]) == (
        "Solved by a person: save it as a recipe?",
        f"{QUESTION}\nSolved in its thread: #help-desk, thread 1\nA recipe would answer it next time. (question 2)",
        [("Save as recipe", "2")],
    )
    listed = await session(watched, ["kb escalations"], "sam", role="staff")
    assert listed == (
        f"[ephemeral]\n== Escalations (newest first) ==\nQ2 [solved] {QUESTION} (peers asked: 0; 2 March 2026)\n\n"
    )
    assert await watched.scheduler.tick(clock.now) == []  # offered once


async def test_the_staff_post_names_the_thread_in_watched_and_ordinary_channels(watched: BotApp, clock: Clock) -> None:
    """With no helper to ask, the help channel's post says "Thread:" for a question from the watched #help-desk, as
    for one from #general; a question from a DM has no thread to name."""
    clock.now = datetime(2026, 3, 2, 10, 6, tzinfo=UTC)
    desk = await session(watched, [QUESTION, f"@bot {QUESTION}", "4"], "ann", "help-desk")
    general = await session(watched, [QUESTION, "4"], "bob", "general")
    dm = await session(watched, [f"ask {QUESTION}", "4"], "cy")
    assert desk.endswith(staff_post("ann", 2, "Thread: #help-desk, thread 1\n"))
    assert general.endswith(staff_post("bob", 3, "Thread: #general, thread 1\n"))
    assert dm.endswith(staff_post("cy", 4, DM_NOTE, DM_TOLD))


DM_NOTE = "Asked in a direct message: message them, or teach me the answer and I'll send it to them.\n"
DM_TOLD = (
    "I've passed your question to the team. Someone may message you; once they teach me the answer, I'll send it to "
    "you here."
)


def staff_post(
    who: str,
    number: int,
    thread: str,
    told: str = "I've passed your question to the team; someone will answer you there.",
) -> str:
    """The help channel's post of QUESTION, and what the asker is told, as the console prints them."""
    return (
        f"[posted to #help]\n== A question for a human ==\n{who} asked: {QUESTION}\n{thread}"
        f"(question {number}; staff can teach me the answer with `kb confirm {number} RECIPE_ID`)\n\n"
        f"[ephemeral]\n{told}\n\n"
    )
