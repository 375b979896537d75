"""What flows through the core: events in, replies out. All frozen, all platform-neutral."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "BOT_AUTHOR",
    "REACT_ACTION",
    "Action",
    "Attachment",
    "Button",
    "Event",
    "FieldKind",
    "Form",
    "FormField",
    "FormPage",
    "FormSubmission",
    "Message",
    "Origin",
    "Reply",
    "Visibility",
]


@dataclass(frozen=True)
class Origin:
    """Who sent an event, where, and what their platform can show.

    Attributes:
        platform: ``console``, ``slack`` or ``discord``.
        channel: the platform's channel id (a DM channel for direct messages).
        user: the platform's user id.
        user_name: a display name, for text only; never used for permissions.
        thread: the thread the event belongs to, if any.
        is_dm: whether the event came in a direct message with the bot.
        platform_roles: role or group names the platform gives the user (Discord roles, Slack user groups).
        form_page_size: how many fields one page of a form may hold where the event came from: 0 asks field by
            field (the console, direct messages), 5 is a Discord modal, 100 a Slack modal.
        site: the web address of the workspace or server, for links to its threads (``https://acme.slack.com``,
            ``https://discord.com/channels/GUILD``); empty when the event does not say.
    """

    platform: str
    channel: str
    user: str
    user_name: str = ""
    thread: str | None = None
    is_dm: bool = False
    platform_roles: frozenset[str] = frozenset()
    form_page_size: int = 0
    site: str = ""

    @property
    def supports_modals(self) -> bool:
        """Whether a form opens here as a modal (in pages) rather than being asked field by field."""
        return self.form_page_size > 0


@dataclass(frozen=True)
class Message:
    """A chat message. ``is_mention`` is true when the bot was addressed by name.

    ``delivery_id`` (on every event) is the platform's id for this delivery (Slack's ``event_id``, Discord's
    interaction id): a second event with the same one is a retry or a replay, and the core drops it.

    In a channel, ``origin.thread`` names the thread the message is in (a Slack thread's ts, or the message's own
    when it starts one; a Discord thread's id, or a top-level message's id). ``starts_thread`` says the message is
    the first of its thread (a top-level channel message, a new forum post); ``parent`` is the channel a Discord
    thread belongs to (a forum or text channel), since there the thread is a channel of its own.
    """

    origin: Origin
    text: str
    is_mention: bool = False
    delivery_id: str | None = None
    starts_thread: bool = False
    parent: str | None = None


@dataclass(frozen=True)
class Action:
    """A button press: ``action_id`` is ``feature:verb``; ``value`` carries what the button needs."""

    origin: Origin
    action_id: str
    value: str = ""
    delivery_id: str | None = None


REACT_ACTION = "threads:react"
"""The action an adapter sends for a reaction in a thread: its value is ``EMOJI AUTHOR``, the reaction and who wrote
the message it is on (:data:`BOT_AUTHOR` for the bot's own)."""
BOT_AUTHOR = "@bot"


@dataclass(frozen=True)
class FormSubmission:
    """A submitted form, or one page of it: raw string values keyed by field name.

    ``draft`` and ``page`` say which half-filled form (kept by the core) and which of its pages was submitted; a
    page's submission may leave ``form_id`` and ``context`` empty, the core knows them.
    """

    origin: Origin
    form_id: str
    values: Mapping[str, str]
    context: str = ""
    delivery_id: str | None = None
    draft: str = ""
    page: int = 0


Event = Message | Action | FormSubmission


class Visibility(Enum):
    """Who sees a reply."""

    PUBLIC = "public"
    EPHEMERAL = "ephemeral"
    DM = "dm"


class FieldKind(Enum):
    """How a form field is entered and checked."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    EMAIL = "email"
    CHOICE = "choice"
    CONSENT = "consent"


@dataclass(frozen=True)
class FormField:
    """One input of a form.

    ``choices`` are ``(value, label)`` pairs for CHOICE fields; CONSENT fields must be answered yes.
    """

    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    max_length: int = 200
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class Form:
    """A form to fill in: a modal where the platform has them, otherwise asked field by field.

    ``context`` is opaque text the handler gets back with the submission (a group id, a lead reference).
    """

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Submit"
    context: str = ""


@dataclass(frozen=True)
class FormPage:
    """Which page of a form to show, as the core keeps it: the fields ``start`` to ``stop`` of the form.

    ``token`` names the half-filled form (the submission of this page carries it back as ``draft``); ``values``
    are the answers given so far, to fill the page in with.
    """

    token: str
    page: int
    pages: int
    start: int
    stop: int
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Button:
    """A button; pressing it produces an :class:`Action` with the same ``action_id`` and ``value``.

    ``primary`` marks the one action a message is for (Answer, Helpful): platforms that can, show it stronger.
    ``typed`` is the command that does the same, for where the button cannot be pressed (the console shows it under
    a post to a channel, such as staff's "Save as recipe": ``kb save 3``).
    """

    label: str
    action_id: str
    value: str = ""
    primary: bool = False
    typed: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply: text ``content`` (a CSV export, say), or binary ``data`` (a PNG chart)."""

    filename: str
    content: str = ""
    data: bytes | None = None
    content_type: str = "text/plain; charset=utf-8"

    @property
    def payload(self) -> bytes:
        """The file's bytes: ``data`` when given, else ``content`` as UTF-8."""
        return self.data if self.data is not None else self.content.encode()


@dataclass(frozen=True)
class Reply:
    """What the bot says back.

    Attributes:
        text: the body, in plain Markdown.
        title: an optional heading.
        link: an optional URL for "read more".
        buttons: buttons shown under the text.
        form: a form to open.
        form_page: with ``form``, the page of it to show (set by the core's form engine for modal platforms).
        visibility: public, ephemeral (only the user sees it) or DM.
        in_thread: answer in the thread of the triggering message.
        channel: post in this channel instead of the origin's (a staff channel, say).
        platform: with ``channel`` or ``user``, the platform to post on (for messages the scheduler sends).
        user: with DM visibility, the user to message instead of the origin's.
        attachment: a file to send with it.
        fields: label and value pairs shown as a small table.
        form_errors: for a rejected modal, the message for each bad field by name, to show on the field.
        key: an idempotency key for a message the scheduler sends (stable across retries of the same message);
            adapters pass it to the platform where it takes one (Discord's message ``nonce``).
        tags: labels for the thread the reply answers, by name, where the platform has them (a Discord forum
            post's tags "Solved", "Needs a human": applied when the forum defines a tag of that name).
    """

    text: str
    title: str | None = None
    link: str | None = None
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    form_page: FormPage | None = None
    visibility: Visibility = Visibility.PUBLIC
    in_thread: bool = False
    channel: str | None = None
    platform: str | None = None
    user: str | None = None
    attachment: Attachment | None = None
    fields: tuple[tuple[str, str], ...] = field(default=())
    form_errors: tuple[tuple[str, str], ...] = field(default=())
    key: str | None = None
    tags: tuple[str, ...] = field(default=())
