"""What the form engine says, in one place: a form asked step by step (its questions, and the answers to control
words) and a form in pages."""

from __future__ import annotations

__all__ = [
    "AMBIGUOUS_CHOICE",
    "ANOTHER_FORM",
    "ANSWER_OR_STOP",
    "BACK_OR_STOP",
    "BUSY",
    "CANCELLED",
    "CANCELLED_STEPS",
    "CHOOSE_ONE",
    "CLOSED",
    "CONSENT_HINT",
    "ENDED",
    "EXPIRED",
    "FIX_THESE",
    "HELP",
    "KEEP_AS",
    "KEEP_EMPTY",
    "MOVED_ON",
    "NOTHING_BEFORE",
    "NOTHING_TO_CANCEL",
    "NOTHING_TO_KEEP",
    "NOT_AN_EMAIL",
    "NO_ANSWER",
    "NO_SKIP",
    "OPTIONAL_HINT",
    "REFUSED",
    "REJECTED_REPLACED",
    "REPLACED",
    "SAVED_PART",
    "SENDING",
    "required",
]

# -- a form in pages -----------------------------------------------------------------------------------------------
EXPIRED = "That form has expired. Please start again."
CANCELLED = "Cancelled. Nothing you typed in that form was kept."
NOTHING_TO_CANCEL = "There is nothing to cancel: that form was already sent, or has expired."
SENDING = (
    "That form was already being sent when you pressed Cancel: if it went through, its reply says so; if not, nothing"
    " of it is kept."
)
CLOSED = "That form is no longer open."
SAVED_PART = "Saved part {page} of {pages}."
FIX_THESE = "Please fix these and submit again:"
NOT_AN_EMAIL = "{value} does not look like an email address (name@example.org)"
CHOOSE_ONE = "Choose one of: {options}"
AMBIGUOUS_CHOICE = "{typed} could be {options}: type more of it, or its number"

# -- a form asked step by step -------------------------------------------------------------------------------------
CONSENT_HINT = "Answer 'yes' to agree."
OPTIONAL_HINT = "(optional: answer 'skip' or '-' to leave it empty)"
KEEP_AS = "Your answer so far: {answer}. Type 'keep' to leave it as {answer}."
KEEP_EMPTY = "You left this empty. Type 'keep' to leave it empty."
ANSWER_OR_STOP = "Type 'cancel' to stop, 'help' for more."
BACK_OR_STOP = "Type 'back' for the previous question, 'cancel' to stop, 'help' for more."
CANCELLED_STEPS = "Cancelled: {title}. Nothing was saved."
REFUSED = "Without your agreement I can't keep this, so nothing was saved ({title} cancelled)."
NOTHING_BEFORE = "This is the first question: there is nothing before it."
NOTHING_TO_KEEP = "There is no answer here to keep yet."
NO_SKIP = "{required}, so it can't be skipped."
NO_ANSWER = "{required}, and “{value}” says nothing: please write an answer."
# Two messages handled at once (two replicas): the one read before the other changed the form changes nothing.
MOVED_ON = "{title} moved on meanwhile (another message of yours got there first), so this message changed nothing."
ENDED = (
    "{title} was finished or cancelled meanwhile (another message of yours got there first), so this message changed "
    "nothing."
)
REPLACED = (
    "{title} was replaced by {other} meanwhile (another message of yours started it), so this message changed nothing."
)
# A last answer the feature rejected, its form claimed and another started in its place before it could be put back
# (ANOTHER_FORM names the other if it ended too).
REJECTED_REPLACED = (
    "{title} was replaced by {other} meanwhile (another message of yours started it), so your answers to {title} were "
    "not kept."
)
ANOTHER_FORM = "another form"
BUSY = (
    "You are filling in {title}, so I did not run `{command}`. Answer the question below to go on, or type "
    "'cancel' to stop {title} first. To give it as your answer, put it in quotes: \"{command}\"."
)
HELP = (
    "You are filling in {title}: answer the question below, or type 'cancel' to stop; commands work after.\n"
    "- 'back' goes to the previous question; 'keep' leaves an answer you gave before as it is.\n"
    "- 'skip' leaves an optional question empty.\n"
    '- To answer with one of these words itself (or with a command), put it in quotes: "cancel".'
)


def required(label: str) -> str:
    """``Your name is required``; a question label, ``“What would you like help with?” needs an answer`` (not
    "What would you like help with? is required")."""
    return f"“{label}” needs an answer" if label.rstrip().endswith("?") else f"{label} is required"
