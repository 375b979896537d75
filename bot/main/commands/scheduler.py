"""``communitybot scheduler tick``: do what is due now (or at ``--now``) and exit."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.main.commands import Subparsers
from bot.main.commands.argtypes import aware_datetime
from bot.plural import counted
from bot.settings import Settings

__all__ = ["add_parser", "main"]


def add_parser(sub: Subparsers) -> None:
    """Add ``scheduler`` and its actions."""
    scheduler = sub.add_parser("scheduler", help="periodic work")
    scheduler_sub = scheduler.add_subparsers(dest="scheduler_command", required=True, metavar="ACTION")
    tick = scheduler_sub.add_parser("tick", help="do what is due now (or at --now) and exit")
    tick.add_argument("--now", type=aware_datetime, help="ISO 8601 instant with a zone, e.g. 2026-03-02T09:00Z")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Run one tick, print what it sent to the console."""
    return asyncio.run(_tick(settings, args))


async def _tick(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.console import ConsoleAdapter
    from bot.clock import utcnow
    from bot.export_files import export_folder
    from bot.main.wiring import BotApp

    app = BotApp(settings)
    try:
        await app.start()
        now = args.now or utcnow()
        await app.scheduler.tick(now)
        console = ConsoleAdapter(
            app.dispatcher.handle,
            sys.stdout,
            export_dir=export_folder(settings),
            zone_of=lambda user: app.reader_zone("console", user),
        )
        sent = await app.scheduler.deliver_due(now, console.show)
        # To the minute, as schedules are; the zone as given (UTC, or the offset --now named).
        print(f"tick at {now:%Y-%m-%d %H:%M} {now:%Z}: {counted(sent, 'message')}")
    finally:
        await app.close()
    return 0
