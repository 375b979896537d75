"""One person on Slack and Discord: `link` on the Slack stand-in, confirmed on the Discord stand-in; then the study
group and the staff role given to the Slack account count on Discord."""

from __future__ import annotations

import json
import re

from bot.permissions import RoleResolver
from bot.settings_models import RoleSettings
from storage.checkins import create_group
from tests.adapters.discord_standin import MEMBER_ID, Call
from tests.adapters.slack_standin import bot_over_http, fixture, post_event
from tests.adapters.test_discord import Bot, bot, db_target  # noqa: F401 (fixtures: Discord on its stand-in)


def uploads_of(call: Call) -> list[tuple[str, bytes]]:
    return list(call.body.get("_uploads", [])) if isinstance(call.body, dict) else []


CODE = re.compile(r"link ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})")


def slack_dm(text: str, n: int) -> dict[str, object]:
    """Ann's DM to the bot on Slack, saying ``text``."""
    event = fixture("message_im.json")
    event["event_id"] = f"Ev0PEOPLE{n}"
    event["event"]["text"] = text
    event["event"]["ts"] = event["event"]["event_ts"] = f"1710000500.{n:06d}"
    return event


async def test_link_on_slack_confirmed_on_discord_makes_one_member(bot: Bot) -> None:  # noqa: F811
    """Slack's U0ANN asks for a code, Discord's member types it; the group and role of U0ANN then hold on Discord."""
    async with bot.app.db.session() as session:
        await create_group(
            session,
            name="Python Circle",
            platform="slack",
            channel="C0CIRCLE",
            timezone="UTC",
            questions=("What did you do?",),
            creator="U0ANN",
            now=bot.app.dispatcher.clock(),
        )
    bot.app.dispatcher.roles = RoleResolver(RoleSettings(staff=["slack:U0ANN"]))
    assert "only for staff" in json.dumps((await bot.command("leads", "list")).body)
    async with bot_over_http(bot.app) as (url, api):
        assert (await post_event(url, slack_dm("link", 1)))[0] == 200
        (posted,) = await api.wait_for("chat.postMessage")
    assert posted["channel"] == "D0ANN"
    found = CODE.search(json.dumps(posted))
    assert found is not None, posted
    data = {"id": "1", "name": "link", "type": 1, "options": [{"name": "code", "type": 3, "value": found.group(1)}]}
    linked = await bot.interact("interaction_command", data=data)
    assert linked.body["data"]["flags"] == 64  # private
    assert f"slack:U0ANN, discord:{MEMBER_ID}" in json.dumps(linked.body)
    mine = await bot.command("checkin", "mine")
    assert "Python Circle" in json.dumps(mine.body)
    allowed = await bot.command("leads", "list")
    assert "only for staff" not in json.dumps(allowed.body) and "No leads match." in json.dumps(allowed.body)
    reused = await bot.interact("interaction_command", data=data)
    assert "That code is unknown, used or expired." in json.dumps(reused.body)


async def test_mydata_on_discord_arrives_as_a_private_json_file(bot: Bot) -> None:  # noqa: F811
    """`/mydata` in a server channel: the file comes in a reply only the member sees, never in the channel."""
    await bot.command("link")
    answer = await bot.command("mydata")
    assert answer.body["data"]["flags"] == 64  # ephemeral: only the member sees it
    uploads = uploads_of(answer)
    assert [name.startswith("mydata-") and name.endswith(".json") for name, _ in uploads] == [True]
    data = json.loads(uploads[0][1])
    assert data["identities"] == [f"discord:{MEMBER_ID}"] and data["tables"]["link_codes"][0]["user_id"] == MEMBER_ID
    assert [c.path for c in bot.standin.calls if uploads_of(c)] == [answer.path]
