"""Meetings on the strict stand-ins: the reminder with Going / Can't make it as members see it on Discord and Slack,
a press answered privately, `meetings who` and the Plus/Delta modal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.slack.app import SlackAdapter
from bot.main.wiring import BotApp
from storage.checkins import create_group
from tests.adapters.discord_bot import Bot, bot, buttons, db_target, modal_defaults  # noqa: F401 (fixtures: Discord on its stand-in)
from tests.adapters.discord_standin import HELP_CHANNEL, MEMBER_ID
from tests.adapters.slack_standin import SECRET, SlackApi, fixture, post_form, serving
from tests.conftest import Clock, DbTarget, make_settings, routed

START = datetime(2026, 10, 21, 12, 0, tzinfo=UTC)
OCT27 = datetime(2026, 10, 27, 22, 0, tzinfo=UTC)  # 18:00 EDT
NOV3 = datetime(2026, 11, 3, 23, 0, tzinfo=UTC)  # 18:00 EST


async def _group(
    bot: Bot,  # noqa: F811
    platform: str,
    channel: str,
    creator: str,
) -> None:
    async with bot.app.db.session() as session:
        await create_group(
            session,
            name="Maps Circle",
            platform=platform,
            channel=channel,
            timezone="America/New_York",
            questions=("What did you do?",),
            creator=creator,
            now=START,
        )


async def test_discord_reminder_rsvp_and_who(bot: Bot) -> None:  # noqa: F811
    """The reminder is an embed with two buttons and no pings; Going is answered privately; `who` counts it."""
    await _group(bot, "discord", HELP_CHANNEL, MEMBER_ID)
    bot.app.dispatcher.clock = lambda: START
    scheduled = await bot.command("meetings", "schedule", "tue 18:00 --weeks 2 --place @everyone-room")
    # Discord shows each reader the times in their own zone (<t:TS:F>).
    assert scheduled.body["data"]["content"] == (
        "Scheduled 2 meetings of Maps Circle: first <t:1793138400:F>, "
        "last <t:1793746800:F>, 90 minutes, at @\u200beveryone-room."
    )
    for reply in await bot.app.scheduler.tick(OCT27 - timedelta(hours=24)):
        await bot.adapter.send(routed(reply))
    post = await bot.standin.wait_for(lambda c: c.path == f"/channels/{HELP_CHANNEL}/messages")
    assert post.body["embeds"][0]["title"] == "Meeting reminder: Maps Circle"
    assert post.body["embeds"][0]["description"] == (
        "Maps Circle meets <t:1793138400:F>, at @\u200beveryone-room. Are you coming?"
    )
    assert post.body["allowed_mentions"] == {"parse": []}
    (going, not_going) = buttons(post)
    assert (going[0], not_going[0]) == ("Going", "Can't make it")
    bot.app.dispatcher.clock = lambda: OCT27 - timedelta(hours=20)
    answered = await bot.press(going[1])
    assert answered.body["data"] == {
        "tts": False,
        "content": "See you <t:1793138400:F>! (You can still change your answer with the buttons.)",
        "flags": 64,
        "allowed_mentions": {"parse": []},
    }
    who = await bot.command("meetings", "who")
    assert who.body["data"]["flags"] == 64
    # An embed title shows no timestamps: its time reads in the group's zone.
    assert who.body["data"]["embeds"][0]["title"] == "Who is coming: Tue 27 Oct 2026 18:00 EDT"
    assert who.body["data"]["embeds"][0]["description"] == (
        f"Going (1): {MEMBER_ID}\nCan't make it (0): nobody\nNo answer yet (0): nobody"
    )


async def test_discord_reflect_button_opens_the_plus_delta_modal(bot: Bot) -> None:  # noqa: F811
    """At the meeting's end the Reflect post; its button opens a modal Discord accepts; the answer is saved."""
    await _group(bot, "discord", HELP_CHANNEL, MEMBER_ID)
    bot.app.dispatcher.clock = lambda: START
    await bot.command("meetings", "add", "2026-10-27 18:00 --length 1h")
    ends = OCT27 + timedelta(hours=1)
    for reply in await bot.app.scheduler.tick(ends):
        await bot.adapter.send(routed(reply))
    post = await bot.standin.wait_for(
        lambda c: c.path == f"/channels/{HELP_CHANNEL}/messages" and "How did it go" in json.dumps(c.body)
    )
    assert post.body["embeds"][0]["description"] == (
        "Thanks for meeting <t:1793138400:F>! One tap: what worked, "
        "and what would you change? (The summary, with your name, is posted in the group's channel.)"
    )
    ((label, custom_id),) = buttons(post)
    assert label == "Reflect"
    bot.app.dispatcher.clock = lambda: ends + timedelta(minutes=2)
    opened = await bot.press(custom_id)
    assert opened.body["type"] == 9 and opened.body["data"]["title"] == "Plus/Delta"
    assert list(modal_defaults(opened)) == ["plus", "delta", "rating"]
    saved = await bot.submit(
        opened.body["data"]["custom_id"],
        {"plus": "maps on the wall", "delta": "shorter intro", "rating": "4"},
        frozenset({"rating"}),
    )
    assert saved.body["data"]["content"] == (
        "Thanks, your reflection is saved; the facilitator sees it with the others."
    )
    (summary,) = await bot.app.scheduler.tick(ends + timedelta(hours=24))
    assert summary.text == (
        "Going: 0 · Can't make it: 0 · Reflections: 1\nRating: average 4.0 of 5 (1 rated)\n\n"
        f"*What worked*\n• {MEMBER_ID}: maps on the wall\n\n*What to change*\n• {MEMBER_ID}: shorter intro"
    )


async def test_slack_reminder_rsvp_and_reflection_modal(tmp_path: Path, clock: Clock) -> None:
    """On Slack: the reminder's buttons, a press answered privately, and the Plus/Delta modal saving a reflection."""
    settings = make_settings(
        DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'slack.db'}", None),
        tmp_path,
        roles={"facilitators": ["slack:U0FAY"]},
    )
    clock.now = START
    app = BotApp(settings, clock=clock)
    await app.start()
    try:
        async with serving() as api:
            adapter = SlackAdapter(app.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/")
            port = await adapter.start(host="127.0.0.1", port=0)
            url = f"http://127.0.0.1:{port}/slack/events"
            try:
                await _slack_flow(app, adapter, api, url, clock)
            finally:
                await adapter.stop()
    finally:
        await app.close()


def _slash(api: SlackApi, text: str, user: str, command: str = "/meetings") -> dict[str, str]:
    return {
        **fixture("slash_consult.json"),
        "command": command,
        "text": text,
        "user_id": user,
        "channel_id": "C0MAPS",
        "trigger_id": api.trigger(),
    }


def _press(api: SlackApi, action_id: str, value: str) -> dict[str, str]:
    press = fixture("block_actions.json")
    press.update(trigger_id=api.trigger(), channel={"id": "C0MAPS", "name": "maps"})
    press["actions"][0].update(action_id=action_id, value=value)
    return {"payload": json.dumps(press)}


async def _slack_flow(app: BotApp, adapter: SlackAdapter, api: SlackApi, url: str, clock: Clock) -> None:
    await post_form(url, _slash(api, "create Maps Circle --tz America/New_York", "U0FAY", "/checkin"))
    await post_form(url, _slash(api, "schedule tue 18:00 --weeks 1 --link https://meet.example.org/maps", "U0FAY"))
    scheduled = (await api.wait_for("chat.postMessage", 2))[1]
    assert scheduled["text"] == (
        "Scheduled 1 meeting of Maps Circle: first Tue 27 Oct 2026 18:00 EDT, "
        "last Tue 27 Oct 2026 18:00 EDT, 90 minutes, online: https://meet.example.org/maps."
    )
    for reply in await app.scheduler.tick(OCT27 - timedelta(hours=24)):
        await adapter.send(routed(reply))
    reminder = (await api.wait_for("chat.postMessage", 3))[2]
    assert reminder["text"] == "Meeting reminder: Maps Circle"
    assert [b["text"]["text"] for b in reminder["blocks"] if b["type"] != "actions"] == [
        "Meeting reminder: Maps Circle",
        # Slack shows each reader the time in their own zone; the fallback is the group's.
        "Maps Circle meets <!date^1793138400^{date_short_pretty} {time}|Tue 27 Oct 2026 18:00 EDT>, "
        "online: https://meet.example.org/maps. Are you coming?\n\n"
        # On Slack the reminder ends with an "add to calendar" link (Google Calendar's event template).
        "Add to calendar (<https://calendar.google.com/calendar/render?action=TEMPLATE&amp;"
        "text=Maps+Circle%3A+meeting&amp;dates=20261027T220000Z%2F20261027T233000Z&amp;ctz=America%2FNew_York&amp;"
        "details=https%3A%2F%2Fmeet.example.org%2Fmaps&amp;location=https%3A%2F%2Fmeet.example.org%2Fmaps>)",
    ]
    buttons = [e for b in reminder["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Going", "Can't make it"]
    clock.now = OCT27 - timedelta(hours=3)
    await post_form(url, _press(api, buttons[1]["action_id"], buttons[1]["value"]))
    (private,) = await api.wait_for("chat.postEphemeral")
    assert (private["user"], private["text"]) == (
        "U0ANN",
        "Thanks for letting the group know. "
        "You will get no more reminders for the meeting of Tue 27 Oct 2026 18:00 EDT.",
    )
    ends = OCT27 + timedelta(minutes=90)
    for reply in await app.scheduler.tick(ends):
        await adapter.send(routed(reply))
    post = (await api.wait_for("chat.postMessage", 4))[3]
    assert post["text"] == "How did it go? Maps Circle"
    clock.now = ends + timedelta(minutes=3)
    (reflect,) = [e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert reflect["text"]["text"] == "Reflect"
    await post_form(url, _press(api, reflect["action_id"], reflect["value"]))
    (opened,) = await api.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert [(b["block_id"], b["label"]["text"], b["optional"]) for b in view["blocks"]] == [
        ("plus", "What worked? (plus)", True),
        ("delta", "What would you change? (delta)", True),
        ("rating", "How was it overall? (1 low, 5 high)", True),
    ]
    submission = fixture("view_submission.json")
    submission["trigger_id"] = api.trigger()
    submission["view"]["private_metadata"] = view["private_metadata"]
    submission["view"]["state"]["values"] = {
        "plus": {"value": {"type": "plain_text_input", "value": "the map walk"}},
        "delta": {"value": {"type": "plain_text_input", "value": ""}},
        "rating": {"value": {"type": "static_select", "selected_option": {"value": "4"}}},
    }
    status, body = await post_form(url, {"payload": json.dumps(submission)})
    assert status == 200 and "errors" not in body
    saved = await api.wait_for("chat.postEphemeral", 2)
    assert saved[1]["text"] == "Thanks, your reflection is saved; the facilitator sees it with the others."
    (summary,) = await app.scheduler.tick(ends + timedelta(hours=24))
    assert summary.text == (
        "Going: 0 · Can't make it: 1 · Reflections: 1\nRating: average 4.0 of 5 (1 rated)\n\n"
        "*What worked*\n• U0ANN: the map walk"
    )
