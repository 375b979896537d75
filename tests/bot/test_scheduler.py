"""The scheduler: its clock loop, its error boundary, and delivery at least once, never twice once sent."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import DeliveryError
from bot.events import Attachment, Button, FieldKind, Form, FormField, Reply, Visibility
from bot.main.doctor import Check, run_checks
from bot.scheduler import DeliveryPolicy, Job, Scheduler
from bot.settings import Settings
from storage import Database
from storage.leads import NewLead, claim_unreminded_new_leads, insert_lead
from storage.outbox import count_by_status
from tests.conftest import PG_URL, ROOT, Clock, DbTarget, _pg_reachable

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_run_ticks_on_its_clock_and_stops(db: Database) -> None:
    """The loop ticks at each step of the (fake) clock, delivers what jobs return, and ends when stopped."""
    now = [START]
    seen: list[datetime] = []
    delivered: list[Reply] = []
    stop = asyncio.Event()

    async def job(db: Database, at: datetime) -> list[Reply]:
        seen.append(at)
        return [Reply(f"tick {len(seen)}")]

    async def fake_sleep(seconds: float) -> None:
        now[0] += timedelta(seconds=seconds)
        if len(seen) == 3:
            stop.set()

    async def deliver(reply: Reply) -> None:
        delivered.append(reply)

    await Scheduler(db, [job]).run(lambda: now[0], deliver, stop, interval=30, sleep=fake_sleep)
    assert seen == [START, START + timedelta(seconds=30), START + timedelta(seconds=60)]
    assert [r.text for r in delivered] == ["tick 1", "tick 2", "tick 3"]


async def test_a_failing_job_is_logged_and_others_still_run(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """One job raising does not stop the next job in the same tick."""

    async def broken(db: Database, at: datetime) -> list[Reply]:
        raise RuntimeError("boom")

    async def fine(db: Database, at: datetime) -> list[Reply]:
        return [Reply("ok")]

    with caplog.at_level(logging.ERROR):
        replies = await Scheduler(db, [broken, fine]).tick(START)
    assert [r.text for r in replies] == ["ok"]
    assert any("broken" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_tick_refuses_naive_time(db: Database) -> None:
    """A tick at a time without a zone is a programming error, caught at once."""
    with pytest.raises(ValueError, match="aware"):
        await Scheduler(db, []).tick(datetime(2026, 1, 1))


PROMPT = Reply(
    "What did you learn this week?",
    title="Check-in: Python Circle",
    buttons=(Button("Answer", "checkin:answer", "7"),),
    platform="test",
    channel="C1",
    key="checkin:1:7:prompt",
)


def once(*replies: Reply) -> Job:
    """A job that has ``replies`` to send on its first tick only."""
    pending = list(replies)

    async def job(db: Database, at: datetime) -> list[Reply]:
        out = pending[:]
        pending.clear()
        return out

    return job


class Platform:
    """A recording platform edge: fails the sends it is told to, records the ones it takes."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.attempts: list[str | None] = []
        self.delivered: list[Reply] = []

    async def post(self, reply: Reply) -> None:
        self.attempts.append(reply.key)
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(reply)


async def test_a_failed_send_is_retried_after_a_backoff_and_then_never_again(db: Database) -> None:
    """A Slack 500 on a check-in prompt does not lose it: it goes out on a later tick, whole and once."""
    platform = Platform(DeliveryError("test", "http_500", permanent=False))
    scheduler = Scheduler(db, [once(PROMPT)], DeliveryPolicy(first_retry=timedelta(seconds=30)))
    assert await scheduler.tick(START) == [PROMPT]
    assert await scheduler.deliver_due(START, platform.post) == 0
    assert await scheduler.deliver_due(START + timedelta(seconds=29), platform.post) == 0  # backing off
    assert await scheduler.deliver_due(START + timedelta(seconds=30), platform.post) == 1
    for later in (timedelta(minutes=5), timedelta(days=1)):
        await scheduler.tick(START + later)
        assert await scheduler.deliver_due(START + later, platform.post) == 0
    assert platform.attempts == ["checkin:1:7:prompt", "checkin:1:7:prompt"]
    assert platform.delivered == [PROMPT]


async def test_any_exception_from_the_adapter_counts_as_a_failed_send(db: Database) -> None:
    """A bug or a dropped connection in the adapter leaves the message for a retry, like a refusal."""
    platform = Platform(ConnectionResetError("peer went away"))
    scheduler = Scheduler(db, [once(PROMPT)], DeliveryPolicy(first_retry=timedelta(seconds=10)))
    await scheduler.tick(START)
    await scheduler.deliver_due(START, platform.post)
    assert await scheduler.deliver_due(START + timedelta(seconds=10), platform.post) == 1
    assert platform.delivered == [PROMPT]


async def test_a_permanent_refusal_is_given_up_and_logged_once(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """An unknown channel is not retried: the message is marked failed and one error names its key and the code."""
    platform = Platform(DeliveryError("test", "channel_not_found", permanent=True))
    scheduler = Scheduler(db, [once(PROMPT)])
    await scheduler.tick(START)
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        for minutes in (0, 1, 60, 600):
            await scheduler.deliver_due(START + timedelta(minutes=minutes), platform.post)
    assert platform.attempts == ["checkin:1:7:prompt"]
    assert [r.getMessage() for r in caplog.records] == [
        "scheduled message checkin:1:7:prompt given up: refused for good (channel_not_found)"
    ]
    assert await count_by_status(db) == {"failed": 1}


async def test_too_many_failed_attempts_give_the_message_up(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """After ``max_attempts`` failures, with the wait doubling in between, the message is given up once."""
    platform = Platform(*(DeliveryError("test", "http_503", permanent=False) for _ in range(10)))
    policy = DeliveryPolicy(first_retry=timedelta(seconds=10), max_attempts=3)
    scheduler = Scheduler(db, [once(PROMPT)], policy)
    await scheduler.tick(START)
    tried_at = []
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        for second in range(0, 200):
            if await scheduler.deliver_due(START + timedelta(seconds=second), platform.post) == 0 and len(
                platform.attempts
            ) > len(tried_at):
                tried_at.append(second)
    assert tried_at == [0, 10, 30]  # waits of 10 s, then 20 s
    assert [r.getMessage() for r in caplog.records] == [
        "scheduled message checkin:1:7:prompt given up: failed 3 times (http_503)"
    ]
    assert await count_by_status(db) == {"failed": 1}


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs in this "process"."""


async def test_a_claim_left_by_a_dead_process_is_sent_by_the_next_tick_after_the_lease(db: Database) -> None:
    """A process killed right after claiming a message loses nothing: another sends it once its lease is over."""

    def die(claimed: object) -> None:
        raise Killed

    platform = Platform()
    first = Scheduler(db, [once(PROMPT)], DeliveryPolicy(lease=timedelta(minutes=2)), after_claim=die)
    await first.tick(START)
    with pytest.raises(Killed):
        await first.deliver_due(START, platform.post)
    other = Scheduler(db, [], DeliveryPolicy(lease=timedelta(minutes=2)))
    assert await other.deliver_due(START + timedelta(seconds=119), platform.post) == 0  # still leased
    assert await other.deliver_due(START + timedelta(seconds=120), platform.post) == 1
    assert await other.deliver_due(START + timedelta(minutes=10), platform.post) == 0
    assert platform.delivered == [PROMPT]


async def test_a_job_killed_after_its_claim_leaves_the_work_for_the_next_tick(db: Database) -> None:
    """The claim and the messages it produces commit together: a job dying after its claim claims nothing."""
    created = START - timedelta(hours=50)
    async with db.session() as session:
        lead = await insert_lead(session, NewLead("Zoe", "z@x.org", "", "workshop", "d", "", "", "test", "z"), created)

    async def claim_then_die(db: Database, at: datetime) -> list[Reply]:
        async with db.session() as session:
            assert len(await claim_unreminded_new_leads(session, at, at)) == 1
        raise RuntimeError("killed between the claim and the send")

    async def follow_up(db: Database, at: datetime) -> list[Reply]:
        async with db.session() as session:
            leads = await claim_unreminded_new_leads(session, at, at)
        return [Reply(f"{x.ref} is still new", channel="staff", key=f"lead:{x.id}:followup") for x in leads]

    await Scheduler(db, [claim_then_die]).tick(START)
    platform = Platform()
    scheduler = Scheduler(db, [follow_up])
    assert [r.text for r in await scheduler.tick(START + timedelta(minutes=1))] == [f"{lead.ref} is still new"]
    await scheduler.deliver_due(START + timedelta(minutes=1), platform.post)
    assert [(r.key, r.text, r.channel) for r in platform.delivered] == [
        (f"lead:{lead.id}:followup", f"{lead.ref} is still new", "staff")
    ]


async def test_two_processes_delivering_at_once_send_each_message_once(db: Database) -> None:
    """Two schedulers claiming the same stored messages at the same instant never both send one."""
    replies = [Reply(f"message {n}", platform="test", channel="C1", key=f"m:{n}") for n in range(60)]
    await Scheduler(db, [once(*replies)]).tick(START)
    platform = Platform()
    one, two = Scheduler(db, [], DeliveryPolicy(batch=7)), Scheduler(db, [], DeliveryPolicy(batch=7))
    counts = await asyncio.gather(one.deliver_due(START, platform.post), two.deliver_due(START, platform.post))
    assert sum(counts) == 60
    assert sorted(r.text for r in platform.delivered) == sorted(r.text for r in replies)
    assert await count_by_status(db) == {"sent": 60}


async def test_a_stored_message_comes_back_whole(db: Database) -> None:
    """Everything a scheduled reply carries (buttons, form, fields, attachment, visibility) survives storage."""
    form = Form(
        "checkin",
        "Check-in",
        (FormField("mood", "Mood", FieldKind.CHOICE, choices=(("1", "low"), ("5", "high"))),),
        context="7",
    )
    full = Reply(
        "text",
        title="title",
        link="https://example.org",
        buttons=(Button("A", "a:b", "1"), Button("B", "a:c")),
        form=form,
        visibility=Visibility.DM,
        in_thread=True,
        platform="test",
        user="U1",
        attachment=Attachment("x.csv", "a,b\n"),
        fields=(("Name", "value"),),
        form_errors=(("mood", "pick one"),),
        key="full",
    )
    await Scheduler(db, [once(full)]).tick(START)
    platform = Platform()
    await Scheduler(db, []).deliver_due(START, platform.post)
    assert platform.delivered == [full]


async def test_random_kills_of_two_schedulers_on_postgresql_lose_nothing_and_send_nothing_twice(
    tmp_path: Path,
) -> None:
    """benchmarks/kill_test.py, small: SIGKILLs (some right after a claim) leave 0 lost and 0 duplicate messages."""
    problem = await _pg_reachable()
    if problem is not None:
        pytest.skip(f"PostgreSQL at {PG_URL} is not reachable: {problem}")
    command = [sys.executable, str(ROOT / "benchmarks" / "kill_test.py"), "--postgres", PG_URL, "--json"]
    # A kill every 8 s on average lets restarted workers get going (each start imports and migrates): about 15
    # kills in 1-2 minutes. benchmarks/kill_test.py with its defaults is the big run.
    command += ["--groups", "6", "--members", "3", "--leads", "4", "--kill-every", "8", "--die-after-claim", "0.05"]
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=480)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["finished"] is True, report
    assert report["messages_stored"] == report["messages_expected"] == 6 * (2 + 2 * 3) + 4, report
    assert (report["lost"], report["duplicates"], report["failed"]) == (0, 0, 0), report
    assert report["runs_closed_and_reminded"] == 6, report
    assert report["kills"] + report["self_kills_after_claim"] >= 1, report


async def test_sent_messages_are_forgotten_after_the_keep_period_and_pending_ones_never(db: Database) -> None:
    """The table does not grow forever: sent messages go after ``keep``; one still waiting to be sent stays."""
    waiting = Reply("still to send", platform="test", channel="C1", key="waiting")
    scheduler = Scheduler(db, [once(PROMPT, waiting)], DeliveryPolicy(keep=timedelta(days=30)))
    await scheduler.tick(START)
    platform = Platform()
    await scheduler.deliver_due(START, lambda r: platform.post(r) if r.key != "waiting" else _refuse(r))
    assert await count_by_status(db) == {"sent": 1, "pending": 1}
    await scheduler.deliver_due(START + timedelta(days=29), lambda r: _refuse(r))
    assert await count_by_status(db) == {"sent": 1, "pending": 1}
    await scheduler.deliver_due(START + timedelta(days=31), lambda r: _refuse(r))
    assert await count_by_status(db) == {"pending": 1}


async def _refuse(reply: Reply) -> None:
    raise DeliveryError("test", "http_503", permanent=False)


async def test_doctor_reports_messages_given_up(db: Database, db_target: DbTarget, tmp_path: Path) -> None:
    """`communitybot doctor` says how many scheduled messages wait and how many were given up."""
    settings = Settings(data_dir=tmp_path, database_url=db_target.url, database_schema=db_target.schema)
    waiting = Reply("later", platform="test", channel="C1", key="later")
    await Scheduler(db, [once(PROMPT, waiting)]).tick(START)

    async def refuse(reply: Reply) -> None:
        raise DeliveryError("test", "channel_not_found" if reply == PROMPT else "http_503", permanent=reply == PROMPT)

    await Scheduler(db, []).deliver_due(START, refuse)
    checks = {c.name: c for c in await run_checks(settings)}
    assert checks["scheduled messages"] == Check(
        "scheduled messages",
        False,
        "1 waiting to be sent, 1 given up in the last 30 days; the log says why ('given up')",
    )


async def test_a_slow_platform_never_lets_another_process_send_the_same_message(db: Database) -> None:
    """Sends slowed past half the lease give the rest back: a replica ticking meanwhile sends each message once."""
    replies = [Reply(f"reminder {n}", platform="test", user=f"U{n}", key=f"r:{n}") for n in range(6)]
    await Scheduler(db, [once(*replies)]).tick(START)
    clock = Clock(START)
    sent: list[str | None] = []
    rival = Scheduler(db, [], DeliveryPolicy(lease=timedelta(minutes=2)))

    async def fast(reply: Reply) -> None:
        sent.append(reply.key)

    async def slow(reply: Reply) -> None:
        sent.append(reply.key)
        clock.advance(seconds=50)  # a rate-limited send
        await rival.deliver_due(clock.now, fast)  # another replica ticks meanwhile

    slow_one = Scheduler(db, [], DeliveryPolicy(lease=timedelta(minutes=2)))
    await slow_one.deliver_due(clock, slow)
    assert sorted(sent) == sorted(r.key for r in replies)
    assert await count_by_status(db) == {"sent": 6}
