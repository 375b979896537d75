"""Regenerate docs/pulse-participation.png, the README's example chart, from the six seeded weeks of the tests.

    python docs/make_pulse_example.py

Seeds a throwaway SQLite database with tests/pulse/seed.py (through the storage repositories), builds the report
for 2026-10-05 to 2026-11-15 and saves the participation chart exactly as the report and the digest draw it.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.pulse.charts import build_charts, png  # noqa: E402
from bot.pulse.report import build_report, period_for  # noqa: E402
from storage import Database  # noqa: E402
from tests.pulse.seed import seed_six_weeks  # noqa: E402


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'example.db'}")
        await db.upgrade()
        await seed_six_weeks(db)
        report = await build_report(db, period_for(date(2026, 10, 5), date(2026, 11, 15), "UTC", date(2026, 11, 16)))
        await db.close()
    (chart,) = [c for c in build_charts(report) if c.name == "participation"]
    target = ROOT / "docs" / "pulse-participation.png"
    target.write_bytes(png(chart))
    print(target)


if __name__ == "__main__":
    asyncio.run(main())
