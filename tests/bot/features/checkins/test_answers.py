"""Answering a check-in: the form and its edits, answers in a DM, blockers that get a recipe, then stats and the
export, through the dispatcher and the scheduler, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from bot.events import Visibility
from bot.main.wiring import BotApp
from bot.when import plain
from tests.bot.features.checkins.conftest import FAY, FIRST, answer, setup_group, titled
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts
from tests.fixtures import RETENTION_PAGE


async def test_answers_can_be_edited_until_close_and_not_after(chat: Chat, app: BotApp, clock: Clock) -> None:
    """A member can change an answer while open (the summary shows the last); after close it is refused."""
    await setup_group(chat)
    posted = await app.scheduler.tick(FIRST)
    run_id = posted[0].buttons[0].value
    clock.now = FIRST + timedelta(hours=1)
    await answer(chat, "ann", "first try", "skip", "no")
    edited = await chat.submit(f"checkin:answer:{run_id}", {"q0": "second try", "q1": "", "q2": "none"}, user="ann")
    assert "updated" in edited[0].text
    summary = await app.scheduler.tick(FIRST + timedelta(hours=24))
    assert "ann: second try" in summary[0].text and "first try" not in summary[0].text
    assert "⚠" not in summary[0].text  # "none" is not a blocker
    clock.now = FIRST + timedelta(hours=25)
    late = await chat.submit(f"checkin:answer:{run_id}", {"q0": "too late"}, user="bo")
    assert "closed Wed 04 Mar 2026 18:00 CET" in plain(late[0].text)
    assert "There is no check-in open" in (await chat.say("checkin answer", user="bo", channel="maps"))[0].text


async def test_empty_answer_is_refused_on_the_field(chat: Chat, app: BotApp) -> None:
    """Submitting nothing gets a field error instead of an empty answer."""
    await setup_group(chat)
    run_id = (await app.scheduler.tick(FIRST))[0].buttons[0].value
    replies = await chat.submit(f"checkin:answer:{run_id}", {"q0": "", "q1": "", "q2": ""}, user="ann")
    assert dict(replies[0].form_errors) == {"q0": "Please answer at least one question."}


async def test_members_can_answer_in_a_direct_message(chat: Chat, app: BotApp, clock: Clock) -> None:
    """`checkin answer` in a DM finds the user's open check-in; with two open it asks which."""
    await setup_group(chat)
    await chat.say("checkin create Stats Circle --tz UTC", user="fay", role="facilitator", channel="stats")
    await chat.say("checkin schedule tue 17:00 --weeks 2", user="fay", role="facilitator", channel="stats")
    await chat.say("checkin join", user="ann", channel="stats")
    assert "no check-in open" in texts(await chat.say("checkin answer", user="ann"))
    await app.scheduler.tick(FIRST)
    clock.now = FIRST + timedelta(minutes=5)
    both = texts(await chat.say("checkin answer", user="ann"))
    assert "`checkin answer Maps Circle`, `checkin answer Stats Circle`" in both
    await chat.say("checkin answer maps circle", user="ann")
    saved = await chat.say("Read a map", user="ann")
    saved = await chat.say("skip", user="ann")
    saved = await chat.say("no", user="ann")
    assert "saved" in saved[0].text
    summary = titled(await app.scheduler.tick(FIRST + timedelta(days=1)), "Check-in summary: Maps")
    assert "ann: Read a map" in summary[0].text


async def test_a_blocker_gets_the_recipe_that_answers_it_privately(chat: Chat, app: BotApp, clock: Clock) -> None:
    """A blocker the recipes answer confidently gets that recipe, privately; one they do not is left to the
    facilitator, and an answer that is no blocker gets neither."""
    await setup_group(chat)
    await app.scheduler.tick(FIRST)
    clock.now = FIRST + timedelta(minutes=10)
    replies = await answer(chat, "ann", "Read chapter 1", "Chapter 2", "we can't find a venue for our meetings")
    saved, helped = replies
    assert "saved" in saved.text
    assert helped.visibility is Visibility.EPHEMERAL
    (venue,) = [r for r in app.kb.recipes if r.title == "How do I choose a venue for an in-person learning circle?"]
    assert helped.title == venue.title and helped.link == venue.link
    blocker = "we can't find a venue for our meetings"
    assert helped.text == f"About what is blocking you (“{blocker}”): this may help.\n\n{venue.body}"
    replies = await answer(chat, "bo", "Read chapter 1", "Chapter 2", "stuck on projections")
    assert [r.text for r in replies[1:]] == [
        "I found nothing that answers what is blocking you (“stuck on projections”); your facilitator will see it "
        "in the summary. You can also `ask` me in other words."
    ]
    assert all(r.visibility is Visibility.EPHEMERAL for r in replies)
    assert len(await answer(chat, "fay", "Read chapter 1", "Chapter 2", "none")) == 1


async def test_a_blocker_answered_by_part_of_a_docs_section_says_read_more_once(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """A blocker a docs section answers gets its passage and a "Read more" button, not also a "Read more" link."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "retention.md").write_text(RETENTION_PAGE)
    source = {"path": str(docs), "base_url": "https://docs.example.org/"}
    app = BotApp(make_settings(db_target, tmp_path, starter_recipes=False, knowledge_dirs=[source]), clock=clock)
    await app.start()
    try:
        chat = Chat(app)
        await setup_group(chat)
        await app.scheduler.tick(FIRST)
        clock.now = FIRST + timedelta(minutes=10)
        blocker = "someone missed a session, should I send them a note?"
        _, helped = await answer(chat, "ann", "Read chapter 1", "Chapter 2", blocker)
        assert (helped.title, helped.link, [b.label for b in helped.buttons]) == (
            "Retention › Follow up after a missed meeting",
            None,
            ["Read more"],
        )
        assert helped.text == (
            f"About what is blocking you (“{blocker}”): this may help.\n\n"
            "Send a short, friendly note to anyone who missed a session. Ask how they are doing, not why they were "
            "absent. Share what the group covered so catching up feels possible. Invite them to the next meeting by "
            "name."
        )
    finally:
        await app.close()


async def test_questions_mood_stats_and_export(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Custom questions and a mood rating flow into answers, stats, the summary and the CSV export."""
    await setup_group(chat)
    await chat.say("checkin questions set Done? | Next? | Blocked by anything?", **FAY)
    await chat.say("checkin mood on", **FAY)
    run_id = (await app.scheduler.tick(FIRST))[0].buttons[0].value
    clock.now = FIRST + timedelta(hours=1)
    await chat.submit(f"checkin:answer:{run_id}", {"q0": "Maps", "q1": "Grids", "q2": "no", "mood": "4"}, user="ann")
    bad = await chat.submit(f"checkin:answer:{run_id}", {"q0": "x", "mood": "9"}, user="bo")
    assert "mood" in dict(bad[0].form_errors)
    summary = (await app.scheduler.tick(FIRST + timedelta(days=1)))[0].text
    assert "*Done?*" in summary and "Confidence: average 4.0 of 5 (1 answer)" in summary
    await chat.say("checkin join", user="cy", channel="maps")  # after the run: it is not cy's to have missed
    stats = texts(await chat.say("checkin stats", user="ann", channel="maps"))
    assert "ann: 1/1, streak 1" in stats and "bo: 0/1, streak 0" in stats and "cy: 0/0, streak 0" in stats
    export = (await chat.say("checkin export", **FAY))[0].attachment
    assert export is not None
    rows = list(csv.DictReader(io.StringIO(export.content)))
    assert {(r["user"], r["question"], r["answer"], r["mood"]) for r in rows} >= {("ann", "Done?", "Maps", "4")}


async def test_stats_count_members_away_apart(chat: Chat, app: BotApp, clock: Clock) -> None:
    """A member away (``me away``) on a check-in's day who did not answer is not counted as missing it: their
    total leaves it out, the line says so, and the check-in's line counts them as away."""
    await setup_group(chat)
    await chat.say("me away 2026-03-02 2026-03-05", user="bo")
    await app.scheduler.tick(FIRST)
    clock.now = FIRST + timedelta(minutes=10)
    await answer(chat, "ann", "Read chapter 1", "Chapter 2", "no")
    await app.scheduler.tick(FIRST + timedelta(hours=24))
    clock.now = FIRST + timedelta(days=2)
    replies = await chat.say("checkin stats", user="ann", channel="maps")
    assert [(plain(r.title or ""), plain(r.text), r.visibility) for r in replies] == [
        (
            "Maps Circle: participation",
            "Per member (answered / check-ins, current streak):\n"
            "• ann: 1/1, streak 1\n"
            "• bo: 0/0, streak 0, away for 1 check-in (not counted)\n"
            "• fay: 0/1, streak 0\n"
            "\n"
            "Per check-in:\n"
            "• Tue 03 Mar 2026 18:00 CET: 1 answered, 1 away (closed)",
            Visibility.EPHEMERAL,
        )
    ]
