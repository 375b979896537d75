"""Signed lead webhooks, verified by ``standardwebhooks`` on a loopback receiver, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.main.wiring import BotApp
from bot.when import plain
from tests.bot.features.webhooks.receiver import SECRET, Receiver, receiving
from tests.bot.lead_answers import VALID
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts


def _settings(db_target: DbTarget, tmp_path: Path, url: str, **hook: Any) -> Any:
    return make_settings(db_target, tmp_path, webhooks=[{"url": url, "secret": SECRET, **hook}])


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as got:
        yield got


@pytest.fixture
async def hooked(db_target: DbTarget, tmp_path: Path, clock: Clock, receiver: Receiver) -> AsyncIterator[BotApp]:
    """A started bot whose one webhook is the loopback receiver."""
    bot = BotApp(_settings(db_target, tmp_path, receiver.url), clock=clock)
    await bot.start()
    yield bot
    await bot.close()


async def _tick(app: BotApp, clock: Clock) -> None:
    await app.scheduler.tick(clock())


async def test_a_new_lead_is_posted_signed_and_the_reference_library_verifies_it(
    hooked: BotApp, clock: Clock, receiver: Receiver
) -> None:
    """A consult makes one lead.created POST that Webhook.verify accepts, with what staff see and no chat id."""
    chat = Chat(hooked)
    await chat.submit("consult:intake", VALID)
    await _tick(hooked, clock)
    (event,) = receiver.events
    assert event["type"] == "lead.created"
    lead = event["data"]["lead"]
    assert (lead["ref"], lead["email"], lead["name"], lead["status"]) == ("L-0001", VALID["email"], "Ann Lee", "new")
    assert "requester" not in lead and "ann" not in lead.values()
    headers = receiver.got[0].headers
    assert headers["webhook-id"].startswith("msg_") and headers["webhook-signature"].startswith("v1,")


async def test_a_forged_signature_is_refused_by_the_receiver(
    db_target: DbTarget, tmp_path: Path, clock: Clock, receiver: Receiver
) -> None:
    """The receiver's check is real: a bot with another secret is refused, and that 4xx is not retried."""
    other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
    settings = make_settings(db_target, tmp_path, webhooks=[{"url": receiver.url, "secret": other}])
    bot = BotApp(settings, clock=clock)
    await bot.start()
    receiver.answers = [400]
    try:
        await Chat(bot).submit("consult:intake", VALID)
        await _tick(bot, clock)
        clock.advance(hours=1)
        await _tick(bot, clock)
    finally:
        await bot.close()
    assert [r.error for r in receiver.got] == ["No matching signature found"]


async def test_retried_after_a_500_with_the_same_id(hooked: BotApp, clock: Clock, receiver: Receiver) -> None:
    """A 500 is tried again after the backoff (not before), with the same webhook-id, then never again."""
    receiver.answers = [500]
    chat = Chat(hooked)
    await chat.submit("consult:intake", VALID)
    await _tick(hooked, clock)
    clock.advance(seconds=10)
    await _tick(hooked, clock)
    assert len(receiver.got) == 1
    listed = texts(await chat.say("webhooks list", role="staff"))
    assert "pending" in listed and "HTTP 500" in listed and "127.0.0.1" in listed
    clock.advance(seconds=30)
    await _tick(hooked, clock)
    clock.advance(hours=2)
    await _tick(hooked, clock)
    assert len(receiver.got) == 2
    assert receiver.got[0].headers["webhook-id"] == receiver.got[1].headers["webhook-id"]
    assert receiver.events[0] == receiver.events[1]
    sent = plain(texts(await chat.say("webhooks list --status sent", role="staff")))
    assert sent.endswith("→ 127.0.0.1: *sent*, 2 attempts, delivered Mon 02 Mar 2026 09:00 UTC")


async def test_retried_after_a_restart(db_target: DbTarget, tmp_path: Path, clock: Clock, receiver: Receiver) -> None:
    """A delivery that failed in one process is sent by a new BotApp on the same database."""
    settings = _settings(db_target, tmp_path, receiver.url)
    receiver.answers = [503]
    first = BotApp(settings, clock=clock)
    await first.start()
    await Chat(first).submit("consult:intake", VALID)
    await _tick(first, clock)
    await first.close()
    clock.advance(minutes=5)
    second = BotApp(settings, clock=clock)
    await second.start()
    try:
        await _tick(second, clock)
    finally:
        await second.close()
    assert [e["type"] for e in receiver.events] == ["lead.created", "lead.created"]
    assert len({r.headers["webhook-id"] for r in receiver.got}) == 1


async def test_never_sent_twice_after_a_200_even_by_two_replicas(
    db_target: DbTarget, tmp_path: Path, clock: Clock, receiver: Receiver
) -> None:
    """Two replicas ticking at once over a day send each delivery once; retrying a sent one is refused."""
    settings = _settings(db_target, tmp_path, receiver.url)
    replicas = [BotApp(settings, clock=clock), BotApp(settings, clock=clock)]
    for replica in replicas:
        await replica.start()
    receiver.delay = 0.2  # both replicas tick while the first POST is still open
    try:
        chat = Chat(replicas[0])
        for n in range(3):
            await chat.submit("consult:intake", {**VALID, "email": f"p{n}@example.org"})
        for _ in range(4):
            await asyncio.gather(*(_tick(replica, clock) for replica in replicas))
            clock.advance(hours=8)
        refused = texts(await chat.say("webhooks retry 1", role="staff"))
    finally:
        for replica in replicas:
            await replica.close()
    assert sorted(e["data"]["lead"]["ref"] for e in receiver.events) == ["L-0001", "L-0002", "L-0003"]
    assert "never sent twice" in refused


async def test_status_changed_carries_old_and_new(hooked: BotApp, clock: Clock, receiver: Receiver) -> None:
    """A status change posts lead.status_changed with the old and the new status; a note posts lead.updated."""
    chat = Chat(hooked)
    await chat.submit("consult:intake", VALID)
    await chat.say("leads status L-0001 contacted", role="staff")
    await chat.say("leads note L-0001 called back", role="staff")
    await _tick(hooked, clock)
    created, changed, updated = receiver.events
    assert created["type"] == "lead.created"
    assert changed["type"] == "lead.status_changed"
    assert (changed["data"]["old_status"], changed["data"]["new_status"]) == ("new", "contacted")
    assert changed["data"]["lead"]["status"] == "contacted"
    assert (updated["type"], updated["data"]["change"]) == ("lead.updated", "note")


async def test_only_subscribed_events_are_sent_and_forgotten_carries_no_personal_data(
    db_target: DbTarget, tmp_path: Path, clock: Clock, receiver: Receiver
) -> None:
    """An endpoint gets only its events; lead.forgotten names the lead and nothing about the person."""
    settings = _settings(db_target, tmp_path, receiver.url, events=["lead.forgotten"])
    bot = BotApp(settings, clock=clock)
    await bot.start()
    try:
        chat = Chat(bot)
        await chat.submit("consult:intake", VALID)
        await chat.say("leads status L-0001 won", role="staff")
        await chat.say(f"leads forget {VALID['email']}", role="staff")
        await _tick(bot, clock)
    finally:
        await bot.close()
    (event,) = receiver.events
    assert event["type"] == "lead.forgotten" and event["data"] == {"lead": {"id": 1, "ref": "L-0001"}}


async def test_a_refused_delivery_is_given_up_and_staff_can_retry_it(
    hooked: BotApp, clock: Clock, receiver: Receiver
) -> None:
    """A 404 is not retried on its own; `webhooks retry ID` sends it again; members cannot list deliveries."""
    receiver.answers = [404]
    chat = Chat(hooked)
    await chat.submit("consult:intake", VALID)
    await _tick(hooked, clock)
    clock.advance(hours=3)
    await _tick(hooked, clock)
    assert len(receiver.got) == 1
    assert "failed" in texts(await chat.say("webhooks list --status failed", role="staff"))
    assert "sent again" in texts(await chat.say("webhooks retry 1", role="staff"))
    await _tick(hooked, clock)
    assert len(receiver.got) == 2
    assert receiver.events[1]["data"]["lead"]["ref"] == "L-0001"
    member = texts(await chat.say("webhooks list", user="bob"))
    assert "127.0.0.1" not in member and "#1" not in member  # staff only


async def test_given_up_after_24_hours_of_failures(hooked: BotApp, clock: Clock, receiver: Receiver) -> None:
    """An endpoint answering 500 forever is tried with growing waits for 24 hours, then given up."""
    receiver.answers = [500] * 100
    await Chat(hooked).submit("consult:intake", VALID)
    started = clock()
    while clock() - started < timedelta(hours=26):
        await _tick(hooked, clock)
        clock.advance(minutes=10)
    times = len(receiver.got)
    assert 20 <= times <= 40, times  # 30 s doubling to an hour: about 30 tries in a day
    listed = texts(await Chat(hooked).say("webhooks list --status failed", role="staff"))
    assert "still failing after 24 h" in listed


async def test_nothing_answering_is_retried_and_the_secret_and_url_stay_out_of_logs(
    db_target: DbTarget, tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """A refused connection is retried; no log line holds the secret (at any level) or the URL (above DEBUG)."""
    caplog.set_level(logging.DEBUG)
    async with receiving() as gone:
        url = gone.url + "?token=crm-s3cret"
    bot = BotApp(_settings(db_target, tmp_path, url), clock=clock)
    await bot.start()
    try:
        await Chat(bot).submit("consult:intake", VALID)
        await _tick(bot, clock)
        listed = texts(await Chat(bot).say("webhooks list", role="staff"))
    finally:
        await bot.close()
    assert "pending" in listed and "URLError" in listed
    assert "not delivered" in caplog.text
    assert SECRET not in caplog.text and SECRET.removeprefix("whsec_") not in caplog.text
    above_debug = "\n".join(r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG)
    assert "crm-s3cret" not in above_debug and "crm-s3cret" not in listed


async def test_a_claim_left_by_a_dead_process_holds_for_its_lease(
    hooked: BotApp, clock: Clock, receiver: Receiver
) -> None:
    """A delivery claimed by a process that died is not sent while the claim holds, then sent once."""
    from storage.webhooks import claim_webhooks

    await Chat(hooked).submit("consult:intake", VALID)
    (taken,) = await claim_webhooks(hooked.db, clock(), timedelta(seconds=120), 10)  # and then it died
    clock.advance(seconds=60)
    await _tick(hooked, clock)
    assert receiver.got == []
    clock.advance(seconds=61)
    await _tick(hooked, clock)
    clock.advance(hours=1)
    await _tick(hooked, clock)
    assert [r.headers["webhook-id"] for r in receiver.got] == [taken.msg_id]


async def test_a_merge_reports_both_leads(hooked: BotApp, clock: Clock, receiver: Receiver) -> None:
    """Merging L-0002 into L-0001: L-0002's status moves to merged, L-0001 is updated."""
    chat = Chat(hooked)
    await chat.submit("consult:intake", VALID)
    await chat.submit("consult:intake", {**VALID, "description": "Again, other words"}, user="bob")
    await chat.say("leads merge L-0002 into L-0001", role="staff")
    await _tick(hooked, clock)
    *_, moved, kept = receiver.events
    assert moved["type"] == "lead.status_changed" and moved["data"]["lead"]["ref"] == "L-0002"
    assert (moved["data"]["old_status"], moved["data"]["new_status"]) == ("new", "merged")
    assert (kept["type"], kept["data"]["lead"]["ref"], kept["data"]["change"]) == ("lead.updated", "L-0001", "merged")
