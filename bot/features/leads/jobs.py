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

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path

from bot.events import Reply
from bot.export_files import forget_in_exports
from bot.features.leads import text as say
from bot.features.leads.render import assignee_reminder, follow_up, ref
from bot.features.leads.staff import StaffNames
from bot.features.webhooks.emit import LeadHooks
from bot.settings import StaffHours
from bot.staff_hours import staff_time, staff_time_before
from storage import Database
from storage.forget import Person
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
        exports: the bot's export folder, whose saved lead exports lose the leads retention anonymizes (None: none).
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
        exports: Path | None = None,
    ) -> None:
        self._announce = announce
        self._hooks = hooks
        self._followup = followup
        self._retention = retention
        self._targets = dict(targets if targets is not None else {"new": 24})
        self._names = names
        self._hours = staff_hours
        self._exports = exports

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
        """Erase the personal details of closed leads past the retention period, in the database and in the saved
        lead exports (posts nothing).

        An export loses those leads' rows by reference only, as a forget drops a person's requests: the requester is
        not forgotten (their other data, and a newer lead from the same address, stay where they are).
        """
        async with db.session() as session:
            ids = await closed_leads_older_than(session, now - self._retention)
            await anonymize_leads(session, ids, BOT_ACTOR, say.RETENTION_ENDED, now)
            await self._hooks.forgotten(session, ids, now)
        if not ids:
            return []
        files = await asyncio.to_thread(forget_in_exports, self._exports, Person(), [ref(i) for i in ids])
        log.info("anonymized %d lead(s) past retention and removed them from %d export file(s)", len(ids), files)
        return []

    @property
    def _unit(self) -> str:
        """What the reminders count: staff hours when they are set, hours otherwise."""
        return say.STAFF_HOUR if self._hours is not None else say.HOUR

    def _hours_in(self, lead: Lead, now: datetime) -> int:
        """Whole hours (staff hours, when set) since the lead entered its status."""
        return round(staff_time(self._hours, lead.status_since or lead.created_at, now).total_seconds() / 3600)
