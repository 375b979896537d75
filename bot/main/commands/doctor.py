"""``communitybot doctor``: check settings, tokens, database, recipes and time zones; say what to fix."""

from __future__ import annotations

import argparse
import asyncio

from bot.main.commands import Subparsers
from bot.settings import Settings

__all__ = ["add_parser", "main"]


def add_parser(sub: Subparsers) -> None:
    """Add ``doctor``."""
    sub.add_parser("doctor", help="check settings, tokens, database, recipes and time zones; say what to fix")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Print one PASS or FAIL line per check; exit 1 if any failed."""
    return asyncio.run(_doctor(settings))


async def _doctor(settings: Settings) -> int:
    from bot.main.doctor import run_checks

    checks = await run_checks(settings)
    for check in checks:
        print(f"{'PASS' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    failed = [c for c in checks if not c.ok]
    print(f"{len(failed)} problem(s)" if failed else "all good")
    return 1 if failed else 0
