"""Scheduled replies survive the trip through the outbox's JSON text unchanged."""

from __future__ import annotations

import json

import pytest

from bot.events import Attachment, Button, FieldKind, Form, FormField, Reply, Visibility
from bot.outbox_codec import decode, encode, to_outgoing, with_keys

FULL = Reply(
    "Your check-in is open",
    title="Check-in: Maps Circle",
    link="https://example.org/maps",
    buttons=(Button("Answer", "checkin:answer", "7"), Button("Skip", "checkin:skip")),
    form=Form(
        "checkin",
        "Weekly check-in",
        (
            FormField("mood", "How was it?", FieldKind.CHOICE, choices=(("good", "Good"), ("bad", "Bad"))),
            FormField("notes", "Notes", FieldKind.LONG_TEXT, required=False, max_length=1000, hint="optional"),
        ),
        submit_label="Send",
        context="group:7",
    ),
    visibility=Visibility.DM,
    in_thread=True,
    channel="maps",
    platform="discord",
    user="U1",
    attachment=Attachment("chart.png", data=b"\x89PNG\r\n\x1a\n\x00\xff", content_type="image/png"),
    fields=(("Group", "Maps Circle"), ("Week", "3")),
    form_errors=(("mood", "Pick one"),),
    key="s:abc",
)


def test_every_field_of_a_reply_comes_back_equal() -> None:
    """Buttons, form, enums, binary attachment and pairs all decode to the reply that was encoded."""
    assert decode(encode(FULL)) == FULL
    text_file = Reply("Export", attachment=Attachment("leads.csv", content="a,b\n1,2\n"), key="k")
    assert decode(encode(text_file)) == text_file


def test_the_payload_is_json_with_binary_data_in_base64() -> None:
    """Rows stored before the codec moved to the core keep decoding: the JSON shape is the reply's fields."""
    data = json.loads(encode(FULL))
    assert data["visibility"] == "dm" and data["attachment"]["data"] == {"base64": "iVBORw0KGgoA/w=="}
    skip = {"label": "Skip", "action_id": "checkin:skip", "value": "", "primary": False, "typed": ""}
    assert data["buttons"][1] == skip
    del data["buttons"][1]["primary"], data["buttons"][1]["typed"]  # a row stored before buttons had them
    assert decode(json.dumps(data)) == FULL


def test_keys_are_added_only_where_missing_and_required_to_store() -> None:
    """A reply without a key gets a fresh one; one with a key keeps it; an unkeyed reply is not stored."""
    kept, fresh, other = with_keys([Reply("a", key="mine"), Reply("b"), Reply("c")])
    assert kept.key == "mine" and fresh.key is not None and fresh.key.startswith("s:")
    assert fresh.key != other.key
    assert to_outgoing(fresh).key == fresh.key and decode(to_outgoing(fresh).payload) == fresh
    with pytest.raises(ValueError):
        to_outgoing(Reply("no key"))
