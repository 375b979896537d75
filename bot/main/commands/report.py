"""``communitybot report``: write the community pulse report."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.errors import ConfigError
from bot.main.commands import Subparsers
from bot.main.commands.argtypes import day, output_folder
from bot.settings import Settings

__all__ = ["add_parser", "main"]


def add_parser(sub: Subparsers) -> None:
    """Add ``report`` and its options."""
    report = sub.add_parser("report", help="write the community pulse report (default: the last 8 full weeks)")
    report.add_argument("--since", type=day, help="first day, YYYY-MM-DD (weeks are in digest_timezone)")
    report.add_argument("--until", type=day, help="last day, included, YYYY-MM-DD")
    report.add_argument(
        "--out", type=output_folder, default=Path("reports"), help="folder to write into (default ./reports)"
    )
    report.add_argument("--format", choices=["html", "md", "json"], default="html", help="html (default), md or json")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Write the report and print the paths written."""
    from bot.clock import utcnow
    from bot.pulse.command import report_command

    try:
        written = asyncio.run(report_command(settings, args.since, args.until, args.out, args.format, utcnow()))
    except OSError as exc:  # a folder the checks could not foresee (a read-only mount, /proc)
        raise ConfigError(f"{args.out}: cannot write the report there ({exc.strerror or exc})") from None
    for path in written:
        print(path)
    return 0
