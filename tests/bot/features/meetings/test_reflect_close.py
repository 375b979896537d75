"""A Plus/Delta still half filled when reflections close (issue: the form trapped the member, the answers were lost):
closed at the deadline with a DM, its answers in the summary marked partial, and one sent late ends the form."""

from __future__ import annotations

from datetime import timedelta

from bot.events import Visibility
from bot.main.wiring import BotApp
from bot.when import plain
from tests.bot.features.meetings.test_meetings import FAY, OCT27, bodies, setup_group, titled
from tests.conftest import Chat, Clock

ENDS = OCT27 + timedelta(minutes=90)
BOB = {"user": "bob", "channel": "maps"}
SUMMARY = "Reflections: Maps Circle, Tue 27 Oct 2026 18:00 EDT"
LIST = "• Tue 03 Nov 2026 18:00 EST, 90 min, at Room 2"


async def half_fill(chat: Chat, app: BotApp, clock: Clock) -> None:
    await setup_group(chat, clock, "bob", "cy", schedule="--weeks 2")
    await app.scheduler.tick(ENDS)
    clock.now = ENDS + timedelta(minutes=5)
    await chat.say("meetings reflect", **BOB)
    assert bodies(await chat.say("Good pace", **BOB)).startswith("Plus/Delta (2/3): What would you change?")


async def test_a_half_filled_form_is_closed_at_the_deadline_and_kept_as_partial(
    chat: Chat, app: BotApp, clock: Clock
) -> None:
    """A day after the end the summary shows what bob had written, marked partial; bob is told by DM that his form
    closed, and his next messages are commands again."""
    await half_fill(chat, app, clock)
    await chat.say("meetings reflect", user="cy", channel="maps")
    await chat.say("skip", user="cy", channel="maps")  # nothing written: not in the summary
    sent = await app.scheduler.tick(ENDS + timedelta(hours=24))
    (summary,) = titled(sent, SUMMARY)
    assert summary.channel == "maps"
    assert plain(summary.text) == (
        "Going: 0 · Can't make it: 0 · Reflections: 1 (1 partial: begun but not sent)\n\n"
        "*What worked*\n"
        "• bob (partial): Good pace"
    )
    closed = {r.user: plain(r.text) for r in sent if r.visibility is Visibility.DM}
    assert closed == {
        "bob": "Reflections on the meeting of Tue 27 Oct 2026 18:00 EDT closed Wed 28 Oct 2026 19:30 EDT before you "
        "sent your Plus/Delta, so I closed the form. What you had written is in the summary, marked partial.",
        "cy": "Reflections on the meeting of Tue 27 Oct 2026 18:00 EDT closed Wed 28 Oct 2026 19:30 EDT before you "
        "sent your Plus/Delta, so I closed the form.",
    }
    clock.now = ENDS + timedelta(days=3)
    listed = await chat.say("meetings list", **BOB)
    assert plain(listed[0].title) == "Coming meetings of Maps Circle" and plain(listed[0].text) == LIST


async def test_a_sent_reflection_is_not_shown_again_as_partial(chat: Chat, app: BotApp, clock: Clock) -> None:
    """A member who sent a Plus/Delta and began editing it is in the summary once, with what was sent."""
    await half_fill(chat, app, clock)
    await chat.say("skip", **BOB)
    assert (
        bodies(await chat.say("4", **BOB))
        == "Thanks, your reflection is saved; the facilitator sees it with the others."
    )
    await chat.say("meetings reflect", **BOB)
    await chat.say("Too long", **BOB)
    (summary,) = titled(await app.scheduler.tick(ENDS + timedelta(hours=24)), SUMMARY)
    assert plain(summary.text) == (
        "Going: 0 · Can't make it: 0 · Reflections: 1\n"
        "Rating: average 4.0 of 5 (1 rated)\n\n"
        "*What worked*\n"
        "• bob: Good pace"
    )


async def test_an_answer_sent_after_the_close_ends_the_form(chat: Chat, app: BotApp, clock: Clock) -> None:
    """With no tick at the close (the bot was down), bob's last answer after it is refused once and the form ends:
    his next command runs instead of "You are filling in Plus/Delta"."""
    await half_fill(chat, app, clock)
    clock.now = ENDS + timedelta(days=2)
    assert bodies(await chat.say("skip", **BOB)).startswith("Plus/Delta (3/3)")
    assert bodies(await chat.say("3", **BOB)) == (
        "Reflections on the meeting of Tue 27 Oct 2026 18:00 EDT closed Wed 28 Oct 2026 19:30 EDT, "
        "so your Plus/Delta was not saved; I closed the form."
    )
    listed = await chat.say("meetings list", **BOB)
    assert plain(listed[0].title) == "Coming meetings of Maps Circle" and plain(listed[0].text) == LIST
    assert plain((await chat.say("meetings list", **FAY))[0].text) == LIST
