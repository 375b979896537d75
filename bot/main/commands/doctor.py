"""``communitybot doctor``: check settings, tokens, database, recipes and time zones; say what to fix."""

from __future__ import annotations

import argparse
import asyncio

from bot.main.commands import Subparsers
from bot.plural import counted
from bot.settings import Settings

__all__ = ["add_parser", "main"]


def add_parser(sub: Subparsers) -> None:
    """Add ``doctor``."""
    sub.add_parser("doctor", help="check settings, tokens, database, recipes and time zones; say what to fix")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Print one PASS, WARN or FAIL line per check; exit 1 if any failed (warnings do not)."""
    return asyncio.run(_doctor(settings))


async def _doctor(settings: Settings) -> int:
    from bot.main.doctor import run_checks

    checks = await run_checks(settings)
    for check in checks:
        print(f"{('WARN' if check.warn else 'PASS') if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    failed = [c for c in checks if not c.ok]
    warned = sum(c.warn for c in checks if c.ok)
    if failed:
        print(counted(len(failed), "problem"))
    else:
        print(f"no problems, {counted(warned, 'warning')}" if warned else "all good")
    return 1 if failed else 0
