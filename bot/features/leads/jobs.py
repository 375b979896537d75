"""The leads feature's periodic jobs: the response timer, and anonymizing old closed leads.

The response timer replaces the older 48-hour follow-up and keeps what it did: each status with a response target
(``lead_flow.response_hours``, default ``new``: 24 h) is timed from when the lead entered it. When the target is
missed the assignee gets a direct message; the staff channel is told once the lead has been in the status for
``lead_followup_hours`` (48 h), or at the target if that is later; for a lead with an assignee the notice names
them. With ``staff_hours`` set, both count staff hours only (a request sent on Saturday starts its clock on
Monday's opening). Each happens once per stay in the status, whoever ticks: the claims are rows in
``lead_reminders``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.events import Reply
from bot.features.leads import text as say
from bot.features.leads.render import assignee_reminder, follow_up
from bot.features.leads.staff import StaffNames
from bot.features.webhooks.emit import LeadHooks
from bot.settings import StaffHours
from bot.staff_hours import staff_time, staff_time_before
from storage import Database
from storage.lead_flow import claim_reminders
from storage.leads import add_lead_event, anonymize_leads, closed_leads_older_than
from storage.records import Lead

__all__ = ["BOT_ACTOR", "LeadJobs"]

log = logging.getLogger(__name__)

BOT_ACTOR = "communitybot"
"""Who the lead histories say acted when the bot did."""


class LeadJobs:
    """The response timer and the retention job.

    Args:
        announce: whether the staff channel is configured (no channel, no staff-channel reminders).
        hooks: the outgoing webhooks (retention sends ``lead.forgotten``).
        followup: how long a lead may stay in a timed status before the staff channel is told (at least its target).
        retention: how long lost, spam and merged leads keep their personal details.
        targets: response target per status (hours).
        names: staff names, to find where to message an assignee.
        staff_hours: when staff are in; the targets and the follow-up count only those hours (None: every hour).
    """

    def __init__(
        self,
        announce: bool,
        hooks: LeadHooks,
        followup: timedelta,
        retention: timedelta,
        targets: dict[str, float] | None = None,
        names: StaffNames | None = None,
        staff_hours: StaffHours | None = None,
    ) -> None:
        self._announce = announce
        self._hooks = hooks
        self._followup = followup
        self._retention = retention
        self._targets = dict(targets if targets is not None else {"new": 24})
        self._names = names
        self._hours = staff_hours

    async def remind_staff(self, db: Database, now: datetime) -> list[Reply]:
        """For each lead past its status's response target: a DM to its assignee, then the staff channel, once each."""
        replies: list[Reply] = []
        async with db.session() as session:
            for status, hours in self._targets.items():
                target = timedelta(hours=hours)
                entered = staff_time_before(self._hours, now, target)
                for lead in await claim_reminders(session, status, "assignee", entered, now, assigned=True):
                    detail = say.REMINDED_ASSIGNEE.format(status=status, target=f"{hours:g}")
                    await add_lead_event(session, lead.id, BOT_ACTOR, "reminder", detail, now)
                    to = self._names.dm_target(lead.assignee or "") if self._names is not None else None
                    if to is not None:
                        replies.append(assignee_reminder(lead, self._hours_in(lead, now), hours, to, self._unit))
                if not self._announce:
                    continue
                entered = staff_time_before(self._hours, now, max(target, self._followup))
                for lead in await claim_reminders(session, status, "staff", entered, now, assigned=False):
                    detail = say.REMINDED if status == "new" else say.REMINDED_STATUS.format(status=status)
                    await add_lead_event(session, lead.id, BOT_ACTOR, "reminder", detail, now)
                    replies.append(follow_up(lead, self._hours_in(lead, now), status, self._unit))
        return replies

    async def apply_retention(self, db: Database, now: datetime) -> list[Reply]:
        """Erase the personal details of closed leads past the retention period (posts nothing)."""
        async with db.session() as session:
            ids = await closed_leads_older_than(session, now - self._retention)
            await anonymize_leads(session, ids, BOT_ACTOR, say.RETENTION_ENDED, now)
            await self._hooks.forgotten(session, ids, now)
        if ids:
            log.info("anonymized %d lost/spam leads past retention", len(ids))
        return []

    @property
    def _unit(self) -> str:
        """What the reminders count: staff hours when they are set, hours otherwise."""
        return say.STAFF_HOUR if self._hours is not None else say.HOUR

    def _hours_in(self, lead: Lead, now: datetime) -> int:
        """Whole hours (staff hours, when set) since the lead entered its status."""
        return round(staff_time(self._hours, lead.status_since or lead.created_at, now).total_seconds() / 3600)
