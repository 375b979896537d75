"""The digest's charts and report reach Slack (files upload v2) and Discord (message attachments) byte for byte."""

from __future__ import annotations

import json
from datetime import date

from adapters.slack.app import SlackAdapter
from bot.events import Event, Reply
from bot.pulse.digest import digest_replies
from bot.pulse.report import build_report, period_for
from storage import Database
from tests.adapters.discord_standin import HELP_CHANNEL, Call
from tests.adapters.slack_standin import SECRET, serving
from tests.adapters.test_discord import Bot, bot, db_target  # noqa: F401 (fixtures: Discord on its stand-in)
from tests.conftest import routed
from tests.pulse.seed import Seeded

STEM = "pulse-2026-10-05-2026-11-15"


async def _nobody(event: Event) -> list[Reply]:
    return []


def uploads_of(call: Call) -> list[tuple[str, bytes]]:
    return list(call.body.get("_uploads", [])) if isinstance(call.body, dict) else []


async def replies_for(db: Database, channel: str) -> list[Reply]:
    report = await build_report(db, period_for(date(2026, 10, 5), date(2026, 11, 15), "UTC", date(2026, 11, 16)))
    return digest_replies(report, channel)


async def test_slack_gets_the_pngs_and_the_report_as_uploaded_files(db: Database, seeded: Seeded) -> None:
    """Headlines as a message; each chart and the HTML uploaded to the staff channel with the exact bytes."""
    replies = await replies_for(db, "C0STAFF")
    async with serving() as api:
        adapter = SlackAdapter(_nobody, "xoxb-test", SECRET, api.base_url + "/api/")
        for reply in replies:
            await adapter.send(routed(reply))
        completed = await api.wait_for("files.completeUploadExternal", 4)
    posted = api.of("chat.postMessage")
    assert [p["channel"] for p in posted] == ["C0STAFF"] * 5
    assert posted[0]["text"].startswith("Community pulse: week 2026-W46")
    assert [c["channel_id"] for c in completed] == ["C0STAFF"] * 4
    names = [json.loads(c["files"])[0]["title"] for c in completed]
    assert names == [f"{STEM}-questions.png", f"{STEM}-participation.png", f"{STEM}-leads.png", f"{STEM}.html"]
    sent = [r.attachment.payload for r in replies if r.attachment is not None]
    assert list(api.uploads.values()) == sent
    assert all(data.startswith(b"\x89PNG\r\n\x1a\n") for data in sent[:3])


async def test_discord_gets_the_pngs_and_the_report_as_attachments(
    bot: Bot,  # noqa: F811
    seeded: Seeded,
) -> None:
    """Each chart and the HTML go to the channel as multipart attachments with their file names and bytes."""
    replies = await replies_for(bot.app.db, HELP_CHANNEL)
    for reply in replies:
        await bot.adapter.send(routed(reply))
    await bot.standin.wait_for(lambda c: any(name == f"{STEM}.html" for name, _ in uploads_of(c)))
    uploads = [u for c in bot.standin.calls if c.path == f"/channels/{HELP_CHANNEL}/messages" for u in uploads_of(c)]
    expected = [(r.attachment.filename, r.attachment.payload) for r in replies if r.attachment is not None]
    assert uploads == expected
    assert [name for name, _ in uploads] == [
        f"{STEM}-questions.png",
        f"{STEM}-participation.png",
        f"{STEM}-leads.png",
        f"{STEM}.html",
    ]
