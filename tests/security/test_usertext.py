"""The helpers behind the guarantees: cleaning at the boundary, quoting in replies, safe CSV cells, argument splits."""

from __future__ import annotations

import pytest

from bot.args import split_args
from bot.csvsafe import safe_cell, write_csv
from bot.usertext import ZWSP, clean, quote
from tests.conftest import Chat


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("a\x00b", "ab"),
        ("x \ud800 y \udfff", "x \ufffd y \ufffd"),
        ("\u202eRTL \U0001f600 emoji, tab\tand\nnewline", "\u202eRTL \U0001f600 emoji, tab\tand\nnewline"),
    ],
)
def test_clean_drops_nul_and_replaces_surrogates_only(typed: str, stored: str) -> None:
    """NUL goes, lone surrogates become U+FFFD; everything else (RTL marks, emoji, tabs) is kept."""
    assert clean(typed) == stored


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("[click](https://evil.example)", f"[click]{ZWSP}(https://evil.example)"),
        ("[click] (https://evil.example)", f"[click]{ZWSP} (https://evil.example)"),
        ("<https://evil.example|click>", f"<{ZWSP}https://evil.example|click>"),
        ("<!channel> <!here> <@U1> <@&1> <#C1>", f"<{ZWSP}!channel> <{ZWSP}!here> <{ZWSP}@U1> <{ZWSP}@&1> <{ZWSP}#C1>"),
        ("@everyone @here @Channel", f"@{ZWSP}everyone @{ZWSP}here @{ZWSP}Channel"),
        ("ann@example.org, a < b, [a] list, @hereford", "ann@example.org, a < b, [a] list, @hereford"),
    ],
)
def test_quote_breaks_links_and_mentions_and_nothing_else(text: str, shown: str) -> None:
    """Masked links, autolinks and mentions get a zero-width space; emails, brackets and comparisons are untouched."""
    assert quote(text) == shown


def test_csv_cells_that_spreadsheets_would_run_get_an_apostrophe() -> None:
    """Cells starting with = + - @ tab or CR are prefixed; others, and those characters elsewhere, are not."""
    assert [safe_cell(v) for v in ("=1+1", "+1", "-1", "@x", "\tx", "\rx", "a=b", "", None, 5)] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@x",
        "'\tx",
        "'\rx",
        "a=b",
        "",
        "",
        "5",
    ]
    assert write_csv(["h"], [["=cmd|' /C calc'!A0"]]) == "h\r\n'=cmd|' /C calc'!A0\r\n"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ("Maria's Python Circle", ["Maria's", "Python", "Circle"]),
        ('Maria\'s "Big Circle" --tz Europe/Berlin', ["Maria's", "Big Circle", "--tz", "Europe/Berlin"]),
        ("'quoted words' --tz UTC", ["quoted words", "--tz", "UTC"]),
        ("\"unclosed it's", ['"unclosed', "it's"]),
        ("Ann's and Bob's", ["Ann's", "and", "Bob's"]),
        ("Ann's 'Big Circle'", ["Ann's", "Big Circle"]),
        ("--place 'Ann's café'", ["--place", "Ann's café"]),
        ("--place “Room 3” --weeks 2", ["--place", "Room 3", "--weeks", "2"]),
        ("--place ‘Ann’s café’", ["--place", "Ann’s café"]),
        ("--place „Raum 3“", ["--place", "Raum 3"]),
        ("Ann’s “unclosed", ["Ann’s", "“unclosed"]),
        ("C:\\maps", ["C:\\maps"]),
    ],
)
def test_split_args_reads_apostrophes_as_letters(args: str, words: list[str]) -> None:
    """An apostrophe inside a word is part of it; paired quotes, straight or curly, group words; nothing is ever
    refused."""
    assert split_args(args) == words


def test_split_args_reads_a_line_of_quotes_that_never_close_as_words() -> None:
    """8,000 quotes that never close (24,000 characters): each is a letter of its word, and the line is read in one
    pass (it was rescanned from every quote, 4 s of a blocked event loop; benchmarks are not unit tests, so this
    checks the result)."""
    assert split_args(" ".join(['"a'] * 8000)) == ['"a'] * 8000


@pytest.mark.parametrize("db_target", ["sqlite"], indirect=True)
async def test_error_messages_quote_what_was_typed(chat: Chat) -> None:
    """An error that repeats the user's text shows their link and ping, inert."""
    replies = await chat.say("leads show [x](https://evil.example)@everyone", role="staff")
    assert [r.text for r in replies] == [
        f"'[x]{ZWSP}(https://evil.example)@{ZWSP}everyone' is not a lead reference (like L-0042)."
    ]


@pytest.mark.parametrize("db_target", ["sqlite"], indirect=True)
async def test_step_by_step_field_errors_quote_what_was_typed(chat: Chat) -> None:
    """A bad answer to a form field is repeated in the error, inert."""
    await chat.say("consult")
    await chat.say("Ann")
    replies = await chat.say("<@U1> [x](https://evil.example)")
    assert replies[0].text.split("\n")[0] == (
        f"'<{ZWSP}@U1> [x]{ZWSP}(https://evil.example)' does not look like an email address (name@example.org)"
    )
