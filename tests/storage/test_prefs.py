"""Days away on SQLite and PostgreSQL: read across linked accounts, each day in the person's own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from storage import Database
from storage.checkins import NewRun, add_member, create_group, insert_runs, save_answer
from storage.people import link
from storage.prefs import absences, add_away, away_users, set_zone
from storage.records import Identity
from storage.reports import GroupWeek, group_weeks

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


async def test_participation_in_reports_leaves_out_members_away_that_day(db: Database) -> None:
    """Four members: Ann answered, Bo was away that day, Cy was away and answered anyway. The run's summary says
    "2 of 3" (Bo excused); the weekly report (digest, facilitators' cards, `communitybot report`) said 2 of 4 and now
    says 2 of 3 too."""
    day = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
    async with db.session() as s:
        group = await create_group(
            s,
            name="Maps",
            platform="slack",
            channel="C1",
            timezone="Europe/London",
            questions=["Q?"],
            creator="U0FAY",
            now=LATE,
        )
        for user in ("U0ANN", "U0BO", "U0CY"):
            await add_member(s, group.id, user, LATE)
        await add_away(s, BO, date(2026, 3, 3), date(2026, 3, 3), LATE)
        await add_away(s, Identity("slack", "U0CY"), date(2026, 3, 1), date(2026, 3, 5), LATE)
        (run,) = await insert_runs(s, [NewRun(group, day, "closed", day, day + timedelta(hours=24), day)])
        await save_answer(s, run.id, "U0ANN", ["fine"], None, day)
        await save_answer(s, run.id, "U0CY", ["away but here"], None, day)
    async with db.session() as s:
        weeks = await group_weeks(s, [datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)])
    assert weeks == [GroupWeek(group.id, 0, checkins=1, answered=2, expected=3)]
