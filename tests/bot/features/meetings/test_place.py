"""A place of several words (issue: `--place Room 2` got a bare usage line, and curly quotes, which Slack on a Mac or
a phone types, did not group words): the error says to put it in quotes, and curly quotes work as quotes."""

from __future__ import annotations

from bot.when import plain
from tests.bot.features.meetings.test_meetings import FAY, START, bodies
from tests.conftest import Chat, Clock

ADD_USAGE = "Usage: `meetings add YYYY-MM-DD HH:MM [--length 90m] [--place TEXT | --link URL]`"


async def test_a_place_of_several_words_unquoted_says_to_quote_it(chat: Chat, clock: Clock) -> None:
    """`--place Room 2` and `--place Ann's café` are refused saying how to write them; nothing is added."""
    clock.now = START
    await chat.say("checkin create Maps Circle --tz America/New_York", **FAY)
    assert bodies(await chat.say("meetings add 2026-11-10 18:00 --place Room 2", **FAY)) == (
        f'Put a place of several words in quotes: `--place "Room 2"`. {ADD_USAGE}'
    )
    assert bodies(await chat.say("meetings add 2026-11-10 18:00 --place Ann's café --length 1h", **FAY)) == (
        f'Put a place of several words in quotes: `--place "Ann\'s café"`. {ADD_USAGE}'
    )
    assert bodies(await chat.say("meetings schedule tue 18:00 --place Room 2 --weeks 2", **FAY)) == (
        'Put a place of several words in quotes: `--place "Room 2"`. Usage: `meetings schedule DAYS HH:MM '
        "[--weeks N] [--start YYYY-MM-DD] [--length 90m] [--place TEXT | --link URL]`, "
        'e.g. `meetings schedule tue 18:00 --weeks 6 --place "Room 2"`'
    )
    assert bodies(await chat.say("meetings add 2026-11-10", **FAY)) == (
        f"`meetings add` wants a date and a time. {ADD_USAGE}"
    )
    assert bodies(await chat.say("meetings add 2026-11-10 18:00 soon", **FAY)) == (
        f"`meetings add` takes a date and a time, so I did not run it with 'soon' after them. {ADD_USAGE}"
    )
    assert bodies(await chat.say("meetings list", **FAY)) == (
        "No meetings are planned. A facilitator can set some with `meetings schedule tue 18:00 --weeks 6`."
    )


async def test_curly_quotes_and_apostrophes_in_a_place(chat: Chat, clock: Clock) -> None:
    """“Room 3” is the place Room 3; 'Ann's café' in quotes keeps its apostrophe."""
    clock.now = START
    await chat.say("checkin create Maps Circle --tz America/New_York", **FAY)
    assert bodies(await chat.say("meetings add 2026-11-10 18:00 --place “Room 3”", **FAY)) == (
        "Meeting added: Tue 10 Nov 2026 18:00 EST, 90 minutes, at Room 3."
    )
    assert bodies(await chat.say("meetings add 2026-11-11 18:00 --place 'Ann's café'", **FAY)) == (
        "Meeting added: Wed 11 Nov 2026 18:00 EST, 90 minutes, at Ann's café."
    )
    listed = await chat.say("meetings list", **FAY)
    assert plain(listed[0].text) == (
        "• Tue 10 Nov 2026 18:00 EST, 90 min, at Room 3\n• Wed 11 Nov 2026 18:00 EST, 90 min, at Ann's café"
    )
