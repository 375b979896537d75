"""What one message means to a form asked step by step: an instruction (cancel, help, back, keep, skip), a command
that has to wait until the form is done, or an answer to the field asked, checked. Pure: the engine acts on it.

A message that is exactly an instruction word or a command is never stored as an answer; in quotes (``"cancel"``,
also curly or single quotes) or after a backslash (``\\cancel``) it is the answer, as typed inside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot.errors import FormErrors
from bot.events import FieldKind, FormField
from bot.forms import text as say
from bot.forms.spec import (
    BACK_WORDS,
    CANCEL_WORDS,
    CONTROL_WORDS,
    HELP_WORDS,
    KEEP_WORDS,
    REFUSE_WORDS,
    SKIP_WORDS,
    validate_field,
)

__all__ = ["CommandOf", "Intent", "Reading", "literal", "no_command", "read"]

CommandOf = Callable[[str], str | None]
"""The command a message would run (its name), or None: a message that is one must wait until the form is done."""

_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u201e": "\u201c", "\u00ab": "\u00bb"}


class Intent(Enum):
    """What the user meant by a message."""

    ANSWER = "answer"  # a valid answer: ``Reading.value`` is it, cleaned
    INVALID = "invalid"  # not a valid answer: ``Reading.value`` says why
    CANCEL = "cancel"
    HELP = "help"
    BACK = "back"
    KEEP = "keep"
    REFUSE = "refuse"  # "no" to a consent the form needs
    COMMAND = "command"  # a command typed mid-form: ``Reading.value`` is its name


_INSTRUCTIONS = (
    (CANCEL_WORDS, Intent.CANCEL),
    (HELP_WORDS, Intent.HELP),
    (BACK_WORDS, Intent.BACK),
    (KEEP_WORDS, Intent.KEEP),
)


@dataclass(frozen=True)
class Reading:
    """What a message means (:class:`Intent`) and the value that goes with it."""

    intent: Intent
    value: str = ""


def no_command(text: str) -> str | None:
    """A :data:`CommandOf` that knows no commands."""
    return None


def literal(text: str, command_of: CommandOf = no_command) -> str | None:
    """The answer ``text`` spells out literally: a control word or a command in quotes, or after a backslash, is
    returned without them; anything else gives None (it is read as usual, quotes and all)."""
    text = text.strip()
    if text.startswith("\\"):
        inner = text[1:].strip()
    elif len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:
        inner = text[1:-1].strip()
    else:
        return None
    return inner if inner.casefold() in CONTROL_WORDS or command_of(inner) is not None else None


def read(spec: FormField, text: str, command_of: CommandOf = no_command) -> Reading:
    """What ``text`` means as the reply to the question for ``spec``."""
    spelled = literal(text, command_of)
    if spelled is not None:
        return _checked(spec, spelled)
    word = text.strip().casefold()
    word = word.rstrip(" .!?") or word  # "help?" and "cancel!" are the words themselves ("?" asks for help)
    for words, intent in _INSTRUCTIONS:
        if word in words:
            return Reading(intent)
    if spec.kind is FieldKind.CONSENT and word in REFUSE_WORDS:
        return Reading(Intent.REFUSE) if spec.required else Reading(Intent.ANSWER, "")
    if word in SKIP_WORDS and not spec.required:
        return Reading(Intent.ANSWER, "")
    if word in {"skip", "/skip"}:  # "-" and "none" can be real answers; "skip" never is unless quoted
        return Reading(Intent.INVALID, say.NO_SKIP.format(required=say.required(spec.label)))
    command = command_of(text)
    if command is not None and not (spec.kind is FieldKind.CHOICE and _checked(spec, text).intent is Intent.ANSWER):
        return Reading(Intent.COMMAND, command)
    return _checked(spec, text)


def _checked(spec: FormField, text: str) -> Reading:
    try:
        return Reading(Intent.ANSWER, validate_field(spec, text))
    except FormErrors as exc:
        return Reading(Intent.INVALID, exc.errors[spec.name])
