"""A check-in closing while members are half way through its answer form, asked step by step: the summary shows what
they answered (partial), the forms are closed, and each member is told at once by DM, not after answering the rest."""

from __future__ import annotations

from datetime import timedelta

from bot.events import Visibility
from bot.main.wiring import BotApp
from tests.bot.features.checkins.conftest import FIRST, setup_group
from tests.conftest import Chat, Clock, texts

CLOSES = "Wed 04 Mar 2026 18:00 CET"


async def test_a_half_filled_answer_form_is_closed_with_the_check_in(chat: Chat, app: BotApp, clock: Clock) -> None:
    """bo (in a DM, one answer given) and ann (in the channel, none yet) are told at the close; bo's next message is
    not taken as an answer, and `checkin answer` says none is open."""
    await setup_group(chat)
    await app.scheduler.tick(FIRST)
    clock.now = FIRST + timedelta(minutes=30)
    await chat.say("checkin answer", user="bo")
    await chat.say("Mapped the park", user="bo")
    await chat.say("checkin answer", user="ann", channel="maps")
    closed = await app.scheduler.tick(FIRST + timedelta(hours=24))
    summary, *told = closed
    assert "• bo (partial): Mapped the park" in summary.text
    assert sorted((r.user, r.visibility, texts([r])) for r in told) == [
        (
            "ann",
            Visibility.DM,
            f"\nThe Maps Circle check-in closed {CLOSES} before you sent your answers, so I closed your answer form.",
        ),
        (
            "bo",
            Visibility.DM,
            f"\nThe Maps Circle check-in closed {CLOSES} before you sent your answers, so I closed your answer form. "
            "What you had answered is in the summary, marked partial.",
        ),
    ]
    clock.now = FIRST + timedelta(hours=25)
    assert await app.dispatcher.pending_prompt(chat.origin(user="bo")) is None
    assert await app.dispatcher.pending_prompt(chat.origin(user="ann", channel="maps")) is None
    assert texts(await chat.say("checkin answer", user="bo")) == (
        "\nThere is no check-in open for answers right now. `checkin next` shows when the next one is."
    )
    assert await app.scheduler.tick(FIRST + timedelta(hours=25)) == []


async def test_an_answer_sent_after_the_close_but_before_the_closing_tick_ends_the_form(
    chat: Chat, app: BotApp, clock: Clock
) -> None:
    """bo's last answer came after the window closed and before the scheduler closed the run: it was refused and the
    form stayed open, refusing `meetings list` and every later line until `cancel`. It is now told the check-in
    closed, and the form ends."""
    await setup_group(chat)
    await app.scheduler.tick(FIRST)
    clock.now = FIRST + timedelta(minutes=30)
    for line in ("checkin answer", "Mapped the park"):
        await chat.say(line, user="bo")
    clock.now = FIRST + timedelta(hours=24, minutes=5)  # closed, and no tick since
    for line in ("Chapter 2", "nothing"):
        replies = await chat.say(line, user="bo")
    assert texts(replies) == f"\nThis check-in closed {CLOSES}; answers are no longer accepted."
    assert await app.dispatcher.pending_prompt(chat.origin(user="bo")) is None
    assert "Coming meetings" in texts(await chat.say("meetings list", user="bo", channel="maps"))
