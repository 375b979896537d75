"""Forms in the core: :mod:`bot.forms.spec` checks values and serialises forms; :mod:`bot.forms.engine` shows a form
in pages or step by step and keeps the half-filled form in the database."""

from __future__ import annotations

from bot.forms.spec import (
    BACK_WORDS,
    CANCEL_WORDS,
    CONTROL_WORDS,
    EMAIL_PATTERN,
    HELP_WORDS,
    KEEP_WORDS,
    SKIP_WORDS,
    email_address,
    form_from_json,
    form_to_json,
    prompt_for,
    validate_field,
    validate_form,
)

__all__ = [
    "BACK_WORDS",
    "CANCEL_WORDS",
    "CONTROL_WORDS",
    "EMAIL_PATTERN",
    "HELP_WORDS",
    "KEEP_WORDS",
    "SKIP_WORDS",
    "email_address",
    "form_from_json",
    "form_to_json",
    "prompt_for",
    "validate_field",
    "validate_form",
]
