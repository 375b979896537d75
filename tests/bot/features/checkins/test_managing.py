"""Setting up and running a check-in group: who may manage it, members and facilitators, schedules, zones and the
errors bad input gets, through the dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.events import Visibility
from bot.main.wiring import BotApp
from bot.when import plain
from tests.bot.features.checkins.conftest import FAY, FIRST, setup_group
from tests.conftest import Chat, texts


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


async def test_a_group_created_without_a_zone_says_it_is_on_utc_and_how_to_give_one(chat: Chat) -> None:
    """`checkin create Bio Group` quietly made a UTC group; now the reply says so and shows `--tz` in its next step,
    and one created with a zone is confirmed as before."""
    assert texts(await chat.say("checkin create Bio Group", **FAY)) == (
        "\nStudy group **Bio Group** created here (time zone UTC, since none was given); you are its facilitator. "
        "Next: `checkin schedule tue 18:00 --weeks 6 --tz Europe/Berlin`, with your group's own zone."
    )
    assert texts(
        await chat.say("checkin create Maps --tz europe/berlin", user="fay", role="facilitator", channel="m")
    ) == (
        "\nStudy group **Maps** created here (time zone Europe/Berlin); you are its facilitator. "
        "Next: `checkin schedule tue 18:00 --weeks 6`."
    )


async def test_bad_input_gets_specific_errors(chat: Chat) -> None:
    """Unknown zone, 25:00, empty questions, a second group in a channel and no group at all are each explained."""
    assert "Unknown time zone 'Mars/Base'" in texts(await chat.say("checkin create X --tz Mars/Base", **FAY))
    assert texts(await chat.say("checkin create X --tz Europe/Berln", **FAY)) == (
        "\nUnknown time zone 'Europe/Berln'; did you mean `Europe/Berlin`?"
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


async def test_a_facilitators_question_that_starts_with_a_command_does_not_run_it(chat: Chat) -> None:
    """ "checkin cancel when nobody answers?" is answered as `ask` would answer it and cancels nothing; so are
    questions after `meetings cancel` (which needs a date) and `link`; `checkin cancel` itself still cancels."""
    await setup_group(chat)
    before = texts(await chat.say("checkin next", **FAY))
    for question in (
        "checkin cancel when nobody answers?",
        "checkin pause for the holidays?",
        "meetings cancel when nobody comes?",
        "link to the course library?",
    ):
        asked = texts(await chat.say(question, mention=True, **FAY))  # to the bot, in the group's channel
        assert asked == texts(await chat.say(f"ask {question}", **FAY)), question
    assert texts(await chat.say("checkin next", **FAY)) == before
    assert texts(await chat.say("checkin cancel", **FAY)) == (
        "\nThe check-in schedule of Maps Circle is cancelled. Past answers are kept."
    )


async def test_abbreviated_and_spaced_zones_get_the_region_name(chat: Chat) -> None:
    """EST, PST, CET and a fixed offset are refused with the region meant; a zone typed with a space, or a city,
    gets the zone's name as a suggestion; no group is created by any of them."""
    fixed = "is an abbreviation or a fixed offset, not a place: "
    fixed += "it may not follow the daylight-saving changes where you meet"
    for given, meant in (("EST", "America/New_York"), ("PST", "America/Los_Angeles"), ("cet", "Europe/Berlin")):
        said = texts(await chat.say(f"checkin create T --tz {given}", **FAY))
        assert said == f"\n'{given}' {fixed}; use a region name such as `{meant}`"
    assert texts(await chat.say("checkin create T --tz Etc/GMT+5", **FAY)) == (
        f"\n'Etc/GMT+5' {fixed}; use a region name like Europe/Berlin or America/New_York"
    )
    assert texts(await chat.say("checkin create T --tz America/New York", **FAY)) == (
        "\nUnknown time zone 'America/New York'; did you mean `America/New_York`?"
    )
    assert texts(await chat.say("checkin create T --tz new york", **FAY)) == (
        "\nUnknown time zone 'new york'; did you mean `America/New_York`?"
    )
    await setup_group(chat)
    assert texts(await chat.say("checkin schedule tue 18:00 --tz EST --weeks 2", **FAY)) == (
        f"\n'EST' {fixed}; use a region name such as `America/New_York`"
    )
    assert texts(await chat.say("checkin next --tz Berlin", user="ann", channel="maps")) == (
        "\nUnknown time zone 'Berlin'; did you mean `Europe/Berlin`?"
    )
    assert (
        texts(await chat.say("me tz PST", user="ann"))
        == f"\n'PST' {fixed}; use a region name such as `America/Los_Angeles`"
    )


async def test_next_checks_the_zone_before_saying_nothing_is_scheduled(chat: Chat) -> None:
    """`checkin next --tz Bogus` with no schedule names the wrong zone (it used to say nothing is scheduled)."""
    await chat.say("checkin create Maps Circle --tz Europe/Berlin", **FAY)
    assert texts(await chat.say("checkin next --tz Bogus", user="fay", channel="maps")) == (
        "\nUnknown time zone 'Bogus'; use an IANA name like Europe/Berlin or America/New_York"
    )
    assert texts(await chat.say("checkin next", user="fay", channel="maps")) == "\nNo check-ins are scheduled."
