"""Scheduled replies to and from the text the outbox stores: storage keeps payloads as JSON text and knows no
:class:`~bot.events.Reply`.

The JSON is the reply's fields as they are (enums by value, tuples as lists, binary attachment data in base64), so
the payload of a row stored before this module existed decodes the same.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from dataclasses import fields, is_dataclass, replace
from enum import Enum
from typing import Any

from bot.events import Attachment, Button, FieldKind, Form, FormField, Reply, Visibility
from storage.outbox import Outgoing

__all__ = ["decode", "encode", "new_key", "to_outgoing", "with_keys"]


def new_key() -> str:
    """A key for a message its job did not name: short enough for every platform's idempotency field."""
    return "s:" + uuid.uuid4().hex[:20]


def with_keys(replies: Sequence[Reply]) -> list[Reply]:
    """``replies``, each given a new key if it has none."""
    return [reply if reply.key else replace(reply, key=new_key()) for reply in replies]


def encode(reply: Reply) -> str:
    """The reply as JSON text."""
    return json.dumps(_plain(reply))


def decode(payload: str) -> Reply:
    """The reply :func:`encode` made ``payload`` from."""
    return _reply(json.loads(payload))


def to_outgoing(reply: Reply) -> Outgoing:
    """A keyed reply (see :func:`with_keys`) as the outbox stores it."""
    if reply.key is None:
        raise ValueError("only a keyed reply is stored: see with_keys")
    return Outgoing(reply.key, encode(reply))


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):  # an attachment's binary data (a PNG chart)
        return {"base64": base64.b64encode(value).decode("ascii")}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _pairs(items: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((a, b) for a, b in items)


def _form(data: dict[str, Any]) -> Form:
    return Form(
        form_id=data["form_id"],
        title=data["title"],
        fields=tuple(
            FormField(**{**f, "kind": FieldKind(f["kind"]), "choices": _pairs(f["choices"])}) for f in data["fields"]
        ),
        submit_label=data["submit_label"],
        context=data["context"],
    )


def _reply(data: dict[str, Any]) -> Reply:
    return Reply(
        **{
            **data,
            "buttons": tuple(Button(**b) for b in data["buttons"]),
            "form": _form(data["form"]) if data["form"] else None,
            "visibility": Visibility(data["visibility"]),
            "attachment": _attachment(data["attachment"]) if data["attachment"] else None,
            "fields": _pairs(data["fields"]),
            "form_errors": _pairs(data["form_errors"]),
            "tags": tuple(data.get("tags") or ()),
        }
    )


def _attachment(data: dict[str, Any]) -> Attachment:
    binary = data.get("data")
    return Attachment(**{**data, "data": base64.b64decode(binary["base64"]) if binary else None})
