"""Meetings as Discord Guild Scheduled Events, through the strict stand-in: created, updated on a move, cancelled;
once with two replicas; and with no Manage Events permission, logged once and off for that server, no crash."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.features.calendars.sync import sync_events
from storage.checkins import create_group
from tests.adapters.discord_bot import Bot, bot, db_target  # noqa: F401 (fixtures: Discord on its stand-in)
from tests.adapters.discord_standin import GUILD_ID, HELP_CHANNEL, MEMBER_ID

START = datetime(2026, 10, 21, 12, 0, tzinfo=UTC)  # New York leaves summer time on 1 November
EVENTS = f"/guilds/{GUILD_ID}/scheduled-events"


async def _meetings(bot: Bot, weeks: int = 2) -> None:  # noqa: F811
    """A New York group in the help channel meeting Tuesdays at 18:00 in Room 2, planned on Wednesday 21 October."""
    async with bot.app.db.session() as session:
        await create_group(
            session,
            name="Maps Circle",
            platform="discord",
            channel=HELP_CHANNEL,
            timezone="America/New_York",
            questions=("What did you do?",),
            creator=MEMBER_ID,
            now=START,
        )
    bot.app.dispatcher.clock = lambda: START
    bot.standin.now = START
    await bot.command("meetings", "schedule", f'tue 18:00 --weeks {weeks} --place "Room 2"')


def _event_calls(bot: Bot, method: str) -> list[dict[str, object]]:  # noqa: F811
    return [c.body for c in bot.standin.calls if c.method == method and c.path.startswith(EVENTS) and not c.refused]


async def test_meetings_become_scheduled_events_moved_and_cancelled_with_them(bot: Bot) -> None:  # noqa: F811
    """Two meetings make two external events at 18:00 New York time (EDT, then EST); two replicas push them once; a
    move updates the event, a cancel sets it CANCELED."""
    await _meetings(bot)
    pushed = await asyncio.gather(*(sync_events(bot.app.db, bot.adapter, "P2PU", START) for _ in range(2)))
    assert sum(pushed) == 2  # each meeting by one replica or the other, never both
    created = _event_calls(bot, "POST")
    assert created == [
        {
            "name": "Maps Circle: meeting",
            "description": "A meeting of the Maps Circle study group (P2PU).",
            "scheduled_start_time": start,
            "scheduled_end_time": end,
            "privacy_level": 2,
            "entity_type": 3,
            "entity_metadata": {"location": "Room 2"},
        }
        for start, end in (
            ("2026-10-27T22:00:00+00:00", "2026-10-27T23:30:00+00:00"),  # 18:00 EDT
            ("2026-11-03T23:00:00+00:00", "2026-11-04T00:30:00+00:00"),  # 18:00 EST
        )
    ]
    assert await sync_events(bot.app.db, bot.adapter, "P2PU", START) == 0  # nothing changed, nothing sent
    first, second = sorted(bot.standin.events.values(), key=lambda e: str(e["scheduled_start_time"]))

    await bot.command("meetings", "move", "2026-11-03 2026-11-04 18:30")
    await bot.command("meetings", "cancel", "2026-10-27")
    assert await sync_events(bot.app.db, bot.adapter, "P2PU", START + timedelta(hours=1)) == 2
    patched = sorted(_event_calls(bot, "PATCH"), key=lambda body: "status" in body)
    assert patched[0]["scheduled_start_time"] == "2026-11-04T23:30:00+00:00"  # Wednesday 18:30 EST
    assert patched[1] == {"status": 4}
    assert (first["status"], second["status"]) == (4, 1)
    assert second["scheduled_start_time"] == "2026-11-04T23:30:00+00:00"
    assert len(bot.standin.events) == 2 and _event_calls(bot, "POST") == created


async def test_without_manage_events_the_feature_is_off_for_that_server(
    bot: Bot,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Discord answers 50013: one warning naming the permission, no crash, no further calls for that server."""
    bot.standin.manage_events = False
    bot.standin.allow_refusals = True
    await _meetings(bot, weeks=3)
    with caplog.at_level(logging.WARNING):
        assert await sync_events(bot.app.db, bot.adapter, "P2PU", START) == 3
        await bot.command("meetings", "move", "2026-11-03 2026-11-04 18:30")
        await sync_events(bot.app.db, bot.adapter, "P2PU", START)
    tries = [c for c in bot.standin.calls if c.path.startswith(EVENTS)]
    assert [(c.status, c.answer) for c in tries] == [(403, {"code": 50013, "message": "Missing Permissions"})]
    warnings = [r.getMessage() for r in caplog.records if "scheduled events are off" in r.getMessage()]
    assert warnings == [
        f"scheduled events are off in server {GUILD_ID}: Discord answered 50013 Missing Permissions "
        "(grant Manage Events and restart)"
    ]
    assert bot.standin.events == {}


async def test_a_server_where_the_bots_role_lost_manage_events_is_not_asked(
    bot: Bot,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The bot's role loses Manage Events (a role update on the gateway): no request is sent, one warning says so."""
    role = {
        "id": "1400000000000000002",
        "name": "communitybot",
        "color": 0,
        "hoist": False,
        "position": 2,
        "permissions": "3072",  # view and send only
        "managed": True,
        "mentionable": False,
        "flags": 0,
        "tags": {"bot_id": "1100000000000000001"},
    }
    await bot.standin.dispatch("GUILD_ROLE_UPDATE", {"guild_id": GUILD_ID, "role": role})
    guild = bot.adapter.client.get_guild(int(GUILD_ID))
    assert guild is not None and guild.me is not None
    for _ in range(50):  # the gateway event arrives asynchronously
        if not guild.me.guild_permissions.manage_events:
            break
        await asyncio.sleep(0.02)
    await _meetings(bot)
    with caplog.at_level(logging.WARNING):
        await sync_events(bot.app.db, bot.adapter, "P2PU", START)
    assert [c for c in bot.standin.calls if c.path.startswith(EVENTS)] == []
    warnings = [r.getMessage() for r in caplog.records if "scheduled events are off" in r.getMessage()]
    assert warnings == [
        f"scheduled events are off in server {GUILD_ID}: the bot lacks the Manage Events permission "
        "(grant Manage Events and restart)"
    ]
