"""``communitybot report``: build the pulse report for a period and write it to a folder."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.export_files import export_folder, remember_report_folder
from bot.pulse.render import write_report
from bot.pulse.report import build_report, period_for
from bot.settings import Settings
from storage import Database

__all__ = ["report_command"]


async def report_command(
    settings: Settings, since: date | None, until: date | None, out: Path, fmt: str, now: datetime
) -> list[Path]:
    """Write the report for ``[since, until]`` (default: the last eight full weeks) as ``fmt`` into ``out``.

    Weeks are ISO weeks in ``digest_timezone``. ``out`` is recorded in the export folder, so that erasure and
    ``export_retention_days`` reach the reports written there. Returns the files written.

    Raises:
        UsageError: for a period that ends before it starts, or is too long.
    """
    today = now.astimezone(ZoneInfo(settings.digest_timezone)).date()
    period = period_for(since, until, settings.digest_timezone, today)
    db = Database(settings.sqlalchemy_url, schema=settings.database_schema)
    try:
        await db.upgrade()
        report = await build_report(db, period)
    finally:
        await db.close()
    written = await asyncio.to_thread(write_report, report, out, fmt)
    await asyncio.to_thread(remember_report_folder, export_folder(settings), out)
    return written
