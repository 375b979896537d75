"""``me``, ``me tz`` and ``me away``: a person's own settings, and days away that stop check-in DMs everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.events import Message, Origin, Visibility
from bot.main.wiring import BotApp
from bot.when import at, plain
from storage.people import link
from storage.records import Identity
from tests.conftest import Chat, Clock, texts

FAY = {"user": "fay", "role": "facilitator", "channel": "maps"}
# Tuesday 3 March 2026, 18:00 in Berlin is 17:00 UTC.
FIRST = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


async def test_me_tz_sets_a_zone_and_me_shows_it(chat: Chat, clock: Clock) -> None:
    """A zone in any case is saved under its IANA name; `me` shows it with the time there; a typo gets a suggestion."""
    assert texts(await chat.say("me")) == (
        "Your settings\nChange them with `me tz ZONE`, `me away START END` or `me away off`.\n"
        "Time zone: not set: times show in each group's zone (Slack and Discord show them in your device's zone)\n"
        "Away: no days away planned"
    )
    said = await chat.say("me tz asia/tokyo")
    assert said[0].visibility is Visibility.EPHEMERAL
    assert texts(said) == (
        "\nYour time zone is now Asia/Tokyo; it is Mon 02 Mar 2026 18:00 JST there. "
        "Times on the console show in it too."
    )
    assert "Time zone: Asia/Tokyo (it is now Mon 02 Mar 2026 18:00 JST)" in texts(await chat.say("me"))
    wrong = texts(await chat.say("me tz Europe/Berln"))
    assert wrong == "\nUnknown time zone 'Europe/Berln'; did you mean `Europe/Berlin`?"
    for city, meant in (
        ("tokyo", "Asia/Tokyo"),
        ("new york", "America/New_York"),
        ("America/New York", "America/New_York"),
    ):
        assert texts(await chat.say(f"me tz {city}")) == f"\nUnknown time zone {city!r}; did you mean `{meant}`?"
    assert "abbreviation" in texts(await chat.say("me tz EST"))
    nonsense = texts(await chat.say("me tz Nowhere"))
    assert "use an IANA name like Europe/Berlin" in nonsense
    assert "Usage: `me`" in texts(await chat.say("me tz"))


async def test_me_tz_off_unsets_the_zone(chat: Chat) -> None:
    """There was no way back to "not set" (`me tz off` was an unknown zone 'off'); now it unsets it, and says when
    none was set."""
    await chat.say("me tz Asia/Tokyo")
    assert texts(await chat.say("me tz off")) == "\nYour time zone is unset: times show in each group's zone again."
    assert "Time zone: not set" in texts(await chat.say("me"))
    assert texts(await chat.say("me tz OFF")) == "\nYou have no time zone set: times show in each group's zone."


async def test_me_shows_the_zone_in_its_own_time_and_linked_accounts(chat: Chat, app: BotApp, clock: Clock) -> None:
    """`me` after `me tz` and a link: the zone with the time there, and the accounts that share the settings."""
    async with app.db.session() as session:
        await link(session, Identity("console", "ann"), Identity("slack", "U0ANN"), clock.now)
    await chat.say("me tz Asia/Tokyo")
    shown = await chat.say("me")
    assert dict(shown[0].fields)["Time zone"] == f"Asia/Tokyo (it is now {at(clock.now, 'Asia/Tokyo')})"
    assert plain(dict(shown[0].fields)["Time zone"]) == "Asia/Tokyo (it is now Mon 02 Mar 2026 18:00 JST)"
    assert dict(shown[0].fields)["Accounts"] == "console:ann, slack:U0ANN"


async def test_me_away_is_listed_checked_and_cancelled(chat: Chat, clock: Clock) -> None:
    """Days away are listed by `me`; backwards, past or malformed dates are refused; `me away off` ends them."""
    said = texts(await chat.say("me away 2026-12-20 2027-01-04"))
    assert said == (
        "\nAway from Sun 20 Dec 2026 to Mon 04 Jan 2027. On those days you get no reminders or check-in messages, "
        "in any of your groups, and summaries show you as away. `me away off` cancels it."
    )
    assert "Away: Sun 20 Dec 2026 to Mon 04 Jan 2027" in texts(await chat.say("me"))
    assert texts(await chat.say("me away 2027-01-04 2026-12-20")).endswith("must not be before the first.")
    assert texts(await chat.say("me away 2026-01-01 2026-01-02")).endswith("Those days are already over.")
    assert texts(await chat.say("me away soon later")).endswith("soon is not a date; write dates like 2026-12-20.")
    assert texts(await chat.say("me away off")).startswith("\nWelcome back")
    assert "Away: no days away planned" in texts(await chat.say("me"))
    assert texts(await chat.say("me away off")) == "\nYou had no days away planned."


async def _berlin_group(chat: Chat) -> None:
    await chat.say("checkin create Maps Circle --tz Europe/Berlin", **FAY)
    await chat.say("checkin schedule tue 18:00 --weeks 2", **FAY)
    await chat.say("checkin dm on", **FAY)
    for user in ("ann", "bo"):
        await chat.say("checkin join", user=user, channel="maps")


async def test_an_away_member_gets_no_check_in_dm_and_shows_as_away(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Away on the day (set from a linked Slack account): no prompt DM, no reminder, "Away" in the summary; the week
    after she is back, she gets both again."""
    await _berlin_group(chat)
    async with app.db.session() as session:
        await link(session, Identity("console", "ann"), Identity("slack", "U0ANN"), clock.now)
    on_slack = Origin(platform="slack", channel="D0ANN", user="U0ANN", is_dm=True)
    await chat.send(Message(on_slack, "me away 2026-03-03 2026-03-04"))
    posted = await app.scheduler.tick(FIRST)
    assert sorted(r.user or "" for r in posted if r.visibility is Visibility.DM) == ["bo", "fay"]
    reminders = await app.scheduler.tick(FIRST + timedelta(hours=4))
    assert sorted(r.user or "" for r in reminders) == ["bo", "fay"]
    clock.now = FIRST + timedelta(hours=5)
    await chat.say("checkin answer", user="bo", channel="maps")
    for line in ("read chapter 2", "chapter 3", "no"):
        await chat.say(line, user="bo", channel="maps")
    (summary,) = await app.scheduler.tick(FIRST + timedelta(hours=24))
    body = plain(summary.text)
    assert "Answered: 1 of 2 (50%)" in body
    assert "Not answered this time: fay" in body and "Away: ann" in body
    next_week = FIRST + timedelta(days=7)
    posted = await app.scheduler.tick(next_week)
    assert sorted(r.user or "" for r in posted if r.visibility is Visibility.DM) == ["ann", "bo", "fay"]


async def test_an_away_member_gets_no_meeting_reminder_dm(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Meeting reminders go to the channel as ever, and by DM to every member but the one away that day."""
    clock.now = datetime(2026, 10, 21, 12, 0, tzinfo=UTC)
    await chat.say("checkin create Maps Circle --tz America/New_York", **FAY)
    await chat.say("checkin dm on", **FAY)
    for user in ("ann", "bo"):
        await chat.say("checkin join", user=user, channel="maps")
    await chat.say('meetings schedule tue 18:00 --weeks 2 --place "Room 2"', **FAY)
    await chat.say("me away 2026-10-26 2026-10-27", user="ann")
    day_before = await app.scheduler.tick(datetime(2026, 10, 26, 22, 0, tzinfo=UTC))  # 24 h before 18:00 EDT
    assert [r.channel for r in day_before if r.channel] == ["maps"]
    assert sorted(r.user or "" for r in day_before if r.visibility is Visibility.DM) == ["bo", "fay"]
    week_after = await app.scheduler.tick(datetime(2026, 11, 2, 23, 0, tzinfo=UTC))  # back: 24 h before 18:00 EST
    assert sorted(r.user or "" for r in week_after if r.visibility is Visibility.DM) == ["ann", "bo", "fay"]
