"""Days away on SQLite and PostgreSQL: read across linked accounts, each day in the person's own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from storage import Database
from storage.people import link
from storage.prefs import absences, add_away, away_users, set_zone
from storage.records import Identity

LATE = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # already 3 March in Tokyo, still 2 March in London
ANN_SLACK, ANN_DISCORD = Identity("slack", "U0ANN"), Identity("discord", "111")
BO = Identity("slack", "U0BO")


async def test_days_away_follow_the_person_across_accounts_and_zones(db: Database) -> None:
    """Ann set her days away on Discord and her zone on Slack: her Slack account is away on Tokyo's 3 March; Bo,
    with no zone, is away by the group's zone only."""
    async with db.session() as s:
        await link(s, ANN_SLACK, ANN_DISCORD, LATE)
        await add_away(s, ANN_DISCORD, date(2026, 3, 3), date(2026, 3, 4), LATE)
        await set_zone(s, ANN_SLACK, "Asia/Tokyo", LATE)
        await add_away(s, BO, date(2026, 3, 3), date(2026, 3, 3), LATE)
    async with db.session() as s:
        away = await absences(s, LATE)
        by_london = await away_users(s, "slack", ["U0ANN", "U0BO", "U0CY"], LATE, "Europe/London")
    assert by_london == {"U0ANN"}
    assert away.among("slack", ["U0ANN", "U0BO", "U0CY"], "Asia/Tokyo") == {"U0ANN", "U0BO"}
    assert away.among("discord", ["111"], "Europe/London") == {"111"}  # the same person, her own zone


async def test_nobody_away_finds_no_one(db: Database) -> None:
    """With no days away anywhere the answer is empty for any roster."""
    async with db.session() as s:
        away = await absences(s, LATE)
    assert away.among("slack", ["U0ANN"], "UTC") == set() and not away.periods
