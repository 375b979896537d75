"""The console's numbered buttons: a number that names no button says which there are and keeps them."""

from __future__ import annotations

import io

from adapters.console import ConsoleAdapter
from bot.events import Action, Button, Event, Reply
from bot.main.wiring import BotApp


async def test_a_number_past_the_buttons_keeps_them(app: BotApp) -> None:
    """ "9" under four buttons says to type 1 to 4 and leaves them there: "1" then presses Helpful (it used to find no
    button at all, and the advice to ask again logged the question twice)."""
    out = io.StringIO()
    console = ConsoleAdapter(app.dispatcher.handle, out, user="ann")
    await console.say("ask how big should a learning circle be?")
    assert out.getvalue().endswith("[1] Helpful  [2] Not helpful  [3] More results  [4] Ask a human\n\n")
    asked = len(out.getvalue())
    await console.say("9")
    await console.say("1")
    assert out.getvalue()[asked:] == (
        "There is no button 9 here: type a number from 1 to 4.\n\n"
        "[ephemeral]\nThanks! I'll remember that this answer fits questions like yours.\n\n"
    )


async def test_yes_at_two_buttons_asks_for_the_number_and_a_label_presses_one(app: BotApp) -> None:
    """ "yes" (or "Cancel") under `mydata delete`'s two buttons asks for a number and keeps them, asking the knowledge
    base nothing (so `kb gaps` stays empty); "keep it" presses "Keep it"."""
    out = io.StringIO()
    console = ConsoleAdapter(app.dispatcher.handle, out, user="ann")
    await console.say("mydata delete")
    assert out.getvalue().endswith("Erase it?\n[1] Erase my data  [2] Keep it\n\n")
    asked = len(out.getvalue())
    for typed in ("yes", "Cancel", "n"):
        await console.say(typed)
    await console.say("keep it")
    assert out.getvalue()[asked:] == (
        "Type a number from 1 to 2: [1] Erase my data  [2] Keep it\n\n" * 3 + "[ephemeral]\nNothing was erased.\n\n"
    )
    staff = ConsoleAdapter(app.dispatcher.handle, out := io.StringIO(), user="sam", role="staff")
    await staff.say("kb gaps")
    assert (
        out.getvalue() == "[ephemeral]\nNo gaps: every question so far was answered and nobody said it didn't help.\n\n"
    )


async def test_yes_with_no_buttons_showing_is_no_question(app: BotApp) -> None:
    """ "yes", or a button's label ("helpful", "Not helpful."), typed in a DM with no buttons to press (as on Slack or
    Discord, where typed text is a message) says to press a button, and is not logged as a question to answer."""
    out = io.StringIO()
    console = ConsoleAdapter(app.dispatcher.handle, out, user="ann", role="staff")
    said = ("Yes!", "helpful", "Not helpful.", "more results")
    for typed in said:
        await console.say(typed)
    await console.say("kb gaps")
    assert out.getvalue() == "".join(
        f"[ephemeral]\n“{typed}” answers buttons, not a question: press one of the buttons above (on the console, "
        "type its number). To ask me something, type your question.\n\n"
        for typed in said
    ) + ("[ephemeral]\nNo gaps: every question so far was answered and nobody said it didn't help.\n\n")


async def test_cancel_with_no_form_open_says_there_is_nothing_to_cancel(app: BotApp) -> None:
    """`cancel` with no form open said to press one of the buttons above, when there were none."""
    out = io.StringIO()
    await ConsoleAdapter(app.dispatcher.handle, out, user="ann").say("Cancel.")
    assert out.getvalue() == (
        "[ephemeral]\nThere is nothing to cancel: no form is open. To ask me something, type your question.\n\n"
    )


async def test_one_button_is_pressed_with_1_not_a_number_from_1_to_1() -> None:
    """Under a single button, "yes" or "2" said "type a number from 1 to 1"; now "type 1"."""
    pressed: list[Event] = []

    async def handle(event: Event) -> list[Reply]:
        pressed.append(event)
        return [Reply("Saved as a draft.", buttons=(Button("Publish", "kb:publish", "x"),))]

    out = io.StringIO()
    console = ConsoleAdapter(handle, out, user="sam")
    await console.say("kb save 1")
    for typed in ("yes", "2"):
        await console.say(typed)
    assert out.getvalue() == (
        "Saved as a draft.\n[1] Publish\n\nType 1: [1] Publish\n\nThere is no button 2 here: type 1.\n\n"
    )
    await console.say("1")
    assert isinstance(pressed[-1], Action) and pressed[-1].action_id == "kb:publish"
