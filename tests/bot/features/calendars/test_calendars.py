"""Calendars: the .ics of `meetings calendar` and the feed, parsed back with icalendar (DST, SEQUENCE, CANCELLED)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from icalendar import Calendar

from adapters.health import HealthServer
from bot.events import Reply
from bot.main.wiring import BotApp
from tests.conftest import ROOT, Chat, Clock, DbTarget, make_settings

FAY = {"user": "fay", "role": "facilitator", "channel": "maps"}
START = datetime(2026, 10, 21, 12, 0, tzinfo=UTC)  # a Wednesday; New York leaves summer time on 1 November


@pytest.fixture
async def app(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[BotApp]:
    """A started bot whose public address is https://bot.example.org/."""
    bot = BotApp(make_settings(db_target, tmp_path, public_url="https://bot.example.org/"), clock=clock)
    await bot.start()
    yield bot
    await bot.close()


async def _plan(chat: Chat, clock: Clock) -> None:
    clock.now = START
    await chat.say("checkin create Maps Circle --tz America/New_York", **FAY)
    await chat.say('meetings schedule tue 18:00 --weeks 3 --place "Room 2"', **FAY)


def _parsed(replies: list[Reply]) -> Calendar:
    (reply,) = replies
    assert reply.attachment is not None and reply.attachment.filename == "maps-circle.ics"
    assert reply.attachment.content_type == "text/calendar; charset=utf-8"
    return Calendar.from_ical(reply.attachment.payload)


def _events(calendar: Calendar) -> list[tuple[str, str, str, int, str]]:
    """(UID, TZID, wall-clock start, SEQUENCE, STATUS) of each event, in order."""
    return [
        (
            str(e["uid"]),
            str(e["dtstart"].params["TZID"]),
            e.decoded("dtstart").strftime("%Y-%m-%d %H:%M %Z"),
            int(e["sequence"]),
            str(e["status"]),
        )
        for e in calendar.walk("VEVENT")
    ]


async def test_the_ics_keeps_18_00_in_new_york_across_the_november_change(chat: Chat, clock: Clock) -> None:
    """Three Tuesdays at 18:00, EDT then EST, each with TZID and the zone's VTIMEZONE, a stable UID, SEQUENCE 0."""
    await _plan(chat, clock)
    replies = await chat.say("meetings calendar", user="ann", channel="maps")
    assert replies[0].text.startswith("The meetings of Maps Circle as a calendar file (3 meetings)")
    calendar = _parsed(replies)
    assert calendar.decoded("refresh-interval") == timedelta(hours=1)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "America/New_York"
    assert {str(s["tzname"]) for s in zone.walk("STANDARD")} | {str(d["tzname"]) for d in zone.walk("DAYLIGHT")} == {
        "EST",
        "EDT",
    }
    events = _events(calendar)
    assert [(tz, start, seq, status) for _, tz, start, seq, status in events] == [
        ("America/New_York", "2026-10-27 18:00 EDT", 0, "CONFIRMED"),
        ("America/New_York", "2026-11-03 18:00 EST", 0, "CONFIRMED"),
        ("America/New_York", "2026-11-10 18:00 EST", 0, "CONFIRMED"),
    ]
    assert [str(e["location"]) for e in calendar.walk("VEVENT")] == ["Room 2"] * 3
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == ["Maps Circle: meeting"] * 3
    uids = [uid for uid, *_ in events]
    assert len(set(uids)) == 3 and all(uid.endswith("@communitybot") for uid in uids)
    assert all(uid.count("@") == 1 for uid in uids), uids  # not ...@communitybot@communitybot
    again = _events(_parsed(await chat.say("meetings calendar", user="bo", channel="maps")))
    assert [uid for uid, *_ in again] == uids  # the same meeting, the same UID


async def test_move_raises_sequence_and_cancel_marks_cancelled(chat: Chat, clock: Clock) -> None:
    """After a move and a cancel: the moved event keeps its UID with SEQUENCE 1; the cancelled one stays, CANCELLED."""
    await _plan(chat, clock)
    before = _events(_parsed(await chat.say("meetings calendar", **FAY)))
    await chat.say("meetings move 2026-11-03 2026-11-04 18:30", **FAY)
    await chat.say("meetings cancel 2026-11-10", **FAY)
    after = _events(_parsed(await chat.say("meetings calendar", **FAY)))
    assert sorted(after) == sorted(
        [
            before[0],
            (before[1][0], "America/New_York", "2026-11-04 18:30 EST", 1, "CONFIRMED"),
            (before[2][0], "America/New_York", "2026-11-10 18:00 EST", 1, "CANCELLED"),
        ]
    )


async def test_the_calendar_name_is_escaped_as_text(chat: Chat, clock: Clock) -> None:
    """X-WR-CALNAME was written raw while SUMMARY was escaped: an X- property's value is TEXT unless said otherwise
    (RFC 5545 3.8.8.2), so `;` and `,` in it are escaped like SUMMARY's."""
    clock.now = START
    await chat.say("checkin create Maps; Co, Ltd --tz America/New_York", **FAY)
    await chat.say("meetings add 2026-11-03 18:00", **FAY)
    (reply,) = await chat.say("meetings calendar", **FAY)
    assert reply.attachment is not None
    raw = reply.attachment.payload.decode()
    assert "X-WR-CALNAME:Maps\\; Co\\, Ltd meetings\r\n" in raw and "SUMMARY:Maps\\; Co\\, Ltd" in raw


async def test_the_feed_is_served_at_its_secret_address_only(chat: Chat, app: BotApp, clock: Clock) -> None:
    """`meetings calendar` gives the feed URL (no group id in it); the HTTP server serves it there, 404 elsewhere."""
    await _plan(chat, clock)
    said = (await chat.say("meetings calendar", user="ann", channel="maps"))[0].text
    url = next(word for word in said.split() if word.startswith("https://bot.example.org/calendar/"))
    token = url.removeprefix("https://bot.example.org/calendar/").removesuffix(".ics")
    assert len(token) >= 32 and url.endswith(".ics")
    server = HealthServer(lambda: _true(), lambda: b"", port=0, host="127.0.0.1", calendar=app.calendar_feed)
    runner = aiohttp.web.AppRunner(server.web_app())
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/calendar/{token}.ics") as response:
                assert response.status == 200 and response.headers["Content-Type"] == "text/calendar; charset=utf-8"
                feed = Calendar.from_ical(await response.read())
            other = "y" if token.endswith("x") else "x"  # one character off (a token may end in "x" itself)
            for wrong in (f"{token[:-1]}{other}.ics", "1.ics", token, f"{token}.ics.txt"):
                async with session.get(f"{base}/calendar/{wrong}") as response:
                    assert response.status == 404, wrong
    finally:
        await runner.cleanup()
    assert [start for _, _, start, _, _ in _events(feed)] == [
        "2026-10-27 18:00 EDT",
        "2026-11-03 18:00 EST",
        "2026-11-10 18:00 EST",
    ]


async def _true() -> bool:
    return True


async def test_without_a_public_address_the_file_still_comes_and_the_feed_is_explained(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """No COMMUNITYBOT_PUBLIC_URL: the .ics is attached, and the reply says what the feed needs instead of a link."""
    bot = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await bot.start()
    try:
        chat = Chat(bot)
        clock.now = START
        await chat.say("checkin create Maps Circle --tz America/New_York", **FAY)
        empty = await chat.say("meetings calendar", **FAY)
        assert empty[0].attachment is None and "Maps Circle has no meetings yet" in empty[0].text
        await chat.say('meetings schedule tue 18:00 --weeks 1 --place "Room 2"', **FAY)
        replies = await chat.say("meetings calendar", **FAY)
        assert len(_events(_parsed(replies))) == 1
        assert replies[0].text.endswith(
            "A calendar you can subscribe to needs the bot's public address (COMMUNITYBOT_PUBLIC_URL); ask an admin."
        )
    finally:
        await bot.close()


def test_only_writing_a_calendar_imports_icalendar() -> None:
    """Every command loads the calendars feature, but only a calendar being written pays icalendar's import."""
    code = "import sys\nimport bot.main.wiring\nprint('icalendar' in sys.modules)\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout == "False\n"
