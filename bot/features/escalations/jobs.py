"""The escalation jobs: staff told of questions peers left unanswered, "Save as recipe" offers, askers forgotten.

Each claims its work in the database (:mod:`storage.escalations`), so of two replicas ticking at once one posts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.events import Button, Reply
from bot.features.escalations import text
from bot.features.escalations.links import thread_link
from bot.features.knowledge import text as kb_text
from bot.plural import counted
from bot.routing import HELP
from bot.settings_models import EscalationSettings
from bot.usertext import for_others, member, quote
from storage import Database
from storage.escalations import claim_offers, claim_staff_due
from storage.questions import forget_askers

__all__ = ["EscalationJobs"]

log = logging.getLogger(__name__)


class EscalationJobs:
    """Periodic work of peers before staff.

    Args:
        rules: the escalation settings (hours before staff, how long askers are kept).
        humans: whether the help channel is configured (no channel: nothing is posted, nothing claimed).
    """

    def __init__(self, rules: EscalationSettings, humans: bool) -> None:
        self._rules = rules
        self._humans = humans

    async def tell_staff(self, db: Database, now: datetime) -> list[Reply]:
        """Post each question whose peers have not answered in time to the help channel, once."""
        if not self._humans:
            return []
        async with db.session() as session:
            due = await claim_staff_due(session, now)
        hours = counted(self._rules.staff_after_hours, "hour")
        return [
            Reply(
                text.FOR_STAFF_AFTER_PEERS.format(
                    who=member(e.platform, e.asker),
                    question=for_others(e.question),
                    hours=hours,
                    members=counted(e.peers_asked, "member"),
                    link=e.link or text.NO_LINK,
                    id=e.question_id,
                ),
                title=kb_text.FOR_A_HUMAN_TITLE,
                channel=HELP,
                platform=e.platform,
            )
            for e in due
        ]

    async def offer_drafts(self, db: Database, now: datetime) -> list[Reply]:
        """Offer "Save as recipe" to staff, once, for each solved thread of an escalated or declined question."""
        if not self._humans:
            return []
        async with db.session() as session:
            solved = await claim_offers(session, now)
        replies = []
        for s in solved:
            by = text.OFFER_BY.format(solver=quote(s.solver)) if s.solver else ""
            link = s.link or thread_link(s.platform, "", s.channel, s.thread)
            replies.append(
                Reply(
                    text.OFFER.format(question=for_others(s.question), by=by, link=link, id=s.question_id),
                    title=text.OFFER_TITLE,
                    buttons=(
                        Button(
                            text.SAVE_AS_RECIPE,
                            "esc:save",
                            str(s.question_id),
                            primary=True,
                            typed=text.SAVE_TYPED.format(id=s.question_id),
                        ),
                    ),
                    channel=HELP,
                    platform=s.platform,
                )
            )
        return replies

    async def forget_askers(self, db: Database, now: datetime) -> list[Reply]:
        """Forget who asked questions older than ``asker_days`` (posts nothing)."""
        async with db.session() as session:
            count = await forget_askers(session, now - timedelta(days=self._rules.asker_days))
        if count:
            log.info("forgot who asked %d questions past %d days", count, self._rules.asker_days)
        return []
