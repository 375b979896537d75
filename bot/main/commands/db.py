"""``communitybot db``: apply, undo or show database migrations."""

from __future__ import annotations

import argparse
import asyncio

from bot.main.commands import Subparsers
from bot.settings import Settings

__all__ = ["add_parser", "main"]


def add_parser(sub: Subparsers) -> None:
    """Add ``db`` and its actions."""
    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply every pending migration")
    down = db_sub.add_parser("downgrade", help="undo migrations down to a revision ('base' for none)")
    down.add_argument("revision")
    db_sub.add_parser("current", help="show the revision the database is at")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Run the action and print the revision the database is at."""
    return asyncio.run(_db(settings, args))


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    from storage import Database

    db = Database(settings.sqlalchemy_url, schema=settings.database_schema)
    try:
        if args.db_command == "upgrade":
            await db.upgrade()
            print(f"database {db.safe_url} is at revision {await db.current_revision()}")
        elif args.db_command == "downgrade":
            await db.check()
            await db.downgrade(args.revision)
            print(f"database {db.safe_url} is at revision {await db.current_revision() or 'base'}")
        else:
            await db.check()
            print(f"{await db.current_revision() or 'base (empty)'} (code head: {Database.head_revision()})")
    finally:
        await db.close()
    return 0
