"""``communitybot chat``: talk to the bot in this terminal (or script it through stdin)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.main.commands import Subparsers
from bot.main.commands.argtypes import aware_datetime
from bot.settings import Settings

__all__ = ["add_parser", "main"]


def add_parser(sub: Subparsers) -> None:
    """Add ``chat`` and its options."""
    chat = sub.add_parser("chat", help="talk to the bot in this terminal (or script it through stdin)")
    chat.add_argument("--user", default="you", help="user id to act as (default: you)")
    chat.add_argument("--role", default="member", choices=["member", "facilitator", "staff", "admin"])
    chat.add_argument("--channel", help="channel to act in (default: a direct message)")
    chat.add_argument("--now", type=aware_datetime, help="pretend it is this instant (for scripts and demos)")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Run a console session until stdin ends."""
    return asyncio.run(_chat(settings, args))


async def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.console import ConsoleAdapter
    from bot.clock import utcnow
    from bot.export_files import export_folder
    from bot.main.wiring import BotApp
    from bot.tasks import spawn

    app = BotApp(settings, clock=(lambda: args.now) if args.now else utcnow)
    try:
        await app.start()
        console = ConsoleAdapter(
            app.dispatcher.handle,
            sys.stdout,
            user=args.user,
            role=args.role,
            channel=args.channel,
            export_dir=export_folder(settings),
            watched=settings.watched_channels("console"),
            zone_of=lambda user: app.reader_zone("console", user),
            threads_of=lambda channel: app.thread_names("console", channel),
        )
        pending = await app.dispatcher.pending_prompt(console.origin)
        interactive = sys.stdin.isatty()
        stop = asyncio.Event()
        if interactive and args.now is None:
            # A live session ticks on the real clock, so check-ins and reminders show up as they fall due.
            spawn(app.scheduler.run(utcnow, console.show, stop), name="scheduler")
        interrupted = False
        try:
            await console.run(sys.stdin, interactive=interactive, pending=pending)
        except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels this task, then raises KeyboardInterrupt (130)
            interrupted = True
            raise
        finally:
            stop.set()
            if interactive or interrupted:
                form_open = await app.dispatcher.pending_prompt(console.origin) is not None
                console.goodbye(interrupted=interrupted, form_open=form_open)
    finally:
        await app.close()
    return 0
