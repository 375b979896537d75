"""Every custom_id the Discord adapter puts on a button or a modal, and the one place they are read.

A custom_id holds all a press or a submission needs (Discord keeps it on the message), so buttons and forms work
after a restart and on any shard: ``cb|<action_id>|<value>`` is a core button, ``form|<draft token>|<page>`` the
page of a form the core keeps. Discord allows 100 characters
(https://discord.com/developers/docs/components/reference#button).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from bot.events import Button, FormPage

__all__ = [
    "BUTTON_PREFIX",
    "PAGE_PREFIX",
    "CustomId",
    "button_custom_id",
    "page_custom_id",
    "parse_custom_id",
    "pressed",
]

BUTTON_PREFIX = "cb"  # custom_id = "cb|<action_id>|<value>": everything a press needs, so buttons outlive restarts
PAGE_PREFIX = "form"  # custom_id = "form|<draft token>|<page>": the page of a form the core keeps
_CUSTOM_ID_MAX = 100


def button_custom_id(button: Button) -> str | None:
    """The custom_id for a core button (action and value, so the press works after a restart).

    None when the value does not fit Discord's 100 characters (a very long recipe id): that button is left out.
    """
    custom_id = f"{BUTTON_PREFIX}|{button.action_id}|{button.value}"
    return custom_id if len(custom_id) <= _CUSTOM_ID_MAX else None


class CustomId(NamedTuple):
    """One of our custom_ids, read: a core button (``key`` its action id, ``value`` its value) or the page of a
    form (``key`` the core's draft token, ``value`` the page number)."""

    kind: Literal["button", "page"]
    key: str
    value: str


def parse_custom_id(custom_id: str) -> CustomId | None:
    """The one place custom_ids are read: a button's or a modal's, or None for anything else."""
    parts = custom_id.split("|", 2)
    if len(parts) != 3 or not parts[1]:
        return None
    if parts[0] == BUTTON_PREFIX:
        return CustomId("button", parts[1], parts[2])
    if parts[0] == PAGE_PREFIX and parts[2].isdigit():
        return CustomId("page", parts[1], parts[2])
    return None


def page_custom_id(page: FormPage) -> str:
    """The custom_id of the modal showing ``page``: the core's draft token and the page, nothing else."""
    return f"{PAGE_PREFIX}|{page.token}|{page.page}"


def pressed(custom_id: str) -> tuple[str, str]:
    """The core action id and value of a pressed button.

    Discord sends a press only to the app whose message holds the button, so a custom_id that is not a core
    button's is one of the bot's from an older version: it goes to the core as the action id, and the core says the
    button no longer does anything (unanswered, Discord would only say "This interaction failed").
    """
    parsed = parse_custom_id(custom_id)
    if parsed is not None and parsed.kind == "button":
        return parsed.key, parsed.value
    return custom_id, ""
