"""Time and person tokens: what the core writes for a moment or a member, how each reader reads it, and that users
cannot forge one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.discord.translate import reply_messages, safe_text
from adapters.slack.translate import escape, notification_text
from bot.events import Reply
from bot.usertext import clean, member, quote, quote_message
from bot.when import CLOSE, OPEN, at, for_reader, person, plain, render

# 18:00 in New York on both sides of the November change: EDT, then EST.
OCT27 = datetime(2026, 10, 27, 22, 0, tzinfo=UTC)
NOV3 = datetime(2026, 11, 3, 23, 0, tzinfo=UTC)


def test_plain_keeps_the_groups_wall_clock_across_dst() -> None:
    """Without a reader, each time reads in its group's zone: 18:00 before and after the change."""
    text = f"{at(OCT27, 'America/New_York')} then {at(NOV3, 'America/New_York')}"
    assert plain(text) == "Tue 27 Oct 2026 18:00 EDT then Tue 03 Nov 2026 18:00 EST"


def test_a_reader_in_tokyo_gets_their_own_time_beside_the_groups() -> None:
    """For_reader adds the reader's zone only when it reads differently."""
    token = at(NOV3, "America/New_York")
    assert render(token, for_reader("Asia/Tokyo")) == "Tue 03 Nov 2026 18:00 EST (your time: Wed 04 Nov 2026 08:00 JST)"
    assert render(token, for_reader("America/New_York")) == "Tue 03 Nov 2026 18:00 EST"
    assert render(token, for_reader("America/Detroit")) == "Tue 03 Nov 2026 18:00 EST"


def test_user_text_cannot_forge_a_token() -> None:
    """The delimiters are dropped from typed text and from quoted text; the look-alike stays inert on every platform."""
    forged = f"meet at {OPEN}1793746800|America/New_York|{CLOSE}"
    assert clean(forged) == "meet at 1793746800|America/New_York|"
    assert quote(forged) == "meet at 1793746800|America/New_York|"
    assert "<t:" not in safe_text(quote(forged)) and "<!date" not in escape(quote(forged))


def test_core_messages_keep_their_tokens_while_user_text_in_them_is_quoted() -> None:
    """An error message with a time and a typed <!channel>: the time stays live, the mention does not."""
    message = f"<!channel> closed {at(OCT27, 'UTC')}"
    kept = quote_message(message)
    assert kept == f"<\u200b!channel> closed {at(OCT27, 'UTC')}"
    assert escape(kept) == (
        "&lt;\u200b!channel&gt; closed <!date^1793138400^{date_short_pretty} {time}|Tue 27 Oct 2026 22:00 UTC>"
    )


def test_plain_text_places_read_in_the_groups_zone() -> None:
    """Slack notifications and Discord embed titles cannot localize: they show the group's time."""
    reply = Reply(f"Answers close {at(OCT27, 'Europe/Berlin', relative=True)}", title=f"Due {at(OCT27, 'UTC')}")
    assert notification_text(reply) == "Due Tue 27 Oct 2026 22:00 UTC"
    (message,) = reply_messages(reply)
    assert message["embed"].title == "Due Tue 27 Oct 2026 22:00 UTC"
    assert message["embed"].description == "Answers close <t:1793138400:F> (<t:1793138400:R>)"


def test_a_day_token_reads_as_the_day_in_each_readers_zone() -> None:
    """A past event's day: 23:00 UTC on 3 Nov is 4 Nov in Tokyo; Slack and Discord get their own date syntax."""
    token = at(NOV3, "UTC", date_only=True)
    assert plain(f"asked on {token}") == "asked on 3 November 2026"
    assert render(token, for_reader("Asia/Tokyo")) == "4 November 2026"
    assert escape(token) == "<!date^1793746800^{date_long}|3 November 2026>"
    assert safe_text(f"asked on {token}") == "asked on <t:1793746800:D>"


def test_a_token_is_relative_or_a_day_not_both() -> None:
    """Asking for both is a programming error, said at once."""
    with pytest.raises(ValueError, match="relative or a day"):
        at(NOV3, "UTC", relative=True, date_only=True)


def test_a_member_reads_as_a_mention_on_their_platform_and_as_an_id_elsewhere() -> None:
    """Slack and Discord show a mention as the member's name (Discord never pings: replies allow no mentions); the
    console, plain text and the other platform show the id."""
    slack, discord = person("slack", "U0ANN"), person("discord", "1300000000000000001")
    text = f"{slack} and {discord} asked"
    assert escape(text) == "<@U0ANN> and discord:1300000000000000001 asked"
    assert safe_text(text) == "slack:U0ANN and <@1300000000000000001> asked"
    assert plain(text) == "U0ANN and 1300000000000000001 asked"
    assert quote_message(f"<!channel> {slack}") == f"<\u200b!channel> {slack}"


def test_what_is_not_an_id_is_named_as_quoted_text() -> None:
    """A console name with a space, an erased asker, a typed mention: plain quoted text, never a token."""
    assert member("console", "ann smith") == "ann smith"
    assert member("slack", "(forgotten)") == "(forgotten)"
    assert member("slack", "<@U0BOB>") == "<\u200b@U0BOB>"
    assert member("discord", "12", "Ada") == person("discord", "12")
    forged = f"{OPEN}@slack|U0BOB{CLOSE}"
    assert clean(forged) == "@slack|U0BOB" and "<@" not in escape(quote(forged))
