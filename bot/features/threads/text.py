"""Every sentence the threads feature says to users, in one place to review and, later, translate."""

from __future__ import annotations

# Buttons and tags.
SOLVED_BUTTON = "Solved"
TAG_SOLVED = "Solved"
TAG_NEEDS_HUMAN = "Needs a human"

# A watched channel, when the bot is not confident (one quiet line).
MIGHT_HELP = "These might help: {titles}. Mention me to ask again, or wait for someone here to answer."
NOTHING_MATCHES = "I have no recipe for this yet; someone here may know. I've noted it so the team can add one."

# A number typed in a thread with no buttons to press (a new console session, or the buttons scrolled away).
NO_BUTTON = (
    "There is no button {given} to press here. Type `solved` to mark your question solved, or `ask a human` to pass "
    "it to a person."
)

# Mark solved.
SOLVED = "Marked as solved. Thanks, {solver}, for the answer!"
SOLVED_NO_CREDIT = "Marked as solved."
ALREADY_SOLVED = "This question is already marked as solved."
NOT_YOURS = "Only the person who asked (or staff) can mark this question as solved."
NO_THREAD = "I don't know that thread any more."

# kb helpers.
HELPERS_USAGE = "Usage: `kb helpers [--since YYYY-MM-DD]`"
HELPERS_TITLE = "Members who solved questions since {since}"
HELPERS_LINE = "{count:>3} solved  {user} ({platform})"
HELPERS_ERASED = "{count:>3} solved  by members who have since erased their data (not named)"
NO_HELPERS = "Nobody has been credited with solving a question since {since}."
