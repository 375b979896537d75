"""Staff-side lead flow: ``leads mine``, ``leads away on|off``, handing new leads out in turn, and staff hours."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.args import parse_options, split_args
from bot.errors import UsageError
from bot.events import Reply, Visibility
from bot.feature import Context, Replies
from bot.features.leads import text as say
from bot.features.leads.jobs import BOT_ACTOR
from bot.features.leads.render import summary
from bot.features.leads.staff import StaffNames
from bot.settings import StaffHours
from bot.staff_hours import when_back
from storage.lead_flow import assign_if_unclaimed, away_overrides, next_in_rotation, set_away
from storage.leads import add_lead_event, get_lead, list_leads
from storage.records import Lead

__all__ = ["LeadFlow"]

log = logging.getLogger(__name__)


class LeadFlow:
    """What the response timer and assignment need at run time.

    Args:
        names: the staff names and the round-robin rotation from the settings.
        hours: staff hours, or None when staff are always in.
        statuses: the statuses ``leads mine --status`` accepts.
    """

    def __init__(self, names: StaffNames, hours: StaffHours | None, statuses: tuple[str, ...]) -> None:
        self.names = names
        self._hours = hours
        self._statuses = statuses

    async def mine(self, ctx: Context, args: str) -> Replies:
        """``leads mine [--status S]``: the leads assigned to the one asking, however they were assigned."""
        opts, rest = parse_options(split_args(args), {"--status"})
        status = opts.get("--status")
        if rest or (status is not None and status not in self._statuses):
            raise UsageError(say.MINE_USAGE)
        me = self.names.canonical("me", ctx.origin)
        async with ctx.db.session() as session:
            leads = await list_leads(session, status=status, assignee=self.names.matching(me, ctx.origin))
        text = "\n".join(summary(lead) for lead in leads) or say.NO_MATCH
        return [Reply(text, title=say.LIST_TITLE.format(n=len(leads)), visibility=Visibility.EPHEMERAL)]

    async def away(self, ctx: Context, args: str) -> Replies:
        """``leads away on|off``: stop or start being handed new leads in turn."""
        word = args.strip().casefold()
        if word not in ("on", "off"):
            raise UsageError(say.AWAY_USAGE)
        async with ctx.db.session() as session:
            await set_away(session, self.names.canonical("me", ctx.origin), word == "on", ctx.now)
        return [Reply(say.AWAY_ON if word == "on" else say.AWAY_OFF, visibility=Visibility.EPHEMERAL)]

    async def hand_out(self, ctx: Context, lead: Lead) -> Lead:
        """Give a new lead to the next staff member in turn who is not away (never one someone already took)."""
        async with ctx.db.session() as session:
            names = self.names.available(await away_overrides(session))
            if not names:
                return lead
            chosen = await next_in_rotation(session, names, ctx.now)
            if chosen is None or not await assign_if_unclaimed(session, lead.id, chosen, ctx.now):
                return lead
            await add_lead_event(session, lead.id, BOT_ACTOR, "assigned", f"{chosen} ({say.AUTO_ASSIGNED})", ctx.now)
            log.info("lead %s handed out in turn", lead.ref)
            return await get_lead(session, lead.id) or lead

    def when_back(self, now: datetime) -> str:
        """For the requester, outside staff hours: when staff are back ("" while they are in)."""
        return when_back(self._hours, now)
