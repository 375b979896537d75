"""Slack events on their way in: one acknowledgement, one self-filter, one lookup of the bot's user id; which message
subtypes are someone saying something; a modal the bot can no longer read."""

from __future__ import annotations

import copy
import json

from adapters.slack.translate import event_to_core
from bot.main.wiring import BotApp
from tests.adapters.slack_standin import (
    FOLLOW_UP_ANSWER,
    answered,
    bot_over_http,
    fixture,
    follow_up,
    post_event,
    post_form,
)


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


async def test_a_question_with_a_file_or_also_sent_to_the_channel_is_answered(app: BotApp) -> None:
    """A DM question with a screenshot attached (subtype file_share) and a thread reply also sent to the channel
    (thread_broadcast) are answered like any message; a file alone, an edit and a deletion get nothing."""
    with_file = follow_up(1)
    with_file["event"].update(subtype="file_share", files=[{"id": "F0SHOT", "name": "screenshot.png"}])
    file_alone = copy.deepcopy(with_file)
    file_alone["event_id"], file_alone["event"]["text"] = "Ev0FILEALONE", ""
    edited = follow_up(3)
    edited["event"].update(subtype="message_changed", message=dict(edited["event"]))
    deleted = follow_up(4)
    deleted["event"].update(subtype="message_deleted", previous_message=dict(deleted["event"]))
    del edited["event"]["user"], deleted["event"]["user"]  # as Slack sends them: the user is inside the message
    broadcast = fixture("message_thread_reply.json")
    broadcast["event"].update(subtype="thread_broadcast", root={"ts": "1710000000.000100", "user": "U0ANN"})
    async with bot_over_http(app) as (url, api):
        await post_event(url, fixture("app_mention.json"))
        await api.wait_for("chat.postMessage")
        for event in (with_file, file_alone, edited, deleted, broadcast):
            assert (await post_event(url, event))[0] == 200
        await api.wait_for("chat.postMessage", 3)
        await post_event(url, follow_up(5))  # dealt with after everything before it: count now
        posted = await api.wait_for("chat.postMessage", 4)
    circle_size = "How big should a learning circle be?"
    assert sorted((*answered(p), p.get("thread_ts") or "") for p in posted) == [
        ("C0GENERAL", circle_size, "1710000000.000100"),  # the mention
        ("C0GENERAL", circle_size, "1710000000.000100"),  # the reply also sent to the channel, in its thread
        ("D0ANN", FOLLOW_UP_ANSWER, ""),  # the question with a file
        ("D0ANN", FOLLOW_UP_ANSWER, ""),  # the last question
    ]


async def test_a_modal_of_an_older_version_closes_and_the_user_reads_why(app: BotApp) -> None:
    """A view_submission whose private_metadata is not the bot's JSON (a modal opened before an upgrade) closes the
    modal, and the user reads by DM that the form is no longer open; before, every try got a 500 and Slack's "We had
    some trouble connecting" in the modal."""
    view = fixture("view_submission.json")
    view["view"].update(callback_id="intake_v1", private_metadata="intake_v1|C0GENERAL")
    async with bot_over_http(app) as (url, api):
        view["trigger_id"] = api.trigger()
        assert await post_form(url, {"payload": json.dumps(view)}) == (200, "")
        (dm,) = await api.wait_for("chat.postMessage")
    assert (dm["channel"], dm["text"], dm["blocks"]) == (
        "U0ANN",
        "That form is no longer open.",
        [{"type": "section", "text": {"type": "mrkdwn", "text": "That form is no longer open."}}],
    )


def test_a_file_with_no_words_never_reaches_the_core() -> None:
    """A screenshot sent alone in a DM (file_share, empty text) reached the core as "", which a pending form took
    for an answer (skipping an optional field, or submitting the form); with words, it is a message like any."""
    event = fixture("message_im.json")
    event["event"].update(subtype="file_share", files=[{"id": "F0SHOT"}], text="")
    assert event_to_core(event, "U0BOT") is None
    event["event"]["text"] = "is this the right venue?"
    message = event_to_core(event, "U0BOT")
    assert message is not None and message.text == "is this the right venue?"
