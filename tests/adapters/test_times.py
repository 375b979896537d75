"""Times in each reader's zone: a member in Tokyo reads Tokyo time on the console; Slack and Discord get their own
timestamp syntax (each client shows it in its reader's zone), through the strict stand-ins."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from adapters.console import ConsoleAdapter
from adapters.slack.app import SlackAdapter
from bot.main.wiring import BotApp
from bot.schedule import Schedule, parse_days, parse_time
from bot.when import OPEN
from storage.checkins import create_group, update_group
from tests.adapters.discord_bot import Bot, bot, db_target  # noqa: F401 (fixtures: Discord on its stand-in)
from tests.adapters.discord_standin import HELP_CHANNEL, MEMBER_ID
from tests.adapters.slack_standin import SECRET, mrkdwn_texts, serving
from tests.conftest import Chat, Clock, DbTarget, make_settings, routed

# Tuesday 3 March 2026, 18:00 in Berlin (CET) is 17:00 UTC and Wednesday 02:00 in Tokyo.
FIRST = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
CLOSES_TS = int((FIRST + timedelta(hours=24)).timestamp())


async def _berlin_group(app: BotApp, platform: str, channel: str, creator: str) -> None:
    """A Berlin study group meeting Tuesdays at 18:00, its first check-in at :data:`FIRST`."""
    async with app.db.session() as session:
        group = await create_group(
            session,
            name="Maps Circle",
            platform=platform,
            channel=channel,
            timezone="Europe/Berlin",
            questions=("What did you do?",),
            creator=creator,
            now=FIRST - timedelta(days=1),
        )
        rule = Schedule.weekly(parse_days("tue"), parse_time("18:00"), date(2026, 3, 3), count=2)
        await update_group(session, group.id, rrule=rule.text, next_run_at=FIRST)


async def test_a_member_in_tokyo_reads_tokyo_time_on_the_console(app: BotApp, chat: Chat, clock: Clock) -> None:
    """After `me tz Asia/Tokyo`, the console shows the group's time and hers; Fay (no zone set) sees Berlin's only."""
    clock.now = FIRST - timedelta(days=1)
    await _berlin_group(app, "console", "maps", "fay")
    await chat.say("checkin join", user="ann", channel="maps")
    out = io.StringIO()
    zone_of = lambda user: app.reader_zone("console", user)  # noqa: E731
    ann = ConsoleAdapter(app.dispatcher.handle, out, user="ann", channel="maps", zone_of=zone_of)
    await ann.say("me tz asia/tokyo")
    assert "Your time zone is now Asia/Tokyo; it is Tue 03 Mar 2026 02:00 JST there." in out.getvalue()
    await ann.say("checkin next")
    assert "• Tue 03 Mar 2026 18:00 CET (your time: Wed 04 Mar 2026 02:00 JST)" in out.getvalue()
    fay = io.StringIO()
    await ConsoleAdapter(app.dispatcher.handle, fay, user="fay", channel="maps", zone_of=zone_of).say("checkin next")
    assert "• Tue 03 Mar 2026 18:00 CET\n" in fay.getvalue() and "your time" not in fay.getvalue()
    # A reminder DM the scheduler sends her reads in her zone too.
    console = ConsoleAdapter(app.dispatcher.handle, out := io.StringIO(), user="fay", zone_of=zone_of)
    await app.scheduler.tick(FIRST)
    reminders = await app.scheduler.tick(FIRST + timedelta(hours=4))
    (to_ann,) = [r for r in reminders if r.user == "ann"]
    await console.send(routed(to_ann))
    assert "closes Wed 04 Mar 2026 18:00 CET (your time: Thu 05 Mar 2026 02:00 JST)." in out.getvalue()
    assert OPEN not in out.getvalue()


async def test_slack_gets_its_date_syntax_with_the_groups_time_as_fallback(tmp_path: Path, clock: Clock) -> None:
    """The check-in prompt on Slack: `<!date^TS^...|fallback>` in the body, the plain time in the notification."""
    settings = make_settings(DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'slack.db'}", None), tmp_path)
    app = BotApp(settings, clock=clock)
    await app.start()
    try:
        await _berlin_group(app, "slack", "C0MAPS", "U0FAY")
        async with serving() as api:
            adapter = SlackAdapter(app.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/")
            for reply in await app.scheduler.tick(FIRST):
                await adapter.send(routed(reply))
            (post,) = await api.wait_for("chat.postMessage")
    finally:
        await app.close()
    assert post["text"] == "Check-in: Maps Circle"
    body = next(b["text"]["text"] for b in post["blocks"] if b["type"] == "section")
    assert body.startswith(
        "Time for this week's check-in! Press Answer (or type `checkin answer`). Answers close "
        f"<!date^{CLOSES_TS}^{{date_short_pretty}} {{time}}|Wed 04 Mar 2026 18:00 CET>.\n\n"
    )
    assert all(OPEN not in text for text in mrkdwn_texts(post))
    assert ("chat.postMessage", post) in api.accepted


async def test_discord_gets_timestamps_in_each_readers_zone(bot: Bot) -> None:  # noqa: F811
    """The check-in prompt on Discord: `<t:TS:F>` and "in 24 hours" (`<t:TS:R>`), and nothing pings."""
    await _berlin_group(bot.app, "discord", HELP_CHANNEL, MEMBER_ID)
    for reply in await bot.app.scheduler.tick(FIRST):
        await bot.adapter.send(routed(reply))
    post = await bot.standin.wait_for(lambda c: c.path == f"/channels/{HELP_CHANNEL}/messages")
    (embed,) = post.body["embeds"]
    assert embed["title"] == "Check-in: Maps Circle"
    assert embed["description"] == (
        "Time for this week's check-in! Press Answer (or type `checkin answer`). "
        f"Answers close <t:{CLOSES_TS}:F> (<t:{CLOSES_TS}:R>).\n\n1. What did you do?"
    )
    assert post.body["allowed_mentions"] == {"parse": []} and OPEN not in json.dumps(post.body)
