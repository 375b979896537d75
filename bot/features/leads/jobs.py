"""The leads feature's periodic jobs: remind staff of leads nobody picked up, and anonymize old closed leads."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.events import Reply
from bot.features.leads import text as say
from bot.features.leads.render import follow_up
from bot.features.webhooks.emit import LeadHooks
from storage import Database
from storage.leads import add_lead_event, anonymize_leads, claim_unreminded_new_leads, closed_leads_older_than

__all__ = ["BOT_ACTOR", "LeadJobs"]

log = logging.getLogger(__name__)

BOT_ACTOR = "communitybot"
"""Who the lead histories say acted when the bot did."""


class LeadJobs:
    """The follow-up reminder and the retention job.

    Args:
        announce: whether the staff channel is configured (no channel, no reminders).
        hooks: the outgoing webhooks (retention sends ``lead.forgotten``).
        followup: how long a lead may stay ``new`` before staff are reminded, once.
        retention: how long lost, spam and merged leads keep their personal details.
    """

    def __init__(self, announce: bool, hooks: LeadHooks, followup: timedelta, retention: timedelta) -> None:
        self._announce = announce
        self._hooks = hooks
        self._followup = followup
        self._retention = retention

    async def remind_staff(self, db: Database, now: datetime) -> list[Reply]:
        """One reminder in the staff channel for each lead still ``new`` after the follow-up time."""
        if not self._announce:
            return []
        async with db.session() as session:
            leads = await claim_unreminded_new_leads(session, now - self._followup, now)
            for lead in leads:
                await add_lead_event(session, lead.id, BOT_ACTOR, "reminder", say.REMINDED, now)
        return [follow_up(lead, round((now - lead.created_at).total_seconds() / 3600)) for lead in leads]

    async def apply_retention(self, db: Database, now: datetime) -> list[Reply]:
        """Erase the personal details of closed leads past the retention period (posts nothing)."""
        async with db.session() as session:
            ids = await closed_leads_older_than(session, now - self._retention)
            await anonymize_leads(session, ids, BOT_ACTOR, say.RETENTION_ENDED, now)
            await self._hooks.forgotten(session, ids, now)
        if ids:
            log.info("anonymized %d lost/spam leads past retention", len(ids))
        return []
