"""Pure translation between Slack payloads and core events and replies. No network, no Slack client."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
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

from bot import usertext, when
from bot.events import (
    BOT_AUTHOR,
    REACT_ACTION,
    Action,
    FieldKind,
    Form,
    FormField,
    FormPage,
    FormSubmission,
    Message,
    Origin,
    Reply,
)

__all__ = [
    "CATCH_ALL",
    "action_to_core",
    "clean",
    "escape",
    "event_to_core",
    "form_to_view",
    "notification_text",
    "reaction_to_core",
    "reply_blocks",
    "slack_time",
    "slash_to_core",
    "split_text",
    "to_mrkdwn",
    "view_to_core",
]

# The app's own slash command takes any command line (``/communitybot leads list``); every other one (``/ask``,
# ``/checkin``) is the core command of the same name, as the registry lists them in the manifest.
CATCH_ALL = "/communitybot"

# Slack's limits (the strict stand-in in tests/adapters/slack_standin.py cites the page of each).
SECTION_LIMIT = 3000  # section text
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
MAX_BUTTONS = 25
MAX_BLOCKS = 50  # in a message; 100 in a modal or the Home tab
MAX_VIEW_BLOCKS = 100
MODAL_FIELDS = MAX_VIEW_BLOCKS  # fields one modal shows: the form_page_size of Slack origins that can open one
VIEW_TITLE_LIMIT = 24
OPTION_TEXT_LIMIT = 75
MAX_OPTIONS = 100
# Slack refuses messages whose blocks hold more than about 12,000 characters of text in all ("msg_blocks_too_long";
# not documented: slackapi/bolt-js#2509 and #2867), so the text of one message's blocks (header, body, link and
# button labels) is kept within BLOCKS_TEXT_LIMIT, and its body within BODY_LIMIT.
BLOCKS_TEXT_LIMIT = 12_000
BODY_LIMIT = 11_000
NOTIFICATION_LIMIT = 300  # the top-level text: what notifications and screen readers show

_TRIMMED = "\n\n_(trimmed: the rest did not fit in one Slack message)_"
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s|<>]+)\)")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MD_MARKS = re.compile(r"(\*\*|__|`)")
# Lone surrogates cannot be encoded; NUL and bidirectional overrides can disguise text. None of them is sent.
_UNSENDABLE = re.compile("[\x00\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Plain text safe to send: NUL, lone surrogates and direction overrides replaced by U+FFFD; times (which plain
    text cannot localize) in the group's zone."""
    return when.plain(_UNSENDABLE.sub("\ufffd", text))


def slack_time(moment: when.Moment) -> str:
    """A time token as Slack's date syntax: each reader sees it in their own zone; the fallback is the group's."""
    fallback = when.local(moment.instant, moment.zone, date_only=moment.date_only)
    shown = "{date_long}" if moment.date_only else "{date_short_pretty} {time}"
    return f"<!date^{moment.timestamp}^{shown}|{fallback}>"


def slack_person(platform: str, user: str) -> str:
    """A person token as a Slack mention (shown as the member's name), or ``platform:id`` for another platform's."""
    return f"<@{user}>" if platform == "slack" else f"{platform}:{user}"


def escape(text: str) -> str:
    """Escape user text for mrkdwn, so ``<!channel>`` or ``<@U1>`` typed by a user is shown, never executed.

    The core's time and person tokens (:mod:`bot.when`) become Slack dates and mentions after escaping, so they
    alone stay live.
    """
    escaped = _UNSENDABLE.sub("\ufffd", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return when.render(escaped, slack_time, slack_person)


def notification_text(reply: Reply) -> str:
    """The top-level ``text`` of a message (notifications, screen readers): plain, escaped, short.

    Markdown marks are dropped and links written out, so nothing in it can ping, link or format.
    """
    text = when.plain(reply.title or reply.text or "").strip()
    text = _MD_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _MD_MARKS.sub("", text)
    text = " ".join(text.split())
    if len(text) > NOTIFICATION_LIMIT:
        text = text[: NOTIFICATION_LIMIT - 1].rstrip() + "…"
    return escape(text) or "(message)"


_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
# Message subtypes that are a person saying something: a plain message, one with files attached, and a thread reply
# also sent to the channel (https://api.slack.com/events/message/file_share, .../message/thread_broadcast).
_SAID = frozenset({None, "file_share", "thread_broadcast"})


def _origin(platform_user: str, channel: str, *, thread: str | None, is_dm: bool, modals: bool) -> Origin:
    size = MODAL_FIELDS if modals else 0
    return Origin("slack", channel, platform_user, thread=thread, is_dm=is_dm, form_page_size=size)


def _trigger(body: Mapping[str, Any]) -> str | None:
    """The delivery id of a slash command or interaction: its ``trigger_id`` (a replayed request repeats it)."""
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}" if isinstance(trigger, str) and trigger else None


def event_to_core(
    body: Mapping[str, Any], bot_user_id: str | None, watched: frozenset[str] = frozenset()
) -> Message | None:
    """An Events API callback as a core message; None for what to ignore.

    ``app_mention`` and ``message`` in a DM are for the bot. A ``message`` in a channel (``message.channels``,
    ``message.groups``) goes to the core when it is in a thread (the bot may follow it) or at the top of one of the
    ``watched`` help channels; one that mentions the bot is left to its ``app_mention``, which Slack sends too.
    """
    event = body.get("event", {})
    if (
        event.get("bot_id")
        or event.get("subtype") not in _SAID
        or not event.get("user")
        or event.get("user") == bot_user_id
    ):
        return None  # the bot's own messages, other bots, edits, deletions and joins
    kind = event.get("type")
    is_dm = event.get("channel_type") == "im"
    if kind not in {"app_mention", "message"}:
        return None
    raw = usertext.clean(event.get("text") or "")
    thread_ts, ts = event.get("thread_ts"), event.get("ts")
    if kind == "message" and not is_dm:
        mentioned = bool(bot_user_id) and f"<@{bot_user_id}" in raw
        if event.get("channel_type") not in ("channel", "group") or mentioned:
            return None
        if thread_ts in (None, ts) and event.get("channel") not in watched:
            return None  # a channel's own conversation, not the bot's business
    text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", "", raw) if bot_user_id else raw
    text = text.strip()
    if not text and event.get("subtype") == "file_share":
        return None  # a file with no words: nothing to answer, and no answer to a form's pending question
    # In a channel a form must not be filled in by typing answers where everyone reads them: the adapter offers a
    # button that opens it as a modal. In the bot's DM it is asked step by step, privately.
    origin = _origin(event["user"], event["channel"], thread=thread_ts or ts, is_dm=is_dm, modals=not is_dm)
    return Message(
        origin,
        text,
        is_mention=kind == "app_mention",
        delivery_id=body.get("event_id") or None,
        starts_thread=not is_dm and thread_ts in (None, ts),
    )


def reaction_to_core(body: Mapping[str, Any], bot_user_id: str | None, thread: str) -> Action:
    """A ``reaction_added`` on a message in ``thread`` (looked up by the adapter) as the core's ``threads:react``
    action: its value is the reaction's name and the author of the message (``@bot`` for the bot's own)."""
    event = body["event"]
    author = str(event.get("item_user") or "")
    author = BOT_AUTHOR if author and author == bot_user_id else author
    origin = _origin(event["user"], event["item"]["channel"], thread=thread, is_dm=False, modals=True)
    value = f"{event.get('reaction', '')} {author}".strip()
    return Action(origin, REACT_ACTION, value, delivery_id=body.get("event_id") or None)


def slash_to_core(body: Mapping[str, Any]) -> Message:
    """A slash command as a core message (``/ask how long`` becomes ``ask how long``)."""
    command = str(body.get("command", ""))
    prefix = "" if command == CATCH_ALL else command.removeprefix("/")
    text = f"{prefix} {usertext.clean(body.get('text', ''))}".strip() or "help"
    is_dm = str(body.get("channel_id", "")).startswith("D")
    origin = _origin(body["user_id"], body["channel_id"], thread=None, is_dm=is_dm, modals=True)
    return Message(origin, text, is_mention=True, delivery_id=_trigger(body))


def action_to_core(body: Mapping[str, Any]) -> Action:
    """A block_actions button press as a core action."""
    action = body["actions"][0]
    channel = (body.get("channel") or {}).get("id") or body["user"]["id"]
    message = body.get("container", {})
    thread = message.get("thread_ts") or message.get("message_ts")
    origin = _origin(body["user"]["id"], channel, thread=thread, is_dm=channel.startswith("D"), modals=True)
    domain = str((body.get("team") or {}).get("domain") or "")
    if _DOMAIN.fullmatch(domain):  # the workspace's address, for links to its threads
        origin = replace(origin, site=f"https://{domain}.slack.com")
    return Action(origin, action["action_id"].split("|", 1)[0], action.get("value", ""), delivery_id=_trigger(body))


def _metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    """What :func:`form_to_view` put in a modal's private_metadata; nothing when it holds something else (a modal
    opened by an older version of the bot: its submission then reaches the core, which says the form is gone)."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def view_to_core(body: Mapping[str, Any]) -> FormSubmission:
    """A modal's view_submission as a core form submission (values by field name); with no channel in its
    metadata, the answer goes to the user by direct message."""
    view = body["view"]
    meta = _metadata(view)
    values: dict[str, str] = {}
    for field_name, actions in view.get("state", {}).get("values", {}).items():
        for state in actions.values():
            if state.get("type") == "static_select":
                values[field_name] = ((state.get("selected_option") or {}).get("value")) or ""
            else:
                values[field_name] = usertext.clean(state.get("value") or "")
    user = body["user"]["id"]
    channel = str(meta.get("channel") or user)
    origin = _origin(user, channel, thread=None, is_dm=channel == user, modals=True)
    form_id = meta.get("form_id", view.get("callback_id", ""))
    draft, page = str(meta.get("draft", "")), int(meta.get("page", 0))
    return FormSubmission(
        origin, form_id, values, meta.get("context", ""), delivery_id=_trigger(body), draft=draft, page=page
    )


def to_mrkdwn(text: str) -> str:
    """Markdown as Slack mrkdwn, everything escaped first so no text can become a mention or a special command.

    A Markdown link is written as its label followed by the address, never as a masked link: the text may come
    from a user, and a label must not hide where a link goes.
    """
    text = escape(text)
    text = _MD_LINK.sub(
        lambda m: f"<{m.group(2)}>" if m.group(1) == m.group(2) else f"{m.group(1)} (<{m.group(2)}>)", text
    )
    return _MD_BOLD.sub(r"*\1*", text)


def _safe_cut(text: str, limit: int) -> int:
    """Where to cut ``text`` at or before ``limit``: a line break or space, never inside ``<...>`` or ``&...;``."""
    cut = text.rfind("\n", 0, limit + 1)
    if cut < limit // 2:
        cut = text.rfind(" ", 0, limit + 1)
    if cut < limit // 2:
        cut = limit
    opening = text.rfind("<", 0, cut)
    if opening > 0 and text.find(">", opening, cut) == -1:
        cut = opening
    amp = text.rfind("&", max(0, cut - 6), cut)
    if amp > 0 and text.find(";", amp, cut) == -1:
        cut = amp
    return cut


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at line breaks or spaces where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = _safe_cut(text, limit)
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n ")
    pieces.append(text)
    return [p for p in pieces if p.strip()]


def _body(reply: Reply, limit: int) -> str:
    text = to_mrkdwn(reply.text)
    if reply.fields:
        text += "\n" + "\n".join(f"*{escape(name)}:* {escape(value)}" for name, value in reply.fields)
    if len(text) > limit:
        text = text[: _safe_cut(text, limit - len(_TRIMMED))].rstrip() + _TRIMMED
    return text


def reply_blocks(reply: Reply) -> list[Block]:
    """A reply as Block Kit within Slack's limits: header, escaped text, fields, a "Read more" link and buttons."""
    header = clean(reply.title.strip())[:HEADER_LIMIT] if reply.title and reply.title.strip() else ""
    link = f"<{escape(reply.link)}|Read more>" if reply.link else ""
    buttons = [
        ButtonElement(
            text=clean(b.label)[:BUTTON_TEXT_LIMIT] or "-",
            action_id=f"{b.action_id}|{n}",
            value=b.value[:BUTTON_VALUE_LIMIT] or "-",
        )
        for n, b in enumerate(reply.buttons)
    ]
    around = len(header) + len(link) + sum(len(b.text.text) for b in buttons if b.text is not None)
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=header))] if header else []
    budget = max(min(BODY_LIMIT, BLOCKS_TEXT_LIMIT - around), 2 * len(_TRIMMED))  # a huge link: still a body
    for piece in split_text(_body(reply, budget), SECTION_LIMIT):
        blocks.append(SectionBlock(text=MarkdownTextObject(text=piece)))
    if link:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=link)]))
    for start in range(0, len(buttons), MAX_BUTTONS):
        blocks.append(ActionsBlock(elements=buttons[start : start + MAX_BUTTONS]))
    return blocks[:MAX_BLOCKS]


def _element(spec: FormField, value: str = "") -> Any:
    """The input for ``spec``, showing ``value`` (an answer given before, when the core reopens a form)."""
    if spec.kind in (FieldKind.CHOICE, FieldKind.CONSENT):
        choices = spec.choices[:MAX_OPTIONS] if spec.kind is FieldKind.CHOICE else (("yes", "Yes, I agree"),)
        options = [Option(value=k[:150], label=clean(v)[:OPTION_TEXT_LIMIT]) for k, v in choices]
        chosen = next((o for o in options if value and o.value == value), None)
        return StaticSelectElement(action_id="value", options=options, initial_option=chosen)
    return PlainTextInputElement(
        action_id="value",
        multiline=spec.kind is FieldKind.LONG_TEXT,
        max_length=min(spec.max_length, 3000),
        initial_value=value[: min(spec.max_length, 3000)] or None,
    )


def form_to_view(form: Form, channel: str, page: FormPage | None = None) -> dict[str, Any]:
    """A form (the fields of ``page``, when given) as a modal view; the channel, context and the core's draft token
    travel in private_metadata."""
    blocks: list[Block] = []
    fields = form.fields[page.start : page.stop] if page is not None else form.fields
    values = page.values if page is not None else {}
    for spec in fields[:MAX_VIEW_BLOCKS]:
        hint = PlainTextObject(text=clean(spec.hint)[:2000]) if spec.hint else None
        blocks.append(
            InputBlock(
                block_id=spec.name,
                label=PlainTextObject(text=clean(spec.label)[:2000]),
                element=_element(spec, values.get(spec.name, "")),
                optional=not spec.required and spec.kind is not FieldKind.CONSENT,
                hint=hint,
            )
        )
    data: dict[str, Any] = {"form_id": form.form_id, "context": form.context, "channel": channel}
    if page is not None:
        data |= {"draft": page.token, "page": page.page}
    meta = json.dumps(data)
    return {
        "type": "modal",
        "callback_id": form.form_id.split(":", 1)[0],
        "title": {"type": "plain_text", "text": clean(form.title)[:VIEW_TITLE_LIMIT]},
        "submit": {"type": "plain_text", "text": clean(form.submit_label)[:VIEW_TITLE_LIMIT]},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": meta,
        "blocks": [b.to_dict() for b in blocks],
    }
