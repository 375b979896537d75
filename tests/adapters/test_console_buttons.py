"""The console's numbered buttons: a number that names no button says which there are and keeps them."""

from __future__ import annotations

import io

from adapters.console import ConsoleAdapter
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
