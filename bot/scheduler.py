"""Periodic work: each feature may add jobs that run on every tick, and the messages they produce are delivered.

A tick is "do whatever is due at this instant". The long-running bot ticks on its own clock; ``communitybot
scheduler tick --now ISO8601`` runs one tick and exits (for cron-style deployments, and for tests). Jobs keep their
state in the database and claim work with conditional updates, so two processes ticking at once never do the same
thing twice.

Delivery is at least once, and never twice once a send is recorded:

1. each job runs in one database transaction, and the messages it returns are stored (``scheduled_messages``) in
   that same transaction, so the claim and its messages are committed together or not at all;
2. :meth:`Scheduler.deliver_due` claims stored messages for a lease, sends each with its ``Reply.key`` (the
   platform's idempotency key where it has one), and marks it sent;
3. a send that fails is tried again later with backoff; one refused for good (``DeliveryError(permanent=True)``),
   or failing ``max_attempts`` times, is marked failed and logged once. A process killed between claim and mark
   leaves the claim to expire: the next tick after the lease sends the message again, with the same key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import DeliveryError
from bot.events import Reply
from bot.outbox_codec import decode, to_outgoing, with_keys
from bot.routing import Channels
from storage import Database
from storage.outbox import (
    Claimed,
    claim_due,
    enqueue,
    forget_done_before,
    mark_failed,
    mark_retry,
    mark_sent,
    release,
)

__all__ = ["Deliver", "DeliveryPolicy", "Job", "Scheduler"]

log = logging.getLogger(__name__)

Job = Callable[[Database, datetime], Awaitable[list[Reply]]]
Deliver = Callable[[Reply], Awaitable[None]]


@dataclass(frozen=True)
class DeliveryPolicy:
    """How scheduled messages are sent.

    Attributes:
        lease: how long a claim on a message holds; a process that dies holding one delays that message this long.
        first_retry: the wait after the first failed send; it doubles after each failure, up to ``max_retry``.
        max_retry: the longest wait between two sends of one message.
        max_attempts: sends tried before a message is given up (marked failed).
        batch: messages claimed at once.
        keep: how long sent and failed messages stay in the table (for the logs' keys and for support).
    """

    lease: timedelta = timedelta(minutes=2)
    first_retry: timedelta = timedelta(seconds=30)
    max_retry: timedelta = timedelta(minutes=30)
    max_attempts: int = 8
    batch: int = 100
    keep: timedelta = timedelta(days=30)

    def retry_after(self, attempt: int) -> timedelta:
        """The wait after the ``attempt``-th failed send (1 = the first)."""
        return min(self.first_retry * (1 << min(attempt - 1, 30)), self.max_retry)


class Scheduler:
    """Runs every job once per tick, and delivers the stored messages.

    Args:
        db: the database (jobs' state, and the messages to send).
        jobs: the jobs, run in this order.
        policy: leases, retries and batch size.
        after_claim: a test hook called with each claimed message before it is sent (the kill test uses it to kill
            the process right after a claim).
    """

    def __init__(
        self,
        db: Database,
        jobs: Sequence[Job],
        policy: DeliveryPolicy | None = None,
        after_claim: Callable[[Claimed], None] | None = None,
        channels: Channels | None = None,
    ) -> None:
        self.db = db
        self.channels = channels or Channels({})
        self.jobs = list(jobs)
        self.policy = policy or DeliveryPolicy()
        self.after_claim = after_claim
        self._woken = asyncio.Event()

    def wake(self) -> None:
        """Deliver what is due now rather than at the next tick (a reply the core stored for another platform)."""
        self._woken.set()

    async def tick(self, now: datetime) -> list[Reply]:
        """Run each job for ``now``, store the messages they want posted, and return them (with their keys).

        This is the boundary for clock events: a failing job is logged, its transaction (its claims and its
        messages) rolled back, and the others still run.
        """
        if now.tzinfo is None:
            raise ValueError("tick needs an aware datetime")
        out: list[Reply] = []
        for job in self.jobs:
            try:
                async with self.db.transaction() as session:
                    # Stored once per platform channel a logical channel maps to; routed when sent (the runtime).
                    replies = [copy for reply in await job(self.db, now) for copy in self.channels.expand(reply)]
                    keyed = with_keys(replies)
                    stored = set(await enqueue(session, [to_outgoing(reply) for reply in keyed], now))
                    out += [reply for reply in keyed if reply.key in stored]
            except Exception:
                log.exception("scheduled job %s failed at %s", getattr(job, "__qualname__", job), now.isoformat())
        return out

    async def deliver_due(self, now: datetime | Callable[[], datetime], deliver: Deliver) -> int:
        """Send every stored message that is due through ``deliver``; returns how many went out.

        ``now`` is the current time, or the clock to read it from: with a clock, each claim is made at the time it
        is made, and a claimed message is sent only in the first half of its lease (the rest of a batch slowed down
        by a rate-limited platform is given back and claimed again), so a send never overlaps another process's
        claim of the same message. ``deliver`` raises to say a send failed (:class:`DeliveryError`, or anything).
        """
        clock = now if callable(now) else (lambda: now)
        sent = 0
        while True:
            claimed_at = clock()
            claimed = await claim_due(self.db, claimed_at, self.policy.lease, self.policy.batch)
            for n, message in enumerate(claimed):
                if n > 0 and clock() - claimed_at > self.policy.lease / 2:
                    await release(self.db, [m.id for m in claimed[n:]], claimed_at + self.policy.lease)
                    break
                if self.after_claim is not None:
                    self.after_claim(message)
                sent += await self._send(message, clock(), deliver)
            else:
                if len(claimed) < self.policy.batch:
                    await forget_done_before(self.db, clock() - self.policy.keep)
                    return sent

    async def _send(self, message: Claimed, now: datetime, deliver: Deliver) -> int:
        try:
            await deliver(decode(message.payload))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._failed(message, now, exc)
            return 0
        await mark_sent(self.db, message.id, now)
        return 1

    async def _failed(self, message: Claimed, now: datetime, exc: Exception) -> None:
        code = exc.code if isinstance(exc, DeliveryError) else type(exc).__name__
        permanent = isinstance(exc, DeliveryError) and exc.permanent
        if permanent or message.attempt >= self.policy.max_attempts:
            await mark_failed(self.db, message.id, code)
            why = "refused for good" if permanent else f"failed {message.attempt} times"
            log.error("scheduled message %s given up: %s (%s)", message.key, why, code)
            return
        wait = self.policy.retry_after(message.attempt)
        await mark_retry(self.db, message.id, now + wait, code)
        # INFO: the adapter has logged the refusal with the platform's code; a give-up is the one error.
        log.info(
            "scheduled message %s not sent (attempt %d: %s); trying again in %s",
            message.key,
            message.attempt,
            code,
            wait,
        )

    async def run(
        self,
        clock: Callable[[], datetime],
        deliver: Deliver,
        stop: asyncio.Event,
        interval: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        """Tick every ``interval`` seconds on ``clock`` until ``stop`` is set, delivering what is due.

        ``sleep`` defaults to waiting on ``stop`` with a timeout; tests pass one that moves a fake clock instead.
        """

        async def wait(seconds: float) -> None:
            # Woken early (see wake): deliver only; jobs still run once per interval.
            loop = asyncio.get_running_loop()
            until = loop.time() + seconds
            while not stop.is_set() and loop.time() < until:
                waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._woken.wait())]
                await asyncio.wait(waits, timeout=until - loop.time(), return_when=asyncio.FIRST_COMPLETED)
                for waiting in waits:
                    waiting.cancel()
                if self._woken.is_set() and not stop.is_set():
                    await self._deliver_now(clock, deliver)

        pause = sleep or wait
        while not stop.is_set():
            await self.tick(clock())
            await self._deliver_now(clock, deliver)
            await pause(interval)

    async def _deliver_now(self, clock: Callable[[], datetime], deliver: Deliver) -> None:
        self._woken.clear()  # a wake from now on is for messages stored after this claim
        try:
            await self.deliver_due(clock, deliver)
        except Exception:  # the database is down: the messages wait for the next tick
            log.exception("could not deliver scheduled messages")
