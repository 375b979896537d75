"""``webhooks`` (staff): lead events POSTed to a CRM, signed per the Standard Webhooks spec, from a durable outbox.

The leads feature stores each event with the change it reports (:class:`LeadHooks`); the job here sends them
(:class:`WebhookSender`). Neither logs a URL or a secret: a delivery is named by its ``webhook-id``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar
from urllib.parse import urlsplit

from bot.args import parse_options, split_args
from bot.errors import NotFound, UsageError, UserError
from bot.events import Reply, Visibility
from bot.feature import Command, Context, Deps, Group, Replies, Surface
from bot.features.webhooks import text as say
from bot.features.webhooks.delivery import WebhookSender
from bot.features.webhooks.emit import RETRY_WINDOW, LeadHooks, lead_data
from bot.features.webhooks.http import Post, post
from bot.permissions import Role
from bot.plural import counted
from bot.when import at
from storage.webhooks import WebhookDelivery, get_webhook, list_webhooks, retry_webhook

__all__ = ["LeadHooks", "WebhookSender", "Webhooks", "lead_data"]

_STATUSES = ("pending", "sent", "failed")


class Webhooks:
    """Staff commands over the webhook outbox, and the job that delivers it.

    Args:
        deps: the settings give the webhooks and the delivery lease.
        post: the HTTP POST (tests may pass another; the default uses the standard library).
    """

    name: ClassVar[str] = "webhooks"

    def __init__(self, deps: Deps, post_with: Post = post) -> None:
        settings = deps.settings
        self._configured = bool(settings.webhooks)
        self._sender = WebhookSender(
            settings.webhooks, post_with, lease=timedelta(seconds=settings.delivery_lease_seconds)
        )

    def surface(self) -> Surface:
        """The ``webhooks`` group (``list``, ``retry``) for staff, and the delivery job."""
        return Surface(
            name=self.name,
            groups=(Group("webhooks", say.GROUP, usage_hint="list", slack=False),),  # on Slack: /communitybot webhooks
            commands=(
                Command(
                    "webhooks list",
                    self.list_deliveries,
                    say.SUMMARY_LIST,
                    examples=("webhooks list --status failed",),
                    usage="webhooks list [--status pending|sent|failed]",
                    min_role=Role.STAFF,
                ),
                Command(
                    "webhooks retry",
                    self.retry,
                    say.SUMMARY_RETRY,
                    examples=("webhooks retry 12",),
                    usage="webhooks retry ID",
                    min_role=Role.STAFF,
                    max_args=1,
                ),
            ),
            jobs=(self._sender.deliver_due,),
        )

    async def list_deliveries(self, ctx: Context, args: str) -> Replies:
        """``webhooks list [--status S]``: the latest 20 deliveries, newest first."""
        opts, rest = parse_options(split_args(args), {"--status"})
        status = opts.get("--status")
        if rest or (status is not None and status not in _STATUSES):
            raise UsageError(say.LIST_USAGE)
        async with ctx.db.session() as session:
            deliveries = await list_webhooks(session, status)
        lines = [_line(delivery) for delivery in deliveries]
        if not lines:
            lines = [say.NO_DELIVERIES if self._configured else say.NONE_CONFIGURED]
        title = say.LIST_TITLE.format(n=len(deliveries))
        return [Reply("\n".join(lines), title=title, visibility=Visibility.EPHEMERAL)]

    async def retry(self, ctx: Context, args: str) -> Replies:
        """``webhooks retry ID``: a failed or waiting delivery is due now, with 24 hours to succeed again."""
        words = split_args(args)
        if len(words) != 1 or not words[0].lstrip("#").isdigit():
            raise UsageError(say.RETRY_USAGE)
        row_id = int(words[0].lstrip("#"))
        async with ctx.db.session() as session:
            delivery = await get_webhook(session, row_id)
            if delivery is None:
                raise NotFound(say.NO_DELIVERY.format(id=row_id))
            if not await retry_webhook(session, row_id, ctx.now, RETRY_WINDOW):
                raise UserError(say.ALREADY_SENT.format(id=row_id))
        text = say.RETRYING.format(id=row_id, event=delivery.event)
        return [Reply(text, visibility=Visibility.EPHEMERAL)]


def _line(delivery: WebhookDelivery) -> str:
    """One delivery for ``webhooks list``: the endpoint by host only (a CRM's URL often carries a token)."""
    detail = ""
    if delivery.status == "sent" and delivery.sent_at is not None:
        detail = say.SENT_AT.format(at=_when(delivery.sent_at))
    else:
        detail = say.LAST.format(error=delivery.last_error) if delivery.last_error else ""
        if delivery.status == "pending":
            detail += say.NEXT.format(due=_when(delivery.due_at))
    return say.LINE.format(
        id=delivery.id,
        event=delivery.event,
        host=urlsplit(delivery.url).hostname or "?",
        status=delivery.status,
        attempts=counted(delivery.attempts, "attempt"),
        detail=detail,
    )


def _when(moment: datetime) -> str:
    return at(moment, "UTC")  # each reader's own zone where the platform can show it
