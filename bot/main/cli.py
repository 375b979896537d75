"""The ``communitybot`` command line: global options, then one subcommand from :mod:`bot.main.commands`."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from bot.errors import CommunityBotError, ConfigError
from bot.logs import configure_logging
from bot.main.commands import Subparsers, ask, chat, config, db, discord, doctor, kb, report, run, scheduler, slack
from bot.settings import Settings, load_settings

__all__ = ["CHAT_COMMANDS", "main"]


class _Command(Protocol):
    """A module of :mod:`bot.main.commands`."""

    def add_parser(self, sub: Subparsers) -> None:
        """Add the subcommand's parser."""

    def main(self, settings: Settings, args: argparse.Namespace) -> int:
        """Run the subcommand; returns the exit code."""


# In the order ``communitybot --help`` lists them.
_COMMANDS: dict[str, _Command] = {
    "chat": chat,
    "run": run,
    "discord": discord,
    "slack": slack,
    "doctor": doctor,
    "ask": ask,
    "db": db,
    "config": config,
    "scheduler": scheduler,
    "report": report,
    "kb": kb,
}


CHAT_COMMANDS = frozenset(
    {
        "checkin",
        "consult",
        "help",
        "helper",
        "leads",
        "link",
        "me",
        "meetings",
        "mydata",
        "people",
        "privacy",
        "unlink",
        "webhooks",
    }
)
"""The first words of the commands typed in chat that are no ``communitybot`` subcommand (``ask`` and ``kb`` are
both): typed at the shell, they get a hint instead of argparse's "invalid choice". A test keeps this in step with
the features' commands."""
_GLOBAL_OPTIONS = ("--config", "--log-level", "--log-format")  # each takes a value


def _chat_command_hint(argv: Sequence[str]) -> str | None:
    """What to say when the command typed at the shell is a chat command (``communitybot checkin``); else None."""
    words = list(argv)
    while words and (words[0] in _GLOBAL_OPTIONS or words[0].partition("=")[0] in _GLOBAL_OPTIONS):
        words = words[2:] if words[0] in _GLOBAL_OPTIONS else words[1:]
    if not words or words[0] not in CHAT_COMMANDS:
        return None
    typed = " ".join(words)
    return (
        f"communitybot: {words[0]} is a chat command: run `communitybot chat` and type `{typed}` there, or pipe it "
        f"in: echo {shlex.quote(typed)} | communitybot chat "
        "(`communitybot --help` lists the shell's commands)"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="communitybot", description="A community support bot for learning circles.")
    parser.add_argument("--config", type=Path, help="YAML settings file (default ./communitybot.yaml if present)")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="override log_level")
    parser.add_argument("--log-format", choices=["text", "json"], default="text", help="text (default) or JSON lines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in _COMMANDS.values():
        command.add_parser(sub)
    return parser


def _log_level(settings: Settings, args: argparse.Namespace) -> str:
    """The level to log at: in ``chat`` the log shares the terminal with the conversation, so only what needs
    attention (WARNING and above) interrupts it unless ``--log-level`` asks for more."""
    if args.command == "chat" and not args.log_level and logging.getLevelName(settings.log_level) < logging.WARNING:
        return "WARNING"
    return settings.log_level


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    hint = _chat_command_hint(sys.argv[1:] if argv is None else argv)
    if hint is not None:
        print(hint, file=sys.stderr)
        return 2
    args = _parser().parse_args(argv)
    try:
        overrides = {"log_level": args.log_level} if args.log_level else {}
        try:
            settings = load_settings(args.config, **overrides)
        except ConfigError as exc:
            if args.command != "doctor":
                raise
            print(f"FAIL  settings: {exc}\n1 problem")
            return 1
        configure_logging(_log_level(settings, args), args.log_format)
        code = _COMMANDS[args.command].main(settings, args)
        sys.stdout.flush()  # a reader gone away shows here, not as a complaint at exit
        return code
    except CommunityBotError as exc:
        print(f"communitybot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head -1``): stop quietly, as Unix tools do. What is still buffered for stdout
        # would fail again when Python flushes it at exit, so stdout goes to /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE: what a shell reports for a tool a closed pipe stopped


if __name__ == "__main__":
    sys.exit(main())
