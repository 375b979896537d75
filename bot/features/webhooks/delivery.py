"""Sending stored webhooks: sign each POST per the Standard Webhooks spec, and decide what its answer means.

A 2xx marks the delivery sent (never sent again); a 4xx other than 429, or a redirect, is permanent; a 5xx, a 429
or no answer at all is tried again after 30 s, doubling up to an hour, until 24 hours after the event. Each
delivery is claimed for a lease first, so two replicas never send one at the same time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Literal

from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError

from bot.clock import utcnow
from bot.events import Reply
from bot.features.webhooks.http import Post
from bot.settings import WebhookSettings
from storage import Database
from storage.webhooks import (
    WebhookDelivery,
    claim_webhooks,
    mark_webhook_failed,
    mark_webhook_retry,
    mark_webhook_sent,
    release_webhooks,
)

__all__ = ["Outcome", "WebhookSender", "outcome", "retry_after", "signed_headers"]

log = logging.getLogger(__name__)

Outcome = Literal["sent", "retry", "permanent"]

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)


def outcome(status: int | None) -> Outcome:
    """What an HTTP status (None: no answer) means for a delivery."""
    if status is None or status == 429 or status >= 500:
        return "retry"
    if 200 <= status < 300:
        return "sent"
    return "permanent"


def retry_after(attempt: int) -> timedelta:
    """The wait after the ``attempt``-th failed POST (1 = the first): 30 s, doubling, at most an hour."""
    return min(FIRST_RETRY * (1 << min(attempt - 1, 20)), MAX_RETRY)


def signed_headers(secret: str, msg_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers: ``webhook-signature`` is ``v1,`` and base64 HMAC-SHA256 of ``id.ts.body``."""
    return {
        "content-type": "application/json",
        "user-agent": "communitybot-webhooks",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, timestamp, body),
    }


class WebhookSender:
    """The scheduler job that POSTs due deliveries.

    Args:
        endpoints: the configured webhooks; a delivery whose URL is no longer among them is given up.
        post: the HTTP POST (:func:`bot.features.webhooks.http.post`).
        lease: how long a claim holds; a batch stops after half of it, so a send never outlives its claim.
        wall_clock: the time put in ``webhook-timestamp`` (receivers compare it with their own clock).
        batch: deliveries claimed at once.
    """

    def __init__(
        self,
        endpoints: Sequence[WebhookSettings],
        post: Post,
        lease: timedelta,
        wall_clock: Callable[[], datetime] = utcnow,
        batch: int = 10,
    ) -> None:
        self._secrets = {hook.url: hook.secret for hook in endpoints}
        self._post = post
        self._lease = lease
        self._wall_clock = wall_clock
        self._batch = batch

    async def deliver_due(self, db: Database, now: datetime) -> list[Reply]:
        """Claim due deliveries and send them, for up to half a lease (posts no chat message)."""
        started = time.monotonic()
        elapsed = timedelta(0)
        while elapsed <= self._lease / 2:
            claimed_at = now + elapsed
            claimed = await claim_webhooks(db, claimed_at, self._lease, self._batch)
            for n, delivery in enumerate(claimed):
                elapsed = timedelta(seconds=time.monotonic() - started)
                if elapsed > self._lease / 2:  # the rest would be sent too close to their claim's end
                    await release_webhooks(db, [d.id for d in claimed[n:]], claimed_at + self._lease)
                    return []
                await self._send(db, delivery, now + elapsed)
            if len(claimed) < self._batch:
                return []
            elapsed = timedelta(seconds=time.monotonic() - started)
        return []

    async def _send(self, db: Database, delivery: WebhookDelivery, now: datetime) -> None:
        secret = self._secrets.get(delivery.url)
        if secret is None:
            await self._give_up(db, delivery, "endpoint no longer configured")
            return
        try:
            headers = signed_headers(secret.get_secret_value(), delivery.msg_id, self._wall_clock(), delivery.payload)
        except (ValueError, EmptyWebhookSecretError):  # binascii.Error is a ValueError; doctor names the webhook
            await self._give_up(db, delivery, "secret is not whsec_ base64")
            return
        status: int | None
        try:
            status = await self._post(delivery.url, delivery.payload.encode(), headers)
            error = f"HTTP {status}"
        except (OSError, TimeoutError) as exc:  # URLError, refused, reset, timed out: nothing answered
            status, error = None, type(exc).__name__
        result = outcome(status)
        if result == "sent":
            await mark_webhook_sent(db, delivery.id, now)
            log.info("webhook %s (%s) delivered: %s", delivery.msg_id, delivery.event, error)
        elif result == "permanent":
            await self._give_up(db, delivery, f"{error}, refused for good")
        else:
            await self._retry(db, delivery, now, error)

    async def _retry(self, db: Database, delivery: WebhookDelivery, now: datetime, error: str) -> None:
        due = now + retry_after(delivery.attempts)
        if due > delivery.give_up_at:
            await self._give_up(db, delivery, f"{error}, still failing after 24 h")
            return
        await mark_webhook_retry(db, delivery.id, due, error)
        log.info(
            "webhook %s (%s) not delivered (attempt %d: %s); trying again at %s",
            delivery.msg_id,
            delivery.event,
            delivery.attempts,
            error,
            due.isoformat(),
        )

    async def _give_up(self, db: Database, delivery: WebhookDelivery, why: str) -> None:
        await mark_webhook_failed(db, delivery.id, why)
        log.error("webhook %s (%s) given up: %s", delivery.msg_id, delivery.event, why)
