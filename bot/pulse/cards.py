"""Facilitators' weekly cards: their group's participation, its change, and the blockers members reported.

Sent with the digest, by DM to each facilitator of every group that held a check-in in the digest's week. Blockers
are spotted with the same rule as the check-in summaries (the answer to a question about blocking, unless it says
"no", "none" and the like), so the card and the summary agree.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.events import Reply, Visibility
from bot.features.checkins.report import is_blocker  # the check-in summaries' rule, shared on purpose
from bot.pulse import text
from bot.pulse.render import pct
from bot.pulse.report import GroupPulse, Report
from storage import Database
from storage.reports import GivenAnswer, GroupContact, answers_between, group_contacts

__all__ = ["facilitator_cards"]

_MAX_BLOCKERS = 5
_BLOCKER_CHARS = 200


def _blockers(answers: Sequence[GivenAnswer]) -> list[tuple[str, str]]:
    found = []
    for a in answers:
        for question, answer in zip(a.questions, a.answers, strict=False):
            if is_blocker(question, answer):
                clipped = " ".join(answer.split())
                clipped = clipped if len(clipped) <= _BLOCKER_CHARS else clipped[: _BLOCKER_CHARS - 1] + "…"
                found.append((a.user, clipped))
    return found


def _card_text(group: GroupPulse, blockers: Sequence[tuple[str, str]]) -> str:
    now, before = group.weekly[-1], group.weekly[-2] if len(group.weekly) > 1 else None
    if before is None or now is None:
        change = text.NOTHING_BEFORE
    elif now == before:
        change = text.NO_CHANGE
    else:
        change = text.RATE_CHANGE.format(change=(now - before) * 100)
    lines = [text.CARD_PARTICIPATION.format(rate=pct(now), change=change)]
    if group.at_risk:
        lines.append(text.CARD_AT_RISK)
    if blockers:
        lines.append(text.CARD_BLOCKERS.format(count=len(blockers)))
        lines += [f"• {user}: {answer}" for user, answer in blockers[:_MAX_BLOCKERS]]
        if len(blockers) > _MAX_BLOCKERS:
            lines.append(text.CARD_MORE_BLOCKERS.format(count=len(blockers) - _MAX_BLOCKERS))
    else:
        lines.append(text.CARD_NO_BLOCKERS)
    return "\n".join(lines)


async def facilitator_cards(db: Database, report: Report) -> list[Reply]:
    """One DM per facilitator of each group that held a check-in in the report's last week."""
    week = report.period.weeks[-1]
    held = {g.id: g for g in report.groups if g.weekly and g.weekly[-1] is not None}
    if not held:
        return []
    async with db.session() as session:
        contacts: list[GroupContact] = await group_contacts(session, list(held))
        answers = await answers_between(session, report.period.bounds[-2], report.period.bounds[-1])
    by_group: dict[int, list[GivenAnswer]] = {}
    for a in answers:
        by_group.setdefault(a.group_id, []).append(a)
    out = []
    for contact in contacts:
        body = _card_text(held[contact.group_id], _blockers(by_group.get(contact.group_id, [])))
        title = text.CARD_TITLE.format(name=contact.name, week=week)
        out += [
            Reply(
                body,
                title=title,
                platform=contact.platform,
                user=user,
                visibility=Visibility.DM,
                key=f"pulse:{week}:card:{contact.group_id}:{user}",
            )
            for user in contact.facilitators
        ]
    return out
