"""An export holds the requester's own data: a row that only names them (a thread they solved for someone else) comes
with their part of it, never the other person's id or words."""

from __future__ import annotations

from bot.main.wiring import BotApp
from tests.bot.features.escalations.seed import answer_and_solve, solved_thread, thread_for
from tests.bot.features.people.test_mydata import exported
from tests.conftest import Chat, Clock, texts

ASKED = "my cohort is dwindling, what do I do"


async def test_a_helper_exports_that_he_solved_a_thread_not_who_asked_or_what(
    chat: Chat, app: BotApp, clock: Clock
) -> None:
    """Ann asks in a thread, Pat answers and she marks it solved: Pat's `mydata` shows the thread with him as its
    first replier and solver, without Ann's id, her question or her having marked it; Ann's own export has it all."""
    await chat.say(f"ask {ASKED}", user="ann", channel="general")
    await thread_for(app.db, "console", "general", "t1", "ann", ASKED, 1, clock.now)
    await answer_and_solve(app.db, "console", "general", "t1", "pat", clock.now)
    (row,) = exported(await chat.say("mydata", user="pat"))["tables"]["help_threads"]
    assert row == {
        "id": 1,
        "platform": "console",
        "channel": "general",
        "thread": "t1",
        "question_id": 1,
        "recipe_id": None,
        "bot_answered": False,
        "first_human_reply_at": "2026-03-02T09:00:00+00:00",
        "first_human_replier": "pat",
        "last_human_reply_at": "2026-03-02T09:00:00+00:00",
        "solved_at": "2026-03-02T09:00:00+00:00",
        "solver": "pat",
        "created_at": "2026-03-02T09:00:00+00:00",
    }
    tables = exported(await chat.say("mydata", user="pat"))["tables"]
    assert "'ann'" not in str(tables) and "cohort" not in str(tables)
    (hers,) = exported(await chat.say("mydata", user="ann"))["tables"]["help_threads"]
    assert (hers["asker"], hers["question"], hers["solver"]) == ("ann", ASKED, "pat")


async def test_staff_export_of_someone_unknown_says_so_and_saves_no_file(chat: Chat, app: BotApp) -> None:
    """`privacy export ghost` (never seen) says "I do not know" as `people show` does, with no file; the forget after
    it finds nothing, in the database or in the export folder."""
    staff = {"user": "sam", "role": "staff"}
    for who in ("ghost", "ghost@example.org"):
        replies = await chat.say(f"privacy export {who}", **staff)
        shown = "console:ghost" if who == "ghost" else who
        assert [(r.text, r.attachment) for r in replies] == [
            (f"I do not know {shown}: nothing I hold names them, so there is nothing to export.", None)
        ]
    assert [r.text for r in await chat.say("privacy forget ghost", **staff)] == [
        "I held nothing about that person; nothing to erase."
    ]


async def test_kb_helpers_names_no_one_who_erased_their_data(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Pat and Quinn solved threads, then both erased their data: `kb helpers` names Bo, and counts theirs on one
    unnamed line without a platform, never "(forgotten) (console)"."""
    for n, solver in enumerate(("pat", "quinn", "bo", "bo"), start=1):
        await solved_thread(app.db, "console", "general", f"t{n}", f"question {n}", solver, clock.now)
    for solver in ("pat", "quinn"):
        (confirm, _) = (await chat.say("mydata delete", user=solver))[0].buttons
        await chat.press(confirm.action_id, confirm.value, user=solver)
    report = texts(await chat.say("kb helpers", user="sam", role="staff")).splitlines()
    assert report[1:] == [
        "  2 solved  bo (console)",
        "  2 solved  by members who have since erased their data (not named)",
    ]
