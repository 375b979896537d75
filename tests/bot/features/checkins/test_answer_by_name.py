"""`checkin answer NAME` in a DM with two check-ins open: the name matches ignoring case and by a unique beginning,
and a name that matches none lists the open ones."""

from __future__ import annotations

from datetime import timedelta

from bot.main.wiring import BotApp
from tests.bot.features.checkins.conftest import FIRST
from tests.conftest import Chat, Clock, texts

CHOICES = "`checkin answer Alpha Group`, `checkin answer Beta Group`"
FIRST_QUESTION = (
    "Check-in: {name} (1/3): What did you work on since last time?\n"
    "(optional: answer 'skip' or '-' to leave it empty)\nType 'cancel' to stop, 'help' for more."
)


async def _said(chat: Chat, line: str) -> str:
    return texts(await chat.say(line, user="bo"))


async def test_checkin_answer_finds_a_group_by_any_case_or_its_beginning(chat: Chat, app: BotApp, clock: Clock) -> None:
    """`checkin answer Alpha` opens Alpha Group's form, `BETA group` Beta Group's; `gamma` lists both."""
    for name in ("Alpha Group", "Beta Group"):
        channel = name.split()[0].lower()
        fay = {"user": "fay", "role": "facilitator", "channel": channel}
        await chat.say(f"checkin create {name} --tz Europe/Berlin", **fay)  # type: ignore[arg-type]
        await chat.say("checkin schedule tue 18:00 --weeks 6", **fay)  # type: ignore[arg-type]
        await chat.say("checkin join", user="bo", channel=channel)
    await app.scheduler.tick(FIRST)
    clock.now = FIRST + timedelta(minutes=30)
    assert await _said(chat, "checkin answer") == f"\nYou have more than one check-in open; choose one: {CHOICES}"
    assert await _said(chat, "checkin answer Alpha") == "\n" + FIRST_QUESTION.format(name="Alpha Group")
    await chat.say("cancel", user="bo")
    assert await _said(chat, "checkin answer BETA  group") == "\n" + FIRST_QUESTION.format(name="Beta Group")
    await chat.say("cancel", user="bo")
    assert await _said(chat, "checkin answer gamma") == (
        f"\nNone of your open check-ins is called gamma; choose one: {CHOICES}"
    )
    assert await _said(chat, "checkin answer group") == (
        f"\nNone of your open check-ins is called group; choose one: {CHOICES}"
    )
