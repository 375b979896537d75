"""What a form is made of and how its values are checked: one field at a time, a whole form, the question asked for a
field when a form is filled in step by step, and a form as JSON (how a half-filled form is kept in the database).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from bot.errors import FormErrors
from bot.events import FieldKind, Form, FormField
from bot.forms import text as say
from bot.usertext import quote

__all__ = [
    "BACK_WORDS",
    "CANCEL_WORDS",
    "CONTROL_WORDS",
    "EMAIL_PATTERN",
    "HELP_WORDS",
    "KEEP_WORDS",
    "REFUSE_WORDS",
    "SKIP_WORDS",
    "email_address",
    "form_from_json",
    "form_to_json",
    "prompt_for",
    "validate_field",
    "validate_form",
]

EMAIL_PATTERN = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
# How an address may be written around its bare form: "Ann Lee <ann@example.org>", "<ann@example.org>", and Slack's
# markup for an address typed in a message. (email.utils.parseaddr is no fit: it joins "ann@x.org junk" into one
# address and takes the first of two without a word, and its strictness differs between Python releases.)
_NAMED = re.compile(r'(?:"[^"]*"\s*|[^"<>@]*)<\s*([^<>\s]+)\s*>')
_SLACK_MAILTO = re.compile(r"<mailto:([^<>|\s]+)\|[^<>]*>")
CANCEL_WORDS = frozenset({"cancel", "/cancel", "stop"})
SKIP_WORDS = frozenset({"skip", "-", "none"})
HELP_WORDS = frozenset({"help", "/help", "?", "help me", "help please", "please help"})  # "help me with maps" answers
BACK_WORDS = frozenset({"back", "/back"})
KEEP_WORDS = frozenset({"keep", "/keep"})
CONTROL_WORDS = CANCEL_WORDS | SKIP_WORDS | HELP_WORDS | BACK_WORDS | KEEP_WORDS
"""What a form asked step by step reads as an instruction, not an answer (in quotes, each is an answer)."""
REFUSE_WORDS = frozenset(
    {"no", "n", "nope", "no thanks", "no thank you", "disagree", "i disagree", "i do not agree", "i don't agree"}
)
_YES = frozenset({"yes", "y", "i agree", "agree", "true"})
_SHOWN = 80  # an answer longer than this is shown cut, in the question that offers to keep it


def validate_field(spec: FormField, raw: str) -> str:
    """Check one value; return it cleaned.

    Raises:
        FormErrors: with a message for this field.
    """
    value = raw.strip()
    if spec.kind is FieldKind.CHOICE and value:
        return _choice(spec, value)
    if spec.kind is FieldKind.CONSENT:
        if value.casefold() in _YES:
            return "yes"
        raise FormErrors({spec.name: "We can only go ahead with your consent; answer 'yes' to agree"})
    if not value:
        if spec.required:
            raise FormErrors({spec.name: say.required(spec.label)})
        return ""
    if spec.required and not any(c.isalnum() for c in value):  # "-", '""' or "...": an answer left empty
        raise FormErrors({spec.name: say.NO_ANSWER.format(required=say.required(spec.label), value=quote(value[:20]))})
    if len(value) > spec.max_length:
        raise FormErrors({spec.name: f"{spec.label} must be at most {spec.max_length} characters (got {len(value)})"})
    if spec.kind is FieldKind.EMAIL:
        address = email_address(value)
        if address is None:
            raise FormErrors({spec.name: say.NOT_AN_EMAIL.format(value=repr(value))})
        return address
    return value


def email_address(given: str) -> str | None:
    """The email address ``given`` names, the one way every form and command reads one; None when it names none.

    Spaces around it, a display name (``Ann Lee <ann@example.org>``), angle brackets, ``mailto:``, Slack's markup for
    an address typed in a message and a sentence's full stop after it are dropped. Case is kept as typed: leads are
    matched by email without case (:func:`storage.leads.find_open_lead_by_email`).
    """
    text = given.strip()
    wrapped = _SLACK_MAILTO.fullmatch(text) or _NAMED.fullmatch(text)
    if wrapped is not None:
        text = wrapped.group(1)
    address = text.removeprefix("mailto:").removesuffix(".")
    return address if EMAIL_PATTERN.match(address) else None


def _choice(spec: FormField, value: str) -> str:
    """The key of the choice ``value`` names: its key, label or number, or the start of one label alone ("course"
    for "Course design"), case aside.

    Raises:
        FormErrors: naming the choices, or those a start shared by several labels could be.
    """
    typed = value.casefold()
    for number, (key, label) in enumerate(spec.choices, start=1):
        if typed in {key.casefold(), label.casefold(), str(number)}:
            return key
    started = [(key, label) for key, label in spec.choices if label.casefold().startswith(typed)]
    if len(started) == 1:
        return started[0][0]
    if started:  # labels in quotes: "Yes, you may, No, thank you" could not be told apart
        *most, last = [f"“{label}”" for _, label in started]
        said = say.AMBIGUOUS_CHOICE.format(typed=quote(repr(value)), options=f"{', '.join(most)} or {last}")
        raise FormErrors({spec.name: said})
    options = ", ".join(f"“{label}”" for _, label in spec.choices)
    raise FormErrors({spec.name: say.CHOOSE_ONE.format(options=options)})


def validate_form(form: Form, values: Mapping[str, str]) -> dict[str, str]:
    """Check every field; return cleaned values.

    Raises:
        FormErrors: with a message for each bad field.
    """
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for spec in form.fields:
        try:
            cleaned[spec.name] = validate_field(spec, values.get(spec.name, ""))
        except FormErrors as exc:
            errors.update(exc.errors)
    if errors:
        raise FormErrors(errors)
    return cleaned


def prompt_for(form: Form, step: int, values: Mapping[str, str] | None = None) -> str:
    """The question asked for field ``step`` when filling ``form`` step by step; when ``values`` holds an answer to
    it (the user went back, or the form came back rejected), the question shows it and offers to keep it."""
    spec = form.fields[step]
    lines = [f"{form.title} ({step + 1}/{len(form.fields)}): {spec.label}"]
    if spec.hint:
        lines.append(spec.hint)
    if spec.kind is FieldKind.CHOICE:
        lines += [f"  {n}. {label}" for n, (_, label) in enumerate(spec.choices, start=1)]
    if spec.kind is FieldKind.CONSENT:
        lines.append(say.CONSENT_HINT)
    elif not spec.required:
        lines.append(say.OPTIONAL_HINT)
    if values is not None and spec.name in values:
        lines.append(_kept(spec, values[spec.name]))
    lines.append(say.BACK_OR_STOP if step > 0 else say.ANSWER_OR_STOP)
    return "\n".join(lines)


def _kept(spec: FormField, value: str) -> str:
    """The line offering to keep ``value``, the answer ``spec`` has (a choice by its label)."""
    if not value:
        return say.KEEP_EMPTY
    shown = dict(spec.choices).get(value, value)
    shown = shown if len(shown) <= _SHOWN else shown[: _SHOWN - 1].rstrip() + "…"
    return say.KEEP_AS.format(answer=f'"{quote(" ".join(shown.split()))}"')


def form_to_json(form: Form) -> str:
    """Serialise ``form`` for the database (a half-filled form) or a button value."""
    data = asdict(form)
    for f in data["fields"]:
        f["kind"] = f["kind"].value
    return json.dumps(data)


def form_from_json(text: str) -> Form:
    """Inverse of :func:`form_to_json`."""
    data: dict[str, Any] = json.loads(text)
    fields = tuple(
        FormField(
            name=f["name"],
            label=f["label"],
            kind=FieldKind(f["kind"]),
            required=f["required"],
            max_length=f["max_length"],
            choices=tuple((k, v) for k, v in f["choices"]),
            hint=f["hint"],
        )
        for f in data["fields"]
    )
    return Form(data["form_id"], data["title"], fields, data["submit_label"], data["context"])
