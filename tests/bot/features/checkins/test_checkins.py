"""Check-ins end to end through the dispatcher and the scheduler, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.events import Reply, Visibility
from bot.main.wiring import BotApp
from bot.when import plain
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts
from tests.fixtures import RETENTION_PAGE

FAY = {"user": "fay", "role": "facilitator", "channel": "maps"}
# Tuesday 3 March 2026, 18:00 in Berlin is 17:00 UTC.
FIRST = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


async def setup_group(chat: Chat, *extra: str) -> None:
    await chat.say("checkin create Maps Circle --tz Europe/Berlin", **FAY)
    out = texts(await chat.say("checkin schedule tue 18:00 --weeks 6 " + " ".join(extra), **FAY))
    assert "first check-in is Tue 03 Mar 2026 18:00 CET" in out, out
    for user in ("ann", "bo"):
        await chat.say("checkin join", user=user, channel="maps")


async def answer(chat: Chat, user: str, *lines: str) -> list[Reply]:
    replies = await chat.say("checkin answer", user=user, channel="maps")
    for line in lines:
        replies = await chat.say(line, user=user, channel="maps")
    return replies


def titled(replies: list[Reply], start: str) -> list[Reply]:
    return [r for r in replies if (r.title or "").startswith(start)]


async def test_a_run_is_posted_reminded_and_summarised(chat: Chat, app: BotApp, clock: Clock) -> None:
    """At 18:00 the prompt is posted; later non-responders get one DM; at close the summary goes to the channel."""
    await setup_group(chat)
    assert await app.scheduler.tick(FIRST - timedelta(minutes=1)) == []
    posted = await app.scheduler.tick(FIRST)
    prompt = titled(posted, "Check-in: Maps Circle")
    assert len(prompt) == 1 and prompt[0].channel == "maps" and prompt[0].buttons[0].label == "Answer"
    assert "late" not in prompt[0].text
    clock.now = FIRST + timedelta(minutes=30)
    saved = await answer(chat, "ann", "Read chapter 1", "Chapter 2", "stuck on projections")
    assert "saved" in saved[0].text
    reminders = await app.scheduler.tick(FIRST + timedelta(hours=4))
    assert sorted(r.user or "" for r in reminders) == ["bo", "fay"]
    assert all(r.visibility is Visibility.DM and r.channel is None for r in reminders)
    assert await app.scheduler.tick(FIRST + timedelta(hours=5)) == []  # one reminder only
    summary = await app.scheduler.tick(FIRST + timedelta(hours=24))
    assert len(summary) == 1 and summary[0].channel == "maps"
    body = summary[0].text
    assert "Answered: 1 of 3 (33%)" in body and "⚠ ann: stuck on projections" in body
    assert "Not answered this time: bo, fay" in body and "can someone help" in body
    assert await app.scheduler.tick(FIRST + timedelta(hours=25)) == []


async def test_a_half_filled_answer_shows_in_the_summary_marked_partial(chat: Chat, app: BotApp, clock: Clock) -> None:
    """What a member answered before the close but never sent is in the summary, marked partial, not "not answered"."""
    await setup_group(chat)
    await app.scheduler.tick(FIRST)
    clock.now = FIRST + timedelta(minutes=30)
    await answer(chat, "ann", "Read chapter 1", "Chapter 2", "no")
    await answer(chat, "bo", "Mapped the park", "stuck on projections")  # the third question never answered
    summary, closed = await app.scheduler.tick(FIRST + timedelta(hours=24))  # and bo told his form closed
    assert summary.text == (
        "Answered: 1 of 3 (33%), and 1 partly (begun but not sent: marked partial)\n"
        "\n"
        "*What did you work on since last time?*\n"
        "• ann: Read chapter 1\n"
        "• bo (partial): Mapped the park\n"
        "\n"
        "*What will you work on next?*\n"
        "• ann: Chapter 2\n"
        "• bo (partial): stuck on projections\n"
        "\n"
        "*Is anything blocking you, or is there anything you need from the group?*\n"
        "• ann: no\n"
        "\n"
        "Not answered this time: fay"
    )
    assert closed.user == "bo" and closed.text.endswith("What you had answered is in the summary, marked partial.")


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


async def test_restart_catches_up_late_runs_and_marks_old_ones_missed(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """After downtime: a run within its window is posted late (saying so); older ones are marked missed, not posted."""
    bot = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await bot.start()
    await setup_group(Chat(bot))
    await bot.close()

    restarted = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await restarted.start()
    # Down from before the first run until 2 hours after the second: run 1 is past its 24 h window, run 2 is not.
    now = FIRST + timedelta(days=7, hours=2)
    posted = await restarted.scheduler.tick(now)
    prompts = titled(posted, "Check-in: Maps Circle")
    assert len(prompts) == 1
    assert "this check-in is late (it was due Tue 10 Mar 2026 18:00 CET)" in plain(prompts[0].text)
    assert titled(await restarted.scheduler.tick(now), "Check-in") == []  # never twice
    clock.now = now
    stats = texts(await Chat(restarted).say("checkin stats", user="ann", channel="maps"))
    assert "Tue 10 Mar 2026 18:00 CET: 0 answered (open)" in stats and "03 Mar" not in stats
    await restarted.close()


async def test_pause_skip_and_holidays(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Pause stops runs (no backlog on resume); skip-next and a holiday date are left out."""
    await setup_group(chat)
    out = texts(await chat.say("checkin skip-next", **FAY))
    assert "No check-in on Tue 03 Mar 2026. The next is Tue 10 Mar 2026 18:00 CET" in out
    out = texts(await chat.say("checkin skip 2026-03-17", **FAY))
    assert "The next is Tue 10 Mar 2026" in out
    assert titled(await app.scheduler.tick(FIRST + timedelta(hours=1)), "Check-in") == []
    assert len(titled(await app.scheduler.tick(FIRST + timedelta(days=7)), "Check-in: ")) == 1
    clock.now = FIRST + timedelta(days=8)
    await chat.say("checkin pause", **FAY)
    assert titled(await app.scheduler.tick(FIRST + timedelta(days=21)), "Check-in: ") == []
    clock.now = FIRST + timedelta(days=22)
    out = texts(await chat.say("checkin resume", **FAY))
    assert "the next is Tue 31 Mar 2026 18:00 CEST" in out
    nxt = texts(await chat.say("checkin next --tz America/New_York", user="ann", channel="maps"))
    assert "Tue 31 Mar 2026 18:00 CEST (America/New_York: Tue 31 Mar 2026 12:00 EDT)" in nxt
    await chat.say("checkin cancel", **FAY)
    assert "No check-ins are scheduled" in texts(await chat.say("checkin next", user="ann", channel="maps"))
    assert texts(await chat.say("checkin resume", **FAY)) == (
        "\nThis group has no schedule; set one with `checkin schedule`."
    )


async def test_skipping_or_resuming_past_the_schedule_says_it_has_ended(chat: Chat, clock: Clock) -> None:
    """Skipping the last check-in, or resuming after the schedule ran out, says so and how to set a new one."""
    await chat.say("checkin create Maps Circle --tz europe/berlin", **FAY)  # any case
    await chat.say("checkin schedule tue 18:00 --count 1", **FAY)
    assert texts(await chat.say("checkin skip-next", **FAY)) == (
        "\nNo check-in on Tue 03 Mar 2026. That was the last one of the schedule; set a new one with "
        "`checkin schedule`."
    )
    await chat.say("checkin pause", **FAY)
    assert texts(await chat.say("checkin resume", **FAY)) == (
        "\nCheck-ins resumed, but the schedule has ended: set a new one with `checkin schedule`."
    )


async def test_only_facilitators_and_staff_manage_a_group(chat: Chat) -> None:
    """Members cannot schedule, add people or export; staff can; members cannot create groups."""
    await setup_group(chat)
    for command in ("checkin schedule wed 10:00", "checkin add cy", "checkin export", "checkin pause"):
        replies = await chat.say(command, user="ann", channel="maps")
        assert "only this group's facilitators (or staff)" in replies[0].text, command
    assert "is only for facilitators" in (await chat.say("checkin create X", user="ann", channel="other"))[0].text
    staff = await chat.say("checkin export", user="sam", role="staff", channel="maps")
    assert staff[0].attachment is not None
    await chat.say("checkin add cy --facilitator", **FAY)
    assert "Scheduled" in texts(await chat.say("checkin schedule wed 10:00", user="cy", channel="maps"))


async def test_adding_someone_twice_says_they_are_already_in(chat: Chat) -> None:
    """A second `checkin add` says the person is already a member (or facilitator), not that they were added."""
    await setup_group(chat)
    assert texts(await chat.say("checkin add cy", **FAY)) == "\ncy is now a member of Maps Circle."
    assert texts(await chat.say("checkin add cy", **FAY)) == "\ncy is already a member of Maps Circle."
    assert texts(await chat.say("checkin add ann", **FAY)) == "\nann is already a member of Maps Circle."
    assert texts(await chat.say("checkin add cy --facilitator", **FAY)) == "\ncy is now a facilitator of Maps Circle."
    assert texts(await chat.say("checkin add cy --facilitator", **FAY)) == (
        "\ncy is already a facilitator of Maps Circle."
    )
    assert texts(await chat.say("checkin add <@U0DEE|dee>", **FAY)) == "\nU0DEE is now a member of Maps Circle."
    assert texts(await chat.say("checkin add <!channel>", **FAY)) == (
        "\n“<\u200b!channel>” is not a member: name one as @name, a mention or their id."
    )


async def test_a_reminder_later_than_half_the_window_says_when_it_goes_out(chat: Chat) -> None:
    """`checkin window 2` with the 4-hour reminder: saved, and the reply says the reminder comes after 1 hour."""
    await setup_group(chat)
    assert texts(await chat.say("checkin window 2", **FAY)) == (
        "\nSaved: window hours = 2. With answers open 2 h, the reminder goes out halfway through, after 1 h rather "
        "than 4 h, so there is still time to answer."
    )
    assert texts(await chat.say("checkin reminder 1", **FAY)) == "\nSaved: reminder hours = 1."


async def test_bad_input_gets_specific_errors(chat: Chat) -> None:
    """Unknown zone, 25:00, empty questions, a second group in a channel and no group at all are each explained."""
    assert "unknown time zone 'Mars/Base'" in texts(await chat.say("checkin create X --tz Mars/Base", **FAY))
    assert texts(await chat.say("checkin create X --tz Europe/Berln", **FAY)) == (
        "\nunknown time zone 'Europe/Berln'; did you mean `Europe/Berlin`?"
    )
    await setup_group(chat)
    assert "'25:00' is not a time of day" in texts(await chat.say("checkin schedule tue 25:00", **FAY))
    assert "at least one question" in texts(await chat.say("checkin questions set  |  ", **FAY))
    assert "already has a study group" in texts(await chat.say("checkin create Again", **FAY))
    assert "only one of --weeks" in texts(await chat.say("checkin schedule tue 18:00 --weeks 2 --count 3", **FAY))
    assert "no study group in this channel" in texts(await chat.say("checkin join", user="ann", channel="void"))
    for command in ("checkin join", "checkin next", "meetings list"):  # in a DM there is no channel to look in
        assert texts(await chat.say(command, user="ann")) == (
            "\nThat works in your study group's channel, not in a direct message: type it there. "
            "`checkin mine` lists your groups."
        )
    assert "not in a direct message" in texts(await chat.say("checkin create Solo", user="fay", role="facilitator"))


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


async def test_two_schedulers_post_each_run_once(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """Two bot processes ticking together on one database post each run, reminder and summary exactly once."""
    bots = [BotApp(make_settings(db_target, tmp_path), clock=clock) for _ in range(2)]
    for bot in bots:
        await bot.start()
    try:
        chat = Chat(bots[0])
        for n in range(20):
            await chat.say(
                f"checkin create Group {n} --tz Europe/Berlin", user="fay", role="facilitator", channel=f"g{n}"
            )
            await chat.say("checkin schedule tue 18:00 --weeks 2", user="fay", role="facilitator", channel=f"g{n}")
        for moment in (FIRST, FIRST + timedelta(hours=4), FIRST + timedelta(days=1)):
            results = await asyncio.gather(*(bot.scheduler.tick(moment) for bot in bots))
            replies = [r for batch in results for r in batch]
            assert sorted(r.channel or r.user or "" for r in replies) == sorted(
                (f"g{n}" if moment != FIRST + timedelta(hours=4) else "fay") for n in range(20)
            ), moment
    finally:
        for bot in bots:
            await bot.close()


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


async def test_weeks_and_count_out_of_range_are_refused_and_nothing_changes(chat: Chat) -> None:
    """``--weeks`` takes 1 to 52 and ``--count`` 1 to 364: outside that the reply names the option and its range,
    and the schedule already set stays as it was."""
    await setup_group(chat)
    refusals = {
        "--weeks 0": "--weeks wants a whole number from 1 to 52, not '0'; nothing was changed.",
        "--weeks 53": "--weeks wants a whole number from 1 to 52, not '53'; nothing was changed.",
        "--count 365": "--count wants a whole number from 1 to 364, not '365'; nothing was changed.",
        "--count -1": "--count wants a whole number from 1 to 364, not '-1'; nothing was changed.",
    }
    for option, said in refusals.items():
        replies = await chat.say(f"checkin schedule fri 09:00 {option}", **FAY)
        assert [(r.text, r.visibility) for r in replies] == [(said, Visibility.EPHEMERAL)]
    upcoming = texts(await chat.say("checkin next", user="ann", channel="maps"))
    assert upcoming.startswith("Next check-ins of Maps Circle\n• Tue 03 Mar 2026 18:00 CET\n")
    assert upcoming.endswith("\n6 check-ins left, counting the next one.")
    replies = await chat.say("checkin schedule fri 09:00 --count 364", **FAY)
    assert [plain(r.text) for r in replies] == ["Scheduled. The first check-in is Fri 06 Mar 2026 09:00 CET."]
    replies = await chat.say("checkin schedule mon,tue,wed,thu,fri,sat,sun 09:00 --weeks 52", **FAY)
    assert [plain(r.text) for r in replies] == ["Scheduled. The first check-in is Tue 03 Mar 2026 09:00 CET."]


async def test_the_last_facilitator_cannot_leave_or_be_removed(chat: Chat) -> None:
    """The group's one facilitator cannot leave nor be removed (by themselves or staff) until another is added;
    then they can, and the new one is in the same place."""
    await setup_group(chat)

    async def said(line: str, **who: object) -> list[tuple[str, Visibility]]:
        return [(plain(r.text), r.visibility) for r in await chat.say(line, **who)]

    leaving = (
        "You are the only facilitator of Maps Circle, so it would be left with nobody to run it. "
        "Add another facilitator first with `checkin add USER --facilitator`, then leave."
    )
    removing = (
        "fay is the only facilitator of Maps Circle, so it would be left with nobody to run it. "
        "Add another facilitator first with `checkin add USER --facilitator`."
    )
    assert await said("checkin leave", **FAY) == [(leaving, Visibility.EPHEMERAL)]
    assert await said("checkin remove fay", **FAY) == [(removing, Visibility.EPHEMERAL)]
    assert await said("checkin remove @fay", user="sam", role="staff", channel="maps") == [
        (removing, Visibility.EPHEMERAL)
    ]
    assert await said("checkin add bo --facilitator", **FAY) == [
        ("bo is now a facilitator of Maps Circle.", Visibility.EPHEMERAL)
    ]
    assert await said("checkin leave", **FAY) == [("You have left Maps Circle.", Visibility.EPHEMERAL)]
    assert await said("checkin remove bo", user="bo", channel="maps") == [
        (removing.replace("fay", "bo", 1), Visibility.EPHEMERAL)
    ]
    assert await said("checkin remove ann", user="bo", channel="maps") == [
        ("ann removed from Maps Circle.", Visibility.EPHEMERAL)
    ]


async def test_a_new_zone_is_said_with_the_one_before(chat: Chat) -> None:
    """``checkin schedule ... --tz`` with another zone says what the zone was and what it is now; the same zone
    again says nothing about it."""
    await setup_group(chat)
    replies = await chat.say("checkin schedule tue 18:00 --weeks 6 --tz america/new_york", **FAY)
    assert [plain(r.text) for r in replies] == [
        "Scheduled. The first check-in is Tue 03 Mar 2026 18:00 EST. "
        "The group's time zone changed from Europe/Berlin to America/New_York."
    ]
    replies = await chat.say("checkin schedule tue 18:00 --weeks 6 --tz America/New_York", **FAY)
    assert [plain(r.text) for r in replies] == ["Scheduled. The first check-in is Tue 03 Mar 2026 18:00 EST."]


async def test_counts_of_one_read_in_the_singular(chat: Chat, app: BotApp) -> None:
    """One question saved, one check-in left and one check-in exported are said as such, not "1 questions"."""
    await chat.say("checkin create Maps Circle --tz Europe/Berlin", **FAY)
    await chat.say("checkin schedule tue 18:00 --count 1", **FAY)
    said = [(plain(r.text), r.visibility) for r in await chat.say("checkin questions set Done?", **FAY)]
    assert said == [("1 question saved; they apply from the next check-in.", Visibility.EPHEMERAL)]
    said = [(plain(r.text), r.visibility) for r in await chat.say("checkin questions set Done? | Next?", **FAY)]
    assert said == [("2 questions saved; they apply from the next check-in.", Visibility.EPHEMERAL)]
    upcoming = texts(await chat.say("checkin next", **FAY))
    assert (
        upcoming
        == "Next check-ins of Maps Circle\n• Tue 03 Mar 2026 18:00 CET\n\n1 check-in left, counting the next one."
    )
    await app.scheduler.tick(FIRST)
    exported = await chat.say("checkin export", **FAY)
    assert [(r.text, r.attachment is not None) for r in exported] == [("1 check-in exported.", True)]


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
