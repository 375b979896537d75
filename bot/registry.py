"""One table of everything users can reach, built from the features' surfaces and checked once at start.

:meth:`Registry.build` refuses what would break silently later: two commands with one name, two features answering
the same button or form prefix, a group word that is also a command, and what Discord refuses when the command
tree is synced (more than 25 subcommands in a group, more than 100 commands, names over 32 characters or not
lower case, descriptions over 100 characters). Help, Slack's command list and manifest, and Discord's command
tree are all generated from :meth:`Registry.slash_commands`, so adding a command touches its feature only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.args import split_args
from bot.errors import ConfigError, PermissionDenied, UsageError
from bot.events import Reply, Visibility
from bot.feature import (
    ActionRoute,
    Command,
    CommandHandler,
    Completer,
    FormRoute,
    Group,
    Listener,
    Slash,
    Surface,
    command_lines,
)
from bot.permissions import Role, only_for
from bot.scheduler import Job
from bot.usertext import quote

__all__ = ["DISCORD_LIMITS", "Registry", "SlashCommand", "SlashSubcommand"]


@dataclass(frozen=True)
class _Limits:
    commands: int = 100
    subcommands: int = 25
    name: int = 32
    description: int = 100


DISCORD_LIMITS = _Limits()
_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")
_SHORTEST = 4
"""Words shorter than this are too short to tell a typo of a command from another word."""
_FREE_TEXT = re.compile(r"\b(?:QUESTION|TERM|TEXT|NAME|TOPICS|Q1)\b")
"""Placeholders in a command's usage for words of the user's own, which may end in a question mark."""
_ASKED = "!?."
"""A lone command or group word still invokes it with these after it: someone typing "meetings?" wants the list."""
_EXTRA_WORDS = "`{name}` takes {takes}, so I did not run it with {extra} after it. Usage: `{usage}`"
_TAKES = ("no arguments", "one argument")


@dataclass(frozen=True)
class SlashSubcommand:
    """One subcommand of a group's slash command: it takes its arguments as one free-text option ``args``."""

    name: str
    description: str
    complete: Completer | None = None


@dataclass(frozen=True)
class SlashCommand:
    """A slash command as the platforms show it: ``name`` is the core command it stands for (``ask``), or a group
    (``checkin``) whose words are its ``subcommands``."""

    name: str
    slash: Slash
    subcommands: tuple[SlashSubcommand, ...] = ()


class Registry:
    """Commands, groups, button and form routes, the question handler and the jobs of every feature."""

    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.groups: dict[str, Group] = {}
        self.actions: dict[str, ActionRoute] = {}
        self.forms: dict[str, FormRoute] = {}
        self.question: CommandHandler | None = None
        self.listener: Listener | None = None
        self.jobs: list[Job] = []

    @classmethod
    def build(cls, surfaces: Sequence[Surface]) -> Registry:
        """The registry of ``surfaces``, in order.

        Raises:
            ConfigError: naming the feature and the clash or limit.
        """
        registry = cls()
        for surface in surfaces:
            registry._add(surface)
        registry._check()
        return registry

    def _add(self, surface: Surface) -> None:
        where = f"feature {surface.name!r}"
        for command in surface.commands:
            if command.name in self.commands:
                raise ConfigError(f"{where}: command {command.name!r} is registered twice")
            self.commands[command.name] = command
        for group in surface.groups:
            if group.name in self.groups:
                raise ConfigError(f"{where}: command group {group.name!r} is registered twice")
            self.groups[group.name] = group
        for kind, table, routes in (("button", self.actions, surface.actions), ("form", self.forms, surface.forms)):
            for route in routes:
                if route.prefix in table:
                    raise ConfigError(f"{where}: {kind} prefix {route.prefix!r} is already taken")
                table[route.prefix] = route  # type: ignore[assignment]
        if surface.question is not None:
            if self.question is not None:
                raise ConfigError(f"{where}: a second handler for free questions")
            self.question = surface.question
        if surface.listen is not None:
            if self.listener is not None:
                raise ConfigError(f"{where}: a second listener for channel messages")
            self.listener = surface.listen
        self.jobs.extend(surface.jobs)

    def _check(self) -> None:
        for name in self.commands:
            for word in name.split():
                if not _NAME.match(word):
                    raise ConfigError(f"command {name!r}: {word!r} must be 1-32 lower-case letters, digits, - or _")
        for group in {c.group for c in self.commands.values() if c.group}:
            if group in self.commands:
                raise ConfigError(f"command {group!r} clashes with the command group of the same name")
            self.groups.setdefault(group, Group(group, f"{group} commands"))
        for command in self.slash_commands():
            name, slash = command.name, command.slash
            _check_length(f"/{name}", slash.description)
            _check_length(f"/{name} {slash.option}", slash.option_description)
            if len(command.subcommands) > DISCORD_LIMITS.subcommands:
                raise ConfigError(
                    f"/{name} has {len(command.subcommands)} subcommands; Discord allows {DISCORD_LIMITS.subcommands}"
                )
            for sub in command.subcommands:
                _check_length(f"/{name} {sub.name}", sub.description)
        if len(self.slash_commands()) > DISCORD_LIMITS.commands:
            raise ConfigError(f"more than {DISCORD_LIMITS.commands} slash commands")

    # -- what users type -------------------------------------------------------------------------------------

    def parse(self, text: str) -> tuple[Command | None, str]:
        """Find the command ``text`` invokes (``/`` or ``!`` before it is allowed) and its arguments."""
        words = self.bare(text).lstrip("/!").split(maxsplit=2)
        if not words:
            return None, ""
        first = words[0].lower()
        if len(words) >= 2 and f"{first} {words[1].lower()}" in self.commands:
            return self.commands[f"{first} {words[1].lower()}"], words[2] if len(words) > 2 else ""
        if first in self.commands:
            return self.commands[first], text.lstrip("/!").split(maxsplit=1)[1] if len(words) > 1 else ""
        return None, ""

    def check_args(self, command: Command, args: str) -> None:
        """Refuse words past the most ``command`` takes (``kb stats 10``), which would otherwise be ignored.

        Raises:
            UsageError: naming the extra words and showing the command's usage.
        """
        if command.max_args is None:
            return
        words = split_args(args)
        if len(words) <= command.max_args:
            return
        takes = _TAKES[command.max_args] if command.max_args < len(_TAKES) else f"{command.max_args} arguments"
        extra = quote(repr(" ".join(words[command.max_args :])))
        usage = command.usage or command.name
        raise UsageError(_EXTRA_WORDS.format(name=command.name, takes=takes, extra=extra, usage=usage))

    def bare(self, text: str) -> str:
        """``text`` without a trailing ``?``, ``!`` or ``.`` when it is one word naming a command or a group
        (``meetings?``, ``help!``); otherwise ``text`` as it is."""
        word = text.strip()
        stripped = word.rstrip(_ASKED)
        if stripped == word or len(stripped.split()) != 1:
            return text
        name = stripped.lstrip("/!").lower()
        return stripped if name in self.commands or name in self.groups else text

    def typed(self, text: str) -> str | None:
        """The command line ``text`` plainly is (``kb search venue``), or None for free text that merely starts
        with a command's word ("ask around first", "help me with maps", "me too").

        Plainly a command: a command's name alone, ``/`` or ``!`` before it, a group's subcommand with any arguments,
        a one-word command with arguments of the shape it declares (:attr:`~bot.feature.Command.typed_args`), or one
        that names commands followed by a command's or group's name (``help checkin``).
        """
        command, args = self.parse(text)
        if command is None:
            return None
        args = args.strip()
        shaped = command.typed_args is not None and command.typed_args.fullmatch(args) is not None
        # One that names commands, with a command's or group's whole name after it (not "help me with maps").
        named = " ".join(args.lower().lstrip("/!").split()) if command.names_commands else ""
        shaped = shaped or named in self.commands or named in self.groups
        if args and command.group is None and not shaped and not text.startswith(("/", "!")):
            return None
        return f"{command.name} {args}".strip()

    def asks(self, text: str, command: Command, args: str, role: Role) -> bool:
        """Whether ``text``, which :meth:`parse` reads as ``command`` with ``args``, is rather a question: words
        after the command and a question mark at the end (no ``/`` or ``!`` in front), and either a command ``role``
        may not run ("People show up late, what do I do?" is no `people show` refused as staff's), free text after
        a one-word command ("help me with the survey?"), or a sentence where the command takes no free text
        ("checkin cancel when nobody answers?" must not cancel anything; "meetings cancel when nobody comes?" has
        no date). A command whose arguments are free text (``kb search venue?``, ``leads note L-0042 why?``), or
        with a digit among them (a date, an id), stays the command.
        """
        if not args.strip() or not text.rstrip().endswith("?") or text.startswith(("/", "!")):
            return False
        if role < command.min_role or self.typed(text) is None:
            return True
        free_text = _FREE_TEXT.search(command.usage.removeprefix(command.name)) is not None
        return not free_text and not any(c.isdigit() for c in args)

    def misspelled(self, text: str, role: Role) -> str | None:
        """The command line ``text`` most likely misspells, as it would be typed, or None when it looks like no typo.

        Only clear typos count, so questions still reach the question handler ("leeds is a city?"): a first word
        close to a command group followed by one of that group's words (``leeds list``, even when ``role`` may
        not run it: the caller says so), a first word close to a one-word command followed by arguments of the
        shape it declares (``mydat delete``), or a message of one word close to a command or group ``role`` may
        run (``mydat``). Words ending in a question mark are a question, however close their first word is.
        """
        words = text.lstrip("/!").split()
        if not words:
            return None
        first, rest = words[0].lower(), words[1:]
        visible = [c.name for c in self.visible_commands(role)]
        if not rest:
            return _typo_of(first, sorted({n.split()[0] for n in visible}))  # a one-word command, or a group
        if text.rstrip().endswith("?"):  # "helpers on discord?" asks about helpers: no `helper on discord?`
            return None
        group = _typo_of(first, sorted({c.group for c in self.commands.values() if c.group}))
        if group is not None and f"{group} {rest[0].lower()}" in self.commands:
            return " ".join([group, rest[0].lower(), *rest[1:]])
        # A short name ("me", "ask") is one letter from too many words ("mask rules?") to be told apart.
        shaped = [n for n in visible if len(n) >= _SHORTEST and self.commands[n].typed_args is not None]
        command = _typo_of(first, shaped)
        pattern = self.commands[command].typed_args if command is not None else None
        if pattern is not None and pattern.fullmatch(" ".join(rest)):
            return " ".join([str(command), *rest])
        return None

    def visible_commands(self, role: Role) -> list[Command]:
        """Commands ``role`` may run, in registration order."""
        return [c for c in self.commands.values() if role >= c.min_role]

    def sentence(self, role: Role, words: Sequence[str]) -> bool:
        """Whether ``words``, the first of them a command group's name, are rather a sentence than a mistyped
        command: more words follow, and ``role`` may run none of the group's commands ("people arrive late" from a
        member), or they end in a question mark and the second word is no subcommand nor one typo from one
        ("meetings are too long for us?"). A group's name alone, with a subcommand's typo (``meetings lsit``) or
        with an unknown one (``privacy frob x``, from staff) is still the group's help."""
        if len(words) < 2:
            return False
        mine = [c.name.split()[1] for c in self.visible_commands(role) if c.group == words[0].lower()]
        second, asked = words[1].lower(), len(words) > 2 and words[-1].rstrip().endswith("?")
        return not mine or (asked and second not in mine and _typo_of(second, mine) is None)

    def group_help(self, role: Role, group: str, unknown: str = "", facilitates: bool = True) -> Reply:
        """Help for one command group; ``unknown``, the subcommand typed that the group does not have, said first.
        Without ``facilitates`` (a member who facilitates no study group), the commands of a group's facilitators
        are left out, as ``help`` leaves them out.

        Raises:
            PermissionDenied: when ``role`` may run none of the group's commands.
        """
        commands = [c for c in self.visible_commands(role) if c.group == group]
        lines = command_lines([c for c in commands if facilitates or not c.group_facilitators])
        if not lines:
            raise PermissionDenied(f"Sorry, the `{group}` commands are not available to you.")
        if unknown:
            lines.insert(
                0,
                f"Unknown subcommand {quote(repr(unknown))}.{self._hint(role, group, unknown)} The "
                f"`{group}` commands are:",
            )
        return Reply("\n".join(lines), title=f"{group} commands", visibility=Visibility.EPHEMERAL)

    def _hint(self, role: Role, group: str, unknown: str) -> str:
        """What ``unknown`` was likely meant to be: a subcommand ``role`` may run, or one it may not (named with who
        may: a member's ``kb confrim`` is told `kb confirm` is staff's, not left to read the list for it)."""
        subs = {c.name.split()[1]: c for c in self.commands.values() if c.group == group}
        mine = [c.name.split()[1] for c in self.visible_commands(role) if c.group == group]
        meant = _typo_of(unknown.lower(), mine)
        if meant is not None:
            return f" Did you mean `{group} {meant}`?"
        theirs = _typo_of(unknown.lower(), [n for n in subs if n not in mine])
        if theirs is not None:
            return f" `{group} {theirs}` is {only_for(subs[theirs].min_role)}."
        return ""

    def home_commands(self) -> list[str]:
        """The commands whose replies make up a user's home screen."""
        return [c.name for c in sorted(self.commands.values(), key=lambda c: c.home) if c.home > 0]

    def action(self, action_id: str) -> ActionRoute | None:
        """The route for a button id (``kb:helpful`` goes to the ``kb`` route)."""
        return self.actions.get(action_id.split(":", 1)[0])

    def form(self, form_id: str) -> FormRoute | None:
        """The route for a form id."""
        return self.forms.get(form_id.split(":", 1)[0])

    # -- what the platforms show -----------------------------------------------------------------------------

    def slash_commands(self) -> list[SlashCommand]:
        """Every slash command: the one-word commands that have one, then one per command group."""
        out = [SlashCommand(c.name, c.slash) for c in self.commands.values() if c.slash is not None and c.group is None]
        for group in self.groups.values():
            subs = tuple(
                SlashSubcommand(c.name.split()[1], c.summary, c.complete)
                for c in self.commands.values()
                if c.group == group.name
            )
            if subs:
                slash = Slash(group.description, usage_hint=group.usage_hint, slack=group.slack)
                out.append(SlashCommand(group.name, slash, subs))
        return out


def _typo_of(word: str, names: Sequence[str]) -> str | None:
    """The name ``word`` is one typo away from (a letter added, dropped, changed, or two swapped), if one is."""
    if len(word) < _SHORTEST:  # "me", "ask": too short to tell a typo from another word
        return None
    close = [name for name in names if name != word and OSA.distance(word, name, score_cutoff=1) <= 1]
    return close[0] if len(close) == 1 else None


def _check_length(what: str, description: str) -> None:
    if len(description) > DISCORD_LIMITS.description:
        raise ConfigError(
            f"{what}: description is {len(description)} characters; Discord allows {DISCORD_LIMITS.description}"
        )
