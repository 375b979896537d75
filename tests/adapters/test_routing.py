"""Scheduled staff notices through the runtime: only the configured platform and channel, once."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from adapters.slack.app import SlackAdapter, SlackService
from bot.main.runtime import make_deliver
from bot.main.wiring import BotApp
from tests.adapters.slack_standin import SECRET, serving
from tests.bot.lead_answers import VALID
from tests.conftest import Chat, Clock, DbTarget, make_settings


@pytest.fixture
async def app(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[BotApp]:
    """A bot whose staff channel is mapped to one Slack channel only (the legacy bare ids are set too)."""
    settings = make_settings(db_target, tmp_path, channels={"staff": {"slack": "C0STAFF"}})
    bot = BotApp(settings, clock=clock)
    await bot.start()
    yield bot
    await bot.close()


async def test_a_staff_follow_up_reaches_only_the_platform_and_channel_configured(app: BotApp, clock: Clock) -> None:
    """Slack and the console both running: the lead follow-up reaches C0STAFF on Slack, once, and the console never."""
    replies = await Chat(app).submit("consult:intake", VALID)  # a lead from the console: its notice is Slack's
    assert [r.channel for r in replies] == [None]  # the thanks only: the staff notice is not the console's to show
    out = io.StringIO()
    console = ConsoleAdapter(app.dispatcher.handle, out)
    async with serving() as api:
        slack = SlackService(SlackAdapter(app.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/"), port=0)
        deliver = make_deliver([slack, console])
        for hours in (49, 50, 60):
            now = clock.now + timedelta(hours=hours)
            await app.scheduler.tick(now)
            await app.scheduler.deliver_due(now, deliver)
    posts = api.of("chat.postMessage")
    follow_ups = [p for p in posts if p["text"].startswith("Waiting for a reply: L-0001")]
    assert [p["channel"] for p in follow_ups] == ["C0STAFF"]
    notices = [p["channel"] for p in posts if p["text"].startswith("New consulting request L-0001")]
    assert notices == ["C0STAFF"] and len(posts) == 2  # the new-lead notice went there too (by the outbox)
    assert api.of("chat.postEphemeral") == []
    assert out.getvalue() == ""  # nothing on the other chat service
