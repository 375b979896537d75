"""Pure translation between Discord payloads and core events and replies. No network, no client.

Incoming: raw gateway payloads (``MESSAGE_CREATE``, and ``INTERACTION_CREATE`` of type 2 application command,
3 component, 5 modal submit) become core events. Outgoing: a core reply becomes the keyword arguments discord.py
sends (content, embed, view, allowed mentions, file), and the page of a core form the core asks for (at most five
inputs) becomes a modal's inputs. Custom ids are made and read in :mod:`adapters.discord.custom_ids`.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import discord

from adapters.discord.custom_ids import button_custom_id, pressed
from adapters.discord.tokens import discord_person, discord_time
from bot import usertext, when
from bot.events import Action, Button, FieldKind, Form, FormField, FormPage, Message, Origin, Reply, Visibility

__all__ = [
    "DEFAULT_FILE_LIMIT",
    "MESSAGES_MAX",
    "MODAL_LIMIT",
    "CoreButton",
    "button_style",
    "buttons_view",
    "command_text",
    "component_to_core",
    "message_to_core",
    "modal_values",
    "nonce_for",
    "origin_of",
    "page_title",
    "reply_kwargs",
    "reply_messages",
    "safe_text",
    "text_input",
]

MODAL_LIMIT = 5  # Discord shows at most five inputs in one modal: the form_page_size of interactions
# Discord's limits: https://discord.com/developers/docs/resources/message#create-message (content),
# .../resources/message#embed-object-embed-limits, .../components/reference#button, .../components/reference#label
_LABEL_MAX = 45
_CONTENT_MAX = 2000
_EMBED_MAX = 4096
_EMBEDS_TOTAL = 6000
_BUTTONS_MAX = 25  # five action rows of five
_BUTTON_LABEL_MAX = 80
MESSAGES_MAX = 5  # a long answer continues in at most this many messages, then it is trimmed
# discord.py's default upload limit for a server without boosts and for DMs; interactions carry their own.
DEFAULT_FILE_LIMIT = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
_TRIMMED = "\n… (trimmed: the full text is too long for Discord)"
_TOO_LARGE = "{name} is too large to attach here ({size}; Discord takes at most {limit}). Ask for a smaller export."
_MENTION = re.compile(r"<@!?(\d+)>")
# @everyone / @here typed by users: a zero-width space keeps them from reading as mentions even if a client ignored
# allowed_mentions; allowed_mentions (nothing may ping) is the real guard.
_MASS_MENTION = re.compile(r"@(everyone|here)")
NO_PINGS = discord.AllowedMentions.none()
_MASKED_LINK = re.compile(r"\[([^\[\]\n]*)\]\(\s*<?([^\s()<>]+)>?(?:\s+\"[^\"\n]*\")?\s*\)")
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _printable(text: str) -> str:
    """Without control characters or bidirectional overrides, and with lone surrogates (unsendable) as ``?``."""
    return _INVISIBLE.sub("", text.encode("utf-8", "replace").decode("utf-8"))


def safe_text(text: str) -> str:
    """Text that may come from users, made safe to show: no ``@everyone``/``@here``, no masked links.

    A Markdown link ``[text](url)`` shows its real address (``text (<url>)``), so a link cannot pose as another;
    control characters and bidirectional overrides are dropped, and lone surrogates (which cannot be encoded to
    send) become ``?``. The core's time tokens (:mod:`bot.when`) become Discord timestamps, its person tokens
    mentions.
    """
    text = _MASKED_LINK.sub(lambda m: f"{m.group(1)} (<{m.group(2)}>)", _printable(text))
    text = text.replace("](", "]\u200b(")  # whatever link syntax is left cannot form a masked link
    return when.render(_MASS_MENTION.sub("@\u200b\\1", text), discord_time, discord_person)


def origin_of(
    payload: Mapping[str, Any], role_names: Iterable[str] = (), *, modals: bool, guilds: Iterable[str] = ()
) -> Origin:
    """Who and where for an interaction or message payload.

    ``role_names`` are the names of the member's roles (payloads carry only role ids; the guild cache has names).
    Both ids and names become platform roles, so settings may map either, but only in one of ``guilds`` (the
    configured server ids): a role held in any other server the bot is in counts for nothing, whatever its name.
    ``payload["thread"]`` (``{"id", "parent_id"}``, the adapter adds it) makes the thread the origin's thread.
    """
    member = payload.get("member") or {}
    user = member.get("user") or payload.get("user") or payload.get("author") or {}
    is_dm = payload.get("guild_id") is None
    roles: frozenset[str] = frozenset()
    if not is_dm and str(payload.get("guild_id")) in {str(g) for g in guilds}:
        roles = frozenset(str(r) for r in member.get("roles", [])) | frozenset(role_names)
    name = member.get("nick") or user.get("global_name") or user.get("username") or ""
    guild = str(payload.get("guild_id") or "")
    thread = payload.get("thread") or {}
    return Origin(
        "discord",
        str(payload.get("channel_id") or (payload.get("channel") or {}).get("id", "")),
        str(user.get("id", "")),
        user_name=str(name),
        thread=str(thread["id"]) if thread.get("id") else None,  # a thread is a channel: the same id
        is_dm=is_dm,
        platform_roles=roles,
        form_page_size=MODAL_LIMIT if modals else 0,
        site=f"https://discord.com/channels/{guild}" if guild.isdigit() else "",
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
    return usertext.clean(" ".join(w for w in words if w))


def message_to_core(
    payload: Mapping[str, Any],
    bot_id: str,
    role_names: Iterable[str] = (),
    help_channels: Iterable[str] = (),
    guilds: Iterable[str] = (),
) -> Message | None:
    """A ``MESSAGE_CREATE`` as a core message, or None when the bot should stay quiet.

    The bot hears direct messages, messages that mention it, messages in threads (it may be following one), and
    new messages in the watched ``help_channels`` (text channels, or forums whose posts are threads). Without the
    message-content intent Discord sends guild messages that do not mention the bot with no text, and those are
    dropped here. ``payload["thread"]`` (the adapter adds it) is ``{"id", "parent_id"}`` for a message in a thread:
    its origin's channel and thread are then the thread, and a forum post's first message (whose id is the
    thread's) starts it. It ignores bots, webhooks, itself, and system messages. A form started from a server
    channel is not asked there (its origin takes modal pages, so the core does not start it step by step): the
    adapter moves it somewhere private instead.
    """
    author = payload.get("author") or {}
    # A webhook's post is marked by its webhook_id (Discord does not promise author.bot on it): never a question.
    if author.get("bot") or payload.get("webhook_id") or str(author.get("id")) == bot_id:
        return None
    if payload.get("type", 0) not in (0, 19):
        return None
    mentioned = any(str(m.get("id")) == bot_id for m in payload.get("mentions", []))
    is_dm = payload.get("guild_id") is None
    thread = payload.get("thread") or {}
    channel = str(payload.get("channel_id"))
    parent = str(thread["parent_id"]) if thread.get("parent_id") else None
    watched = {str(c) for c in help_channels}
    if not (is_dm or mentioned or thread or channel in watched):
        return None
    content = usertext.clean(str(payload.get("content") or ""))
    text = _MENTION.sub(lambda m: "" if m.group(1) == bot_id else m.group(0), content).strip()
    if not text:
        return None
    origin = origin_of(payload, role_names, modals=not is_dm, guilds=guilds)
    message_id = str(payload.get("id"))
    return Message(
        replace(origin, thread=channel if thread else message_id),
        text,
        is_mention=mentioned,
        delivery_id=f"message:{message_id}",
        starts_thread=not is_dm and (message_id == channel if thread else True),
        parent=parent,
    )


def component_to_core(payload: Mapping[str, Any], role_names: Iterable[str] = ()) -> Action:
    """A button press (interaction type 3) as a core action (see :func:`adapters.discord.custom_ids.pressed`)."""
    key, value = pressed(str((payload.get("data") or {}).get("custom_id", "")))
    return Action(origin_of(payload, role_names, modals=True), key, value)


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
                values[str(item["custom_id"])] = usertext.clean(str(value or ""))
    return values


def page_title(form: Form, page: FormPage) -> str:
    """A modal's title: the form's, with "(n/N)" when it takes more than one page; at most 45 characters."""
    title = form.title if page.pages == 1 else f"{form.title} ({page.page + 1}/{page.pages})"
    return _clip(title, 45)


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


class CoreButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"cb\|(?P<action>[^|]+)\|(?P<value>.*)"):
    """A button whose custom_id is ``cb|action|value``; presses are handled in the adapter's ``on_interaction``.

    Dynamic items are not stored per message, and a press works after a restart.
    """

    def __init__(self, custom_id: str, label: str = "", style: discord.ButtonStyle = discord.ButtonStyle.secondary):
        super().__init__(discord.ui.Button(label=label or None, custom_id=custom_id, style=style))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CoreButton:
        return cls(item.custom_id or "")  # type: ignore[attr-defined]


def buttons_view(buttons: Iterable[Button]) -> discord.ui.View | None:
    """The one place buttons become components: at most 25 (5 rows of 5), each custom_id once, labels clipped."""
    view = discord.ui.View(timeout=None)
    seen: set[str] = set()
    for button in buttons:
        custom_id = button_custom_id(button)
        if custom_id is None or custom_id in seen or len(view.children) == _BUTTONS_MAX:
            continue
        seen.add(custom_id)
        label = _clip(_printable(button.label), _BUTTON_LABEL_MAX) or "…"
        view.add_item(CoreButton(custom_id, label, button_style(button)))
    return view if view.children else None


def reply_messages(reply: Reply, file_limit: int = DEFAULT_FILE_LIMIT) -> list[dict[str, Any]]:
    """What ``send``/``send_message`` gets for a core reply, one dict per Discord message, within Discord's limits.

    Long text continues in further messages (at most :data:`MESSAGES_MAX`, then it is trimmed); buttons go on the
    last message, a file on the first (or a note saying it is too large for ``file_limit`` bytes). Nothing pings.
    """
    text = safe_text(reply.text)
    first: dict[str, Any] = {"allowed_mentions": NO_PINGS}
    if reply.title or reply.link or reply.fields:
        # Titles and field names show no timestamps: their times read in the group's zone.
        # Discord takes only http(s) addresses as an embed's url (50035 URL_TYPE_INVALID_SCHEME otherwise): any
        # other link (mailto:, a relative path in a recipe) is shown in the footer alone.
        url = reply.link if reply.link and reply.link.lower().startswith(("https://", "http://")) else None
        embed = discord.Embed(title=_clip(safe_text(when.plain(reply.title or "")), 256) or None, url=url)
        for label, value in reply.fields[:25]:
            embed.add_field(
                name=_clip(safe_text(when.plain(label)), 256) or "-",
                value=_clip(safe_text(value), 1024) or "-",
                inline=True,
            )
        if reply.link:
            embed.set_footer(text=_clip(reply.link, 2048))
        while len(embed) > _EMBEDS_TOTAL and embed.fields:
            embed.remove_field(-1)  # the 6,000 characters of a message's embeds: fields beyond it are left out
        room = max(0, min(_EMBED_MAX, _EMBEDS_TOTAL - len(embed)))
        description, rest = _split(text, room)
        embed.description = description or None
        first["embed"] = embed
    else:
        description, rest = _split(text, _CONTENT_MAX)
        if description:
            first["content"] = description
    messages = [first]
    while rest and len(messages) < MESSAGES_MAX:
        chunk, rest = _split(rest, _CONTENT_MAX)
        messages.append({"content": chunk, "allowed_mentions": NO_PINGS})
    if rest:
        last = messages[-1]
        last["content"] = _clip(last["content"], _CONTENT_MAX - len(_TRIMMED)) + _TRIMMED
    if reply.attachment is not None:
        data = reply.attachment.payload
        if len(data) <= file_limit:
            first["file"] = discord.File(io.BytesIO(data), filename=reply.attachment.filename)
        else:
            note = _TOO_LARGE.format(name=reply.attachment.filename, size=_mib(len(data)), limit=_mib(file_limit))
            messages.append({"content": note, "allowed_mentions": NO_PINGS})
    view = buttons_view(reply.buttons)
    if view is not None:
        messages[-1]["view"] = view
    if reply.visibility is Visibility.EPHEMERAL:
        for message in messages:
            message["ephemeral"] = True
    return messages


def reply_kwargs(reply: Reply, file_limit: int = DEFAULT_FILE_LIMIT) -> dict[str, Any]:
    """A reply that fits in one Discord message (the first of :func:`reply_messages`, with the buttons)."""
    messages = reply_messages(reply, file_limit)
    kwargs = messages[0]
    if "view" in messages[-1]:
        kwargs["view"] = messages[-1]["view"]
    return kwargs


def nonce_for(key: str, part: int = 0) -> str:
    """Discord's message ``nonce`` (at most 25 characters) for an idempotency key: the same key, the same nonce."""
    return f"{hashlib.sha256(key.encode()).hexdigest()[:21]}-{part}"


def _split(text: str, limit: int) -> tuple[str, str]:
    """``text`` cut to ``limit`` characters at a paragraph, line or word break where there is one; and the rest."""
    if len(text) <= limit:
        return text, ""
    for sep in ("\n\n", "\n", " "):
        cut = text.rfind(sep, 0, limit)
        if cut >= limit // 2:
            return text[:cut], text[cut + len(sep) :]
    return text[:limit], text[limit:]


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def button_style(button: Button) -> discord.ButtonStyle:
    return discord.ButtonStyle.primary if button.primary else discord.ButtonStyle.secondary


def _clip(text: str, limit: int) -> str:
    text = when.plain(text)  # labels and titles: plain text, no timestamps
    return text if len(text) <= limit else text[: limit - 1] + "…"
