"""Pure translation between Discord payloads and core events and replies. No network, no client.

Incoming: raw gateway payloads (``MESSAGE_CREATE``, and ``INTERACTION_CREATE`` of type 2 application command,
3 component, 5 modal submit) become core events. Outgoing: a core reply becomes the keyword arguments discord.py
sends (content, embed, view, allowed mentions, file), and a core form becomes one or more modals of at most five
inputs each.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import discord

from bot.events import Action, Button, FieldKind, Form, FormField, Message, Origin, Reply, Visibility

__all__ = [
    "BUTTON_PREFIX",
    "MODAL_LIMIT",
    "ModalStep",
    "button_custom_id",
    "button_style",
    "command_text",
    "component_to_core",
    "form_steps",
    "message_to_core",
    "modal_values",
    "origin_of",
    "parse_button",
    "reply_kwargs",
    "safe_text",
    "text_input",
]

BUTTON_PREFIX = "cb"  # custom_id = "cb|<action_id>|<value>": everything a press needs, so buttons outlive restarts
MODAL_LIMIT = 5  # Discord shows at most five inputs in one modal
_CUSTOM_ID_MAX = 100
_LABEL_MAX = 45
_CONTENT_MAX = 2000
_EMBED_MAX = 4096
_MENTION = re.compile(r"<@!?(\d+)>")
# @everyone / @here typed by users: a zero-width space keeps them from reading as mentions even if a client ignored
# allowed_mentions; allowed_mentions (nothing may ping) is the real guard.
_MASS_MENTION = re.compile(r"@(everyone|here)")
NO_PINGS = discord.AllowedMentions.none()


def safe_text(text: str) -> str:
    """Neutralise ``@everyone`` and ``@here`` in text that may come from users."""
    return _MASS_MENTION.sub("@\u200b\\1", text)


def origin_of(payload: Mapping[str, Any], role_names: Iterable[str] = (), *, modals: bool) -> Origin:
    """Who and where for an interaction or message payload.

    ``role_names`` are the names of the member's roles (payloads carry only role ids; the guild cache has names).
    Both ids and names become platform roles, so settings may map either.
    """
    member = payload.get("member") or {}
    user = member.get("user") or payload.get("user") or payload.get("author") or {}
    is_dm = payload.get("guild_id") is None
    roles = frozenset(str(r) for r in member.get("roles", [])) | frozenset(role_names)
    name = member.get("nick") or user.get("global_name") or user.get("username") or ""
    return Origin(
        "discord",
        str(payload.get("channel_id") or (payload.get("channel") or {}).get("id", "")),
        str(user.get("id", "")),
        user_name=str(name),
        is_dm=is_dm,
        platform_roles=roles,
        supports_modals=modals,
    )


def command_text(data: Mapping[str, Any]) -> str:
    """An application command as core text: ``/checkin join args:Tue readers`` is ``checkin join Tue readers``."""
    words = [str(data.get("name", ""))]
    options = list(data.get("options") or [])
    while options:
        option = options.pop(0)
        if option.get("type") in (1, 2):  # subcommand or subcommand group: descend
            words.append(str(option["name"]))
            options = list(option.get("options") or [])
            continue
        value = option.get("value")
        if value is not None and str(value).strip():
            words.append(str(value).strip())
    return " ".join(w for w in words if w)


def message_to_core(
    payload: Mapping[str, Any],
    bot_id: str,
    role_names: Iterable[str] = (),
    help_channels: Iterable[str] = (),
) -> Message | None:
    """A ``MESSAGE_CREATE`` as a core message, or None when the bot should stay quiet.

    The bot answers direct messages, messages that mention it, and (with the message-content intent) messages in
    help channels. It ignores bots, itself, and system messages.
    """
    author = payload.get("author") or {}
    if author.get("bot") or str(author.get("id")) == bot_id or payload.get("type", 0) not in (0, 19):
        return None
    mentioned = any(str(m.get("id")) == bot_id for m in payload.get("mentions", []))
    is_dm = payload.get("guild_id") is None
    in_help = str(payload.get("channel_id")) in set(help_channels)
    if not (is_dm or mentioned or in_help):
        return None
    text = _MENTION.sub(lambda m: "" if m.group(1) == bot_id else m.group(0), payload.get("content", "")).strip()
    if not text:
        return None
    origin = origin_of(payload, role_names, modals=False)
    return Message(
        Origin(
            origin.platform,
            origin.channel,
            origin.user,
            user_name=origin.user_name,
            thread=str(payload.get("id")),
            is_dm=is_dm,
            platform_roles=origin.platform_roles,
        ),
        text,
        is_mention=mentioned or in_help,
    )


def button_custom_id(button: Button) -> str | None:
    """The custom_id for a core button (action and value, so the press works after a restart).

    None when the value does not fit Discord's 100 characters (a very long recipe id): that button is left out.
    """
    custom_id = f"{BUTTON_PREFIX}|{button.action_id}|{button.value}"
    return custom_id if len(custom_id) <= _CUSTOM_ID_MAX else None


def parse_button(custom_id: str) -> tuple[str, str] | None:
    """``(action_id, value)`` from one of our custom_ids, or None for anything else."""
    parts = custom_id.split("|", 2)
    if len(parts) != 3 or parts[0] != BUTTON_PREFIX or not parts[1]:
        return None
    return parts[1], parts[2]


def component_to_core(payload: Mapping[str, Any], role_names: Iterable[str] = ()) -> Action | None:
    """A button press (interaction type 3) as a core action."""
    parsed = parse_button(str((payload.get("data") or {}).get("custom_id", "")))
    if parsed is None:
        return None
    return Action(origin_of(payload, role_names, modals=True), parsed[0], parsed[1])


def modal_values(data: Mapping[str, Any]) -> dict[str, str]:
    """Field values from a modal submission (interaction type 5): action rows of text inputs, or labels."""
    values: dict[str, str] = {}
    for row in data.get("components", []):
        inner = row.get("components") or ([row["component"]] if "component" in row else [])
        for item in inner:
            if "custom_id" in item:
                value = item.get("value")
                if value is None and item.get("values"):
                    value = item["values"][0]
                values[str(item["custom_id"])] = str(value or "")
    return values


@dataclass(frozen=True)
class ModalStep:
    """One modal of a form: its custom_id, title and at most five fields."""

    custom_id: str
    title: str
    fields: tuple[FormField, ...]
    step: int
    steps: int


def form_steps(form: Form) -> list[ModalStep]:
    """Split a form into modals of at most five inputs (Discord's limit)."""
    chunks = [form.fields[i : i + MODAL_LIMIT] for i in range(0, len(form.fields), MODAL_LIMIT)] or [()]
    out = []
    for step, chunk in enumerate(chunks):
        title = form.title if len(chunks) == 1 else f"{form.title} ({step + 1}/{len(chunks)})"
        out.append(
            ModalStep(f"form|{form.form_id}|{step}"[:_CUSTOM_ID_MAX], _clip(title, 45), chunk, step, len(chunks))
        )
    return out


def text_input(field: FormField, default: str = "") -> discord.ui.Label[Any]:
    """A modal input for a core field: a text box, or a select for choices and consent. The core checks values."""
    label = _clip(field.label, _LABEL_MAX)
    description = field.hint if label == field.label else _clip(f"{field.label} {field.hint}".strip(), 100)
    component: discord.ui.TextInput[Any] | discord.ui.Select[Any]
    if field.kind in (FieldKind.CHOICE, FieldKind.CONSENT):
        choices = field.choices if field.kind is FieldKind.CHOICE else (("yes", "Yes, I agree"), ("no", "No"))
        component = discord.ui.Select(
            custom_id=field.name,
            required=field.required,
            options=[
                discord.SelectOption(label=_clip(text, 100), value=value, default=value == default)
                for value, text in choices[:25]
            ],
        )
    else:
        component = discord.ui.TextInput(
            custom_id=field.name,
            style=discord.TextStyle.paragraph if field.kind is FieldKind.LONG_TEXT else discord.TextStyle.short,
            required=field.required,
            max_length=min(field.max_length, 4000),
            default=default[: min(field.max_length, 4000)] or None,
        )
    return discord.ui.Label(text=label, description=_clip(description, 100) or None, component=component)


def reply_kwargs(reply: Reply, view: discord.ui.View | None = None) -> dict[str, Any]:
    """What ``send``/``send_message`` gets for a core reply: content or an embed, buttons, no pings, a file."""
    kwargs: dict[str, Any] = {"allowed_mentions": NO_PINGS}
    text = safe_text(reply.text)
    if reply.title or reply.link or reply.fields:
        embed = discord.Embed(
            title=_clip(safe_text(reply.title or ""), 256) or None,
            description=_clip(text, _EMBED_MAX),
            url=reply.link,
        )
        for label, value in reply.fields[:25]:
            embed.add_field(name=_clip(label, 256), value=_clip(safe_text(value), 1024) or "-", inline=True)
        if reply.link:
            embed.set_footer(text=_clip(reply.link, 2048))
        kwargs["embed"] = embed
    else:
        kwargs["content"] = _clip(text, _CONTENT_MAX)
    if reply.buttons:
        view = view or discord.ui.View(timeout=None)
        for button in reply.buttons[:25]:
            custom_id = button_custom_id(button)
            if custom_id is not None:
                view.add_item(
                    discord.ui.Button(label=_clip(button.label, 80), custom_id=custom_id, style=button_style(button))
                )
        kwargs["view"] = view
    if reply.attachment is not None:
        kwargs["file"] = discord.File(io.BytesIO(reply.attachment.payload), filename=reply.attachment.filename)
    if reply.visibility is Visibility.EPHEMERAL:
        kwargs["ephemeral"] = True
    return kwargs


_PRIMARY = frozenset({"kb:helpful", "checkin:answer", "consult:open"})


def button_style(button: Button) -> discord.ButtonStyle:
    return discord.ButtonStyle.primary if button.action_id in _PRIMARY else discord.ButtonStyle.secondary


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
