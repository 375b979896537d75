"""Lead events to outgoing webhooks: the JSON body of each, stored with the change it reports.

A body follows the Standard Webhooks shape, ``{"type", "timestamp", "data"}``; ``data.lead`` holds what staff
see in ``leads show`` (never the requester's chat user id), and ``lead.forgotten`` carries only the reference.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import WebhookSettings
from storage.records import Lead
from storage.webhooks import NewWebhook, enqueue_webhooks

__all__ = ["RETRY_WINDOW", "LeadHooks", "lead_data"]

RETRY_WINDOW = timedelta(hours=24)
"""How long a delivery is retried before it is given up."""


def lead_data(lead: Lead) -> dict[str, Any]:
    """The lead as a webhook reports it: the fields staff see, with ``null`` for those forgotten."""
    return {
        "id": lead.id,
        "ref": lead.ref,
        "status": lead.status,
        "assignee": lead.assignee,
        "help_kind": lead.help_kind,
        "name": lead.name,
        "email": lead.email,
        "organization": lead.organization,
        "description": lead.description,
        "timeline": lead.timeline,
        "budget": lead.budget,
        "platform": lead.platform,
        "duplicate_of": lead.duplicate_of,
        "created_at": lead.created_at.isoformat(),
        "updated_at": lead.updated_at.isoformat(),
    }


class LeadHooks:
    """Stores one delivery per endpoint subscribed to each event, in the caller's transaction.

    Args:
        endpoints: the configured webhooks (none: every method does nothing).
    """

    def __init__(self, endpoints: Sequence[WebhookSettings]) -> None:
        self._endpoints = list(endpoints)

    async def created(self, session: AsyncSession, lead: Lead, now: datetime) -> None:
        """``lead.created``: a new consulting request."""
        await self._emit(session, "lead.created", {"lead": lead_data(lead)}, now, lead.id)

    async def changed(self, session: AsyncSession, before: Lead, after: Lead, change: str, now: datetime) -> None:
        """``lead.status_changed`` (with old and new status) when the status moved, else ``lead.updated``."""
        if before.status != after.status:
            data = {"lead": lead_data(after), "old_status": before.status, "new_status": after.status}
            await self._emit(session, "lead.status_changed", data, now, after.id)
        else:
            await self._emit(session, "lead.updated", {"lead": lead_data(after), "change": change}, now, after.id)

    async def forgotten(self, session: AsyncSession, lead_ids: Sequence[int], now: datetime) -> None:
        """``lead.forgotten`` for each lead whose personal details were erased: the receiver erases its copy."""
        for lead_id in lead_ids:
            await self._emit(session, "lead.forgotten", {"lead": {"id": lead_id, "ref": f"L-{lead_id:04d}"}}, now)

    async def _emit(
        self, session: AsyncSession, event: str, data: dict[str, Any], now: datetime, lead_id: int | None = None
    ) -> None:
        targets = [hook.url for hook in self._endpoints if event in hook.events]
        if not targets:
            return
        body = json.dumps({"type": event, "timestamp": now.isoformat(), "data": data}, ensure_ascii=False)
        deliveries = [NewWebhook(f"msg_{uuid.uuid4().hex}", url, event, body, lead_id) for url in targets]
        await enqueue_webhooks(session, deliveries, now, RETRY_WINDOW)
