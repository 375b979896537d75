"""What a feature is: a class whose :meth:`Feature.surface` lists everything users can reach in it.

A :class:`Surface` is read first when reading a feature: its commands (with the role each needs and how it appears
as a slash command), the buttons and forms it answers (by the id's prefix before ``:``), the free question handler
and the periodic jobs. The dispatcher checks roles before a handler runs, and the registry
(:mod:`bot.registry`) builds help, Slack's command list and manifest, and Discord's command tree from the surfaces.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

from bot.errors import RecipeError
from bot.events import Action, FormSubmission, Message, Origin, Reply
from bot.metrics import Metrics
from bot.permissions import Role
from bot.routing import Channels
from bot.scheduler import Job
from bot.settings import Settings
from storage import Database
from storage.checkins import facilitates_a_group
from storage.records import Identity

if TYPE_CHECKING:
    from knowledge import KnowledgeBase

__all__ = [
    "ActionRoute",
    "Command",
    "Completer",
    "Context",
    "Deps",
    "Feature",
    "FormRoute",
    "Group",
    "Listener",
    "Replies",
    "Slash",
    "Surface",
    "command_lines",
    "facilitates",
    "for_group_facilitators",
]

Replies = Sequence[Reply]


@dataclass(frozen=True)
class Context:
    """What a handler knows about the event it is handling.

    ``linked`` are the user's other platform identities (``link``): study groups, leads and roles follow the
    person, so handlers that look a user up look up :attr:`identities`.
    """

    origin: Origin
    role: Role
    db: Database
    now: datetime
    linked: tuple[Identity, ...] = field(default=())

    @property
    def actor(self) -> str:
        """The user as ``platform:id``, for histories."""
        return f"{self.origin.platform}:{self.origin.user}"

    @property
    def identities(self) -> tuple[Identity, ...]:
        """The user's identity on this platform, then their linked ones."""
        return (Identity(self.origin.platform, self.origin.user), *self.linked)

    def users_on(self, platform: str) -> list[str]:
        """The person's user ids on ``platform`` (the event's own first)."""
        return [i.user for i in self.identities if i.platform == platform]


CommandHandler = Callable[[Context, str], Awaitable[Replies]]
ActionHandler = Callable[[Context, Action], Awaitable[Replies]]
FormHandler = Callable[[Context, FormSubmission], Awaitable[Replies]]
Listener = Callable[[Context, Message], Awaitable[Replies | None]]
"""Channel messages (threads, watched help channels): replies, or None to leave a mention to the question handler."""
Completer = Callable[[str, str | None], Sequence[str]]
"""Autocomplete for a slash command's text option: ``(typed so far, channel name) -> suggestions``."""


@dataclass(frozen=True)
class Slash:
    """How a one-word command appears as a slash command (``/ask``).

    Attributes:
        description: the platform's one-line description (at most 100 characters).
        option: the name of its single text option on Discord (``question``); empty for none.
        option_description: the option's description on Discord.
        required: whether the option must be given.
        usage_hint: the hint Slack shows after the command.
        slack: whether Slack gets it as its own slash command (Slack apps list theirs in the manifest).
        complete: suggestions for the option as the user types (Discord autocomplete).
    """

    description: str
    option: str = ""
    option_description: str = ""
    required: bool = True
    usage_hint: str = ""
    slack: bool = True
    complete: Completer | None = None


@dataclass(frozen=True)
class Command:
    """A command users type: ``name`` is one word (``ask``) or a group and a word (``leads list``).

    A one-word command with ``slash`` set is also a slash command; a two-word command is a subcommand of its
    group's slash command (see :class:`Group`), with one free-text option ``args`` completed by ``complete``.
    A ``home`` above 0 puts its reply on the user's home screen (Slack's App Home tab), lowest first.
    ``typed_args`` is what the arguments of a one-word command look like when a message is plainly the command even
    where free text is expected (a form's answer): ``me tz Europe/Paris`` is, "me too" is not. Without it only the
    bare command is; a group's subcommand (``kb search venue``) is with any arguments.
    ``group_facilitators`` marks a command only the facilitators of the channel's study group (and staff) may run:
    the handler checks the group, and ``help`` lists it only to those who facilitate a group or hold a role above
    member.
    ``max_args`` is how many words the command takes at most (0: none); more are refused with its usage rather than
    ignored. None (free text, options, or a value that may hold spaces) leaves the words to the handler.
    ``names_commands``: its argument is another command's name (``help checkin``), so with one it is plainly this
    command, even where free text is expected.
    """

    name: str
    handler: CommandHandler
    summary: str
    examples: tuple[str, ...] = ()
    usage: str = ""
    min_role: Role = Role.MEMBER
    slash: Slash | None = None
    complete: Completer | None = None
    home: int = 0
    typed_args: re.Pattern[str] | None = None
    group_facilitators: bool = False
    max_args: int | None = None
    names_commands: bool = False

    @property
    def group(self) -> str | None:
        """The group word of a two-word command (``leads`` in ``leads list``)."""
        return self.name.split()[0] if " " in self.name else None


def for_group_facilitators(*commands: Command) -> tuple[Command, ...]:
    """``commands``, marked as run only by the facilitators of the channel's group (and staff)."""
    return tuple(replace(command, group_facilitators=True) for command in commands)


async def facilitates(ctx: Context) -> bool:
    """Whether ``ctx``'s user may run a study group's facilitator commands somewhere: by role, or as a member who
    facilitates a group (who runs a group's commands depends on the group, not the role)."""
    if ctx.role >= Role.FACILITATOR:
        return True
    async with ctx.db.session() as session:
        return await facilitates_a_group(session, ctx.identities)


@dataclass(frozen=True)
class Group:
    """A command group (``checkin``): one slash command on each platform, its words as subcommands."""

    name: str
    description: str
    usage_hint: str = ""
    slack: bool = True


@dataclass(frozen=True)
class ActionRoute:
    """Buttons whose ``action_id`` starts with ``prefix:`` go to ``handler``, for users with ``min_role``."""

    prefix: str
    handler: ActionHandler
    min_role: Role = Role.MEMBER


@dataclass(frozen=True)
class FormRoute:
    """Forms whose ``form_id`` starts with ``prefix:`` go to ``handler``, for users with ``min_role``."""

    prefix: str
    handler: FormHandler
    min_role: Role = Role.MEMBER


@dataclass(frozen=True)
class Surface:
    """Everything one feature adds: the first thing to read in a feature."""

    name: str
    commands: tuple[Command, ...] = ()
    groups: tuple[Group, ...] = ()
    actions: tuple[ActionRoute, ...] = ()
    forms: tuple[FormRoute, ...] = ()
    question: CommandHandler | None = None
    listen: Listener | None = None
    jobs: tuple[Job, ...] = ()


@dataclass(frozen=True)
class Deps:
    """What features are built from (each takes what it needs).

    Attributes:
        settings: the effective settings (the community's name, channels, limits).
        metrics: the Prometheus counters.
        channels: the logical channels (``staff``, ``help``) and where they are.
        knowledge: the current knowledge base (a callable: a reload swaps it in place).
        reload_knowledge: load the recipe files and learned examples again; the files skipped, why.
        forget_knowledge: the same after a person's data was erased, with every cached index dropped first (one
            may hold a learned example in their words).
        commands: the commands a role may run, in registration order (for help).
    """

    settings: Settings
    metrics: Metrics
    channels: Channels
    knowledge: Callable[[], KnowledgeBase]
    reload_knowledge: Callable[[], Awaitable[Sequence[RecipeError]]]
    commands: Callable[[Role], list[Command]]
    forget_knowledge: Callable[[], Awaitable[None]]


def command_lines(commands: Sequence[Command]) -> list[str]:
    """How ``help`` and a group's name alone list commands: each one's usage and summary, then its examples."""
    lines = []
    for command in commands:
        lines.append(f"• `{command.usage or command.name}`: {command.summary}")
        lines += [f"    e.g. `{example}`" for example in command.examples]
    return lines


class Feature(Protocol):
    """A feature: built once from its dependencies, it says what it offers with :meth:`surface`."""

    name: ClassVar[str]

    def surface(self) -> Surface:
        """The feature's commands, groups, buttons, forms, question handler and jobs."""
        ...
