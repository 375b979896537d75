"""A command with arguments typed mid-form, as a console user sees it: a line that is plainly a command of the bot
(`kb search venue`, `me tz Europe/Paris`, `ask how ...?`) waits like a bare one, while free text that merely starts
with a command's word ("help me with maps", "me too", "ask around first") is the answer."""

from __future__ import annotations

from datetime import timedelta

from bot.main.wiring import BotApp
from tests.bot.features.checkins.conftest import FIRST, setup_group
from tests.conftest import Chat, Clock, texts

NAME = "Work with P2PU (1/9): Your name\nType 'cancel' to stop, 'help' for more."
EMAIL = (
    "Work with P2PU (2/9): Email\nWe will only use it to reply to you.\n"
    "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
)
CY = {"user": "cy", "channel": "maps"}
OPTIONAL = "(optional: answer 'skip' or '-' to leave it empty)\n"
Q1 = (
    f"Check-in: Maps Circle (1/3): What did you work on since last time?\n{OPTIONAL}"
    "Type 'cancel' to stop, 'help' for more."
)
Q2 = (
    f"Check-in: Maps Circle (2/3): What will you work on next?\n{OPTIONAL}"
    "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
)
Q3 = (
    "Check-in: Maps Circle (3/3): Is anything blocking you, or is there anything you need from the group?\n"
    f"{OPTIONAL}Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
)


def busy(title: str, command: str) -> str:
    return (
        f"You are filling in {title}, so I did not run `{command}`. Answer the question below to go on, or type "
        f"'cancel' to stop {title} first. To give it as your answer, put it in quotes: "
        f'"{command}".'
    )


def form_help(title: str) -> str:
    return (
        f"You are filling in {title}: answer the question below, or type 'cancel' to stop; commands work after.\n"
        "- 'back' goes to the previous question; 'keep' leaves an answer you gave before as it is.\n"
        "- 'skip' leaves an optional question empty.\n"
        '- To answer with one of these words itself (or with a command), put it in quotes: "cancel".'
    )


async def _said(chat: Chat, text: str, **who: object) -> str:
    """The one reply to ``text``, as its text."""
    (reply,) = await chat.say(text, **who)
    return reply.text


async def test_a_command_with_arguments_is_not_taken_as_the_name(chat: Chat) -> None:
    """`ask how ...`, `kb search venue`, `me tz ...`, `/helper on venues` at the name wait; "help me" is help; "ask
    around first" is a name, and a refused line in quotes is one too."""
    await chat.say("consult")
    work = "Work with P2PU"
    for line in ("ask how big should a circle be", "kb search venue", "me tz Europe/Paris", "/helper on venues"):
        assert await _said(chat, line) == f"{busy(work, line.lstrip('/'))}\n\n{NAME}"
    assert await _said(chat, "help me") == f"{form_help(work)}\n\n{NAME}"
    assert await _said(chat, "Help me!") == f"{form_help(work)}\n\n{NAME}"
    assert await _said(chat, "ask around first") == EMAIL
    await chat.say("back")
    assert await _said(chat, '"ask how big should a circle be"') == EMAIL
    assert "Type 'keep' to leave it as \"ask how big should a circle be\"." in await _said(chat, "back")


async def test_check_in_answers_are_never_commands_and_free_text_is_kept(chat: Chat, app: BotApp, clock: Clock) -> None:
    """The test drive: `kb search venue`, `checkin next`, `ask`, `me tz ...` wait, "help me" shows help; then "help
    me with maps" and "me too" are answers, and the summary shows only the answers."""
    await setup_group(chat)
    await chat.say("checkin add cy", user="fay", role="facilitator", channel="maps")
    await app.scheduler.tick(FIRST)
    clock.now = FIRST + timedelta(minutes=20)
    assert await _said(chat, "checkin answer", **CY) == Q1
    title = "Check-in: Maps Circle"
    for line in ("kb search venue", "checkin next", "ask", "me tz Europe/Paris", "leads list --status new"):
        assert await _said(chat, line, **CY) == f"{busy(title, line)}\n\n{Q1}"
    assert await _said(chat, "help me", **CY) == f"{form_help(title)}\n\n{Q1}"
    assert await _said(chat, "help me with maps", **CY) == Q2
    assert await _said(chat, "me too", **CY) == Q3
    saved = texts(await chat.say("skip", **CY))
    assert saved == "\nThanks, your check-in is saved. You can change it until Wed 04 Mar 2026 18:00 CET."
    (summary,) = await app.scheduler.tick(FIRST + timedelta(hours=24))
    assert summary.text == (
        "Answered: 1 of 4 (25%)\n\n*What did you work on since last time?*\n• cy: help me with maps\n\n"
        "*What will you work on next?*\n• cy: me too\n\nNot answered this time: ann, bo, fay"
    )
