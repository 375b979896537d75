"""Form validation messages and step-by-step filling."""

from __future__ import annotations

import pytest

from bot.errors import FormErrors
from bot.features.leads import consult_form
from bot.forms import form_from_json, form_to_json, validate_field, validate_form

CONSULT_FORM = consult_form("P2PU")


def field(name: str):  # type: ignore[no-untyped-def]
    return next(f for f in CONSULT_FORM.fields if f.name == name)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("email", "ann.example.org", "does not look like an email address"),
        ("email", "", "Email is required"),
        ("name", "x" * 201, "at most 200 characters (got 201)"),
        ("help_kind", "juggling", "choose one of: Facilitator training"),
        ("consent", "no", "answer 'yes' to agree"),
    ],
)
def test_field_errors_name_the_problem(name: str, raw: str, message: str) -> None:
    """Each bad value gets a message naming what is wrong."""
    with pytest.raises(FormErrors) as info:
        validate_field(field(name), raw)
    assert message in info.value.errors[name]


def test_choices_accept_number_label_or_key() -> None:
    """A choice can be picked by its number, its label or its key."""
    spec = field("help_kind")
    assert validate_field(spec, "2") == "course_design"
    assert validate_field(spec, "course design") == "course_design"
    assert validate_field(spec, "research") == "research"


def test_whole_form_reports_every_bad_field() -> None:
    """Validating a whole form lists every bad field at once (for modals)."""
    with pytest.raises(FormErrors) as info:
        validate_form(CONSULT_FORM, {"name": "Ann", "email": "nope"})
    assert {"email", "help_kind", "description", "timeline", "consent"} <= set(info.value.errors)
    assert "organization" not in info.value.errors and "budget" not in info.value.errors  # optional


def test_form_survives_serialisation() -> None:
    """A form stored for a step-by-step conversation comes back identical."""
    assert form_from_json(form_to_json(CONSULT_FORM)) == CONSULT_FORM
