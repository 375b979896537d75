"""Pure translation between Slack payloads and core events and replies. No network, no Slack client."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.events import Action, FieldKind, Form, FormSubmission, Message, Origin, Reply

__all__ = [
    "COMMANDS",
    "action_to_core",
    "escape",
    "event_to_core",
    "form_to_view",
    "reply_blocks",
    "slash_to_core",
    "to_mrkdwn",
    "view_to_core",
]

# Slash commands the adapter handles, and the core command each one starts with.
COMMANDS = {"/ask": "ask", "/checkin": "checkin", "/consult": "consult", "/leads": "leads", "/communitybot": ""}
_MENTION = re.compile(r"<@[A-Z0-9]+>")
_SECTION_LIMIT = 2900
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s|]+)\)")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")  # Slack's section text limit is 3000 characters


def escape(text: str) -> str:
    """Escape user text for mrkdwn, so ``<!channel>`` or ``<@U1>`` typed by a user is shown, never executed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _origin(platform_user: str, channel: str, *, thread: str | None, is_dm: bool, modals: bool) -> Origin:
    return Origin("slack", channel, platform_user, thread=thread, is_dm=is_dm, supports_modals=modals)


def event_to_core(body: Mapping[str, Any], bot_user_id: str | None) -> Message | None:
    """An Events API callback (app_mention, or message in a DM) as a core message; None for what to ignore."""
    event = body.get("event", {})
    if event.get("bot_id") or event.get("subtype") or not event.get("user") or event.get("user") == bot_user_id:
        return None  # the bot's own messages, other bots, edits and joins
    kind = event.get("type")
    is_dm = event.get("channel_type") == "im"
    if kind == "message" and not is_dm:
        return None
    if kind not in {"app_mention", "message"}:
        return None
    text = _MENTION.sub("", event.get("text", "")).strip()
    thread = event.get("thread_ts") or event.get("ts")
    origin = _origin(event["user"], event["channel"], thread=thread, is_dm=is_dm, modals=False)
    return Message(origin, text, is_mention=kind == "app_mention")


def slash_to_core(body: Mapping[str, Any]) -> Message:
    """A slash command as a core message (``/ask how long`` becomes ``ask how long``)."""
    prefix = COMMANDS.get(body.get("command", ""), "")
    text = f"{prefix} {body.get('text', '')}".strip() or "help"
    is_dm = str(body.get("channel_id", "")).startswith("D")
    origin = _origin(body["user_id"], body["channel_id"], thread=None, is_dm=is_dm, modals=True)
    return Message(origin, text, is_mention=True)


def action_to_core(body: Mapping[str, Any]) -> Action:
    """A block_actions button press as a core action."""
    action = body["actions"][0]
    channel = (body.get("channel") or {}).get("id") or body["user"]["id"]
    message = body.get("container", {})
    thread = message.get("thread_ts") or message.get("message_ts")
    origin = _origin(body["user"]["id"], channel, thread=thread, is_dm=channel.startswith("D"), modals=True)
    return Action(origin, action["action_id"].split("|", 1)[0], action.get("value", ""))


def view_to_core(body: Mapping[str, Any]) -> FormSubmission:
    """A modal's view_submission as a core form submission (values by field name)."""
    view = body["view"]
    meta = json.loads(view.get("private_metadata") or "{}")
    values: dict[str, str] = {}
    for field_name, actions in view.get("state", {}).get("values", {}).items():
        for state in actions.values():
            if state.get("type") == "static_select":
                values[field_name] = ((state.get("selected_option") or {}).get("value")) or ""
            else:
                values[field_name] = state.get("value") or ""
    origin = _origin(body["user"]["id"], meta.get("channel", body["user"]["id"]), thread=None, is_dm=False, modals=True)
    return FormSubmission(origin, meta.get("form_id", view.get("callback_id", "")), values, meta.get("context", ""))


def to_mrkdwn(text: str) -> str:
    """Markdown as Slack mrkdwn, everything escaped first so no text can become a mention or a special command."""
    text = escape(text)
    text = _MD_LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
    return _MD_BOLD.sub(r"*\1*", text)


def reply_blocks(reply: Reply) -> list[Block]:
    """A reply as Block Kit: header, escaped text, fields, a "Read more" link and buttons."""
    blocks: list[Block] = []
    if reply.title:
        blocks.append(HeaderBlock(text=PlainTextObject(text=reply.title[:150])))
    text = to_mrkdwn(reply.text)
    if reply.fields:
        text += "\n" + "\n".join(f"*{name}:* {escape(value)}" for name, value in reply.fields)
    for start in range(0, len(text), _SECTION_LIMIT):
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text[start : start + _SECTION_LIMIT])))
    if reply.link:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"<{reply.link}|Read more>")]))
    if reply.buttons:
        elements = [
            ButtonElement(text=b.label[:75], action_id=f"{b.action_id}|{n}", value=b.value[:2000] or "-")
            for n, b in enumerate(reply.buttons[:25])
        ]
        blocks.append(ActionsBlock(elements=elements))
    return blocks


def form_to_view(form: Form, channel: str) -> dict[str, Any]:
    """A form as a modal view; the channel and context travel in private_metadata."""
    blocks: list[Block] = []
    for spec in form.fields:
        element: Any
        if spec.kind is FieldKind.CHOICE:
            element = StaticSelectElement(
                action_id="value", options=[Option(value=k, label=v) for k, v in spec.choices]
            )
        elif spec.kind is FieldKind.CONSENT:
            element = StaticSelectElement(action_id="value", options=[Option(value="yes", label="Yes, I agree")])
        else:
            element = PlainTextInputElement(
                action_id="value", multiline=spec.kind is FieldKind.LONG_TEXT, max_length=spec.max_length
            )
        hint = PlainTextObject(text=spec.hint) if spec.hint else None
        blocks.append(
            InputBlock(
                block_id=spec.name,
                label=spec.label[:2000],
                element=element,
                optional=not spec.required and spec.kind is not FieldKind.CONSENT,
                hint=hint,
            )
        )
    meta = json.dumps({"form_id": form.form_id, "context": form.context, "channel": channel})
    return {
        "type": "modal",
        "callback_id": form.form_id.split(":", 1)[0],
        "title": {"type": "plain_text", "text": form.title[:24]},
        "submit": {"type": "plain_text", "text": form.submit_label[:24]},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": meta,
        "blocks": [b.to_dict() for b in blocks],
    }
