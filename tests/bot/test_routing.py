"""Where replies go: route() for each kind of target, the outbox for another platform, and inbound dedupe."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.adapter import Delivery, Target
from bot.events import Action, Message, Origin, Reply, Visibility
from bot.main.runtime import make_deliver
from bot.main.wiring import BotApp
from bot.routing import Channels, route
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts

CHANNEL = Origin("slack", "C0GENERAL", "U0ANN", user_name="Ann", thread="1710000000.000100")
DM = Origin("slack", "D0ANN", "U0ANN", thread="1710000000.000200", is_dm=True)
MAPPED = Channels({"staff": {"slack": "C0STAFF", "discord": "1500000000000000001"}, "help": {"discord": "1500"}})
LEGACY = Channels.of({}, staff="C0OLDSTAFF")


def targets(origin: Origin | None, reply: Reply, channels: Channels = MAPPED) -> list[Target]:
    return [d.target for d in route(origin, reply, channels)]


def test_a_plain_reply_answers_the_event_in_its_thread_only_when_asked() -> None:
    """A public reply goes back where the event came from; in_thread adds the thread, never in a DM."""
    assert targets(CHANNEL, Reply("hi")) == [Target("reply", "slack", "C0GENERAL", "U0ANN")]
    threaded = Target("reply", "slack", "C0GENERAL", "U0ANN", thread="1710000000.000100")
    assert targets(CHANNEL, Reply("hi", in_thread=True)) == [threaded]
    assert targets(DM, Reply("hi", in_thread=True)) == [Target("reply", "slack", "D0ANN", "U0ANN")]


def test_an_ephemeral_reply_is_for_the_user_only_and_plain_in_a_dm() -> None:
    """Ephemeral in a channel is seen by the user only; in the bot's DM it is simply the answer."""
    private = Reply("only you", visibility=Visibility.EPHEMERAL, in_thread=True)
    assert targets(CHANNEL, private) == [Target("ephemeral", "slack", "C0GENERAL", "U0ANN", thread="1710000000.000100")]
    assert targets(DM, private) == [Target("reply", "slack", "D0ANN", "U0ANN")]


def test_a_dm_goes_to_the_named_user_or_the_event_user() -> None:
    """DM visibility messages the event's user; a named user (and platform) wins; no user and no event: nowhere."""
    assert targets(CHANNEL, Reply("psst", visibility=Visibility.DM)) == [Target("dm", "slack", user="U0ANN")]
    reminder = Reply("check in", user="123", platform="discord", visibility=Visibility.DM)
    assert targets(CHANNEL, reminder) == [Target("dm", "discord", user="123")]
    assert targets(None, reminder) == [Target("dm", "discord", user="123")]
    assert targets(None, Reply("psst", visibility=Visibility.DM)) == []
    assert targets(None, Reply("to nobody")) == []


def test_a_logical_channel_goes_once_to_each_platform_it_is_mapped_to() -> None:
    """staff mapped on two platforms: two deliveries, each on its platform, each with its own idempotency key."""
    deliveries = route(CHANNEL, Reply("new lead", channel="staff", key="lead:1"), MAPPED)
    assert [d.target for d in deliveries] == [
        Target("channel", "slack", channel="C0STAFF"),
        Target("channel", "discord", channel="1500000000000000001"),
    ]
    assert [d.reply.key for d in deliveries] == ["lead:1:slack", "lead:1:discord"]
    assert targets(CHANNEL, Reply("a human, please", channel="help", platform="slack")) == [
        Target("channel", "discord", channel="1500")
    ]


def test_a_legacy_channel_is_on_the_event_platform_or_every_platform() -> None:
    """A bare staff_channel id is used on the event's platform; with no event and no platform, on all (``*``)."""
    assert targets(CHANNEL, Reply("x", channel="staff"), LEGACY) == [Target("channel", "slack", channel="C0OLDSTAFF")]
    assert targets(None, Reply("x", channel="staff"), LEGACY) == [Target("channel", "*", channel="C0OLDSTAFF")]
    assert targets(None, Reply("x", channel="C9", platform="discord"), LEGACY) == [
        Target("channel", "discord", channel="C9")
    ]


class Recorder:
    """A chat service that records what it is sent."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[Delivery] = []
        self.got = asyncio.Event()

    async def run(self) -> None:
        await asyncio.Event().wait()

    async def stop(self) -> None:
        pass

    async def send(self, delivery: Delivery) -> None:
        self.sent.append(delivery)
        self.got.set()


async def test_ask_a_human_from_slack_reaches_the_help_channel_on_discord(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """help mapped only to Discord: pressed on Slack, the question reaches Discord (via the outbox), not Slack."""
    settings = make_settings(db_target, tmp_path, channels={"help": {"discord": "1500000000000000042"}})
    app = BotApp(settings, clock=clock)
    await app.start()
    slack, discord, stop = Recorder("slack"), Recorder("discord"), asyncio.Event()
    running = asyncio.create_task(app.scheduler.run(lambda: clock.now, make_deliver([slack, discord]), stop, 3600))
    try:
        (answer,) = await app.dispatcher.handle(Message(CHANNEL, "ask how long should each meeting be", True))
        human = next(b for b in answer.buttons if b.action_id == "kb:human")
        replies = await app.dispatcher.handle(Action(CHANNEL, human.action_id, human.value))
        # Only the "passed on" note is for Slack, privately; the question itself is not handed to Slack.
        assert [(r.visibility, r.channel) for r in replies] == [(Visibility.EPHEMERAL, None)]
        await asyncio.wait_for(discord.got.wait(), 5)  # woken at once, not after the hour-long interval
        (sent,) = discord.sent
        assert sent.target == Target("channel", "discord", channel="1500000000000000042")
        assert sent.reply.title == "A question for a human" and "how long should each meeting be" in sent.reply.text
        assert slack.sent == []
    finally:
        stop.set()
        await running
        await app.close()


async def test_a_repeated_delivery_id_is_handled_once(chat: Chat) -> None:
    """The same delivery (a Slack retry, a replayed interaction) is answered once; another id is answered again."""
    origin = chat.origin()
    first = await chat.send(Message(origin, "help", delivery_id="Ev0RETRY1"))
    assert "What I can do" in texts(first)
    assert await chat.send(Message(origin, "help", delivery_id="Ev0RETRY1")) == []
    assert await chat.send(Message(origin, "help", delivery_id="Ev0OTHER2")) != []
    assert await chat.send(Message(origin, "help")) != []  # no id: nothing to dedupe by
