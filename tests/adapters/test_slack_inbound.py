"""A Slack mention on its way in: one acknowledgement, one self-filter, one lookup of the bot's user id."""

from __future__ import annotations

import copy

from bot.main.wiring import BotApp
from tests.adapters.slack_standin import FOLLOW_UP_ANSWER, answered, bot_over_http, fixture, follow_up, post_event


async def test_mentions_look_the_bot_up_once_and_drop_its_own_messages(app: BotApp) -> None:
    """Two mentions and the bot's own message: auth.test is called once, and only the mentions are answered."""
    first, second = fixture("app_mention.json"), fixture("app_mention.json")
    second["event_id"], second["event"]["ts"] = "Ev0MENTION2", "1710000001.000100"
    own = copy.deepcopy(first)
    own["event_id"], own["event"]["user"] = "Ev0SELF", "U0BOT"  # the bot's own message, as Slack echoes it
    async with bot_over_http(app) as (url, api):
        for event in (first, own, second):
            assert (await post_event(url, event))[0] == 200
        await post_event(url, follow_up())
        await api.wait_for("chat.postMessage", 3)
        await post_event(url, follow_up(2))  # dealt with after everything before it: count now
        posted = await api.wait_for("chat.postMessage", 4)
    assert sorted(answered(p)[0] for p in posted) == ["C0GENERAL", "C0GENERAL", "D0ANN", "D0ANN"]
    assert {answered(p)[1] for p in posted if p["channel"] == "D0ANN"} == {FOLLOW_UP_ANSWER}
    assert [name for name, _ in api.calls].count("auth.test") == 1
