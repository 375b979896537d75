"""Facilitators' weekly cards: their group's meeting attendance and check-in participation, each with its change,
and the blockers members reported.

Sent with the digest, by DM to each facilitator of every group that met or held a check-in in the digest's week.
Blockers are spotted with the same rule as the check-in summaries (the answer to a question about blocking, unless
it says "no", "none" and the like), so the card and the summary agree.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.events import Reply, Visibility
from bot.features.checkins.blocking import blockers_in  # the check-in summaries' rule, shared on purpose
from bot.pulse import text
from bot.pulse.meetings import GroupMeetings
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
        for answer in blockers_in(a.questions, a.answers):
            clipped = " ".join(answer.split())
            clipped = clipped if len(clipped) <= _BLOCKER_CHARS else clipped[: _BLOCKER_CHARS - 1] + "…"
            found.append((a.user, clipped))
    return found


def _change(weekly: Sequence[float | None]) -> str:
    now, before = weekly[-1], weekly[-2] if len(weekly) > 1 else None
    if before is None or now is None:
        return text.NOTHING_BEFORE
    if now == before:
        return text.NO_CHANGE
    return text.RATE_CHANGE.format(change=(now - before) * 100)


def _card_text(group: GroupPulse | None, met: GroupMeetings | None, blockers: Sequence[tuple[str, str]]) -> str:
    lines = []
    if met is not None:
        held = met.held_weekly[-1] if met.held_weekly else 1
        one, several = text.CARD_THIS_WEEK
        meetings = one if held == 1 else several.format(count=held)
        lines.append(
            text.CARD_ATTENDANCE.format(rate=pct(met.weekly[-1]), meetings=meetings, change=_change(met.weekly))
        )
        if met.at_risk:
            lines.append(text.CARD_ATTENDANCE_AT_RISK)
    if group is not None:
        lines.append(text.CARD_PARTICIPATION.format(rate=pct(group.weekly[-1]), change=_change(group.weekly)))
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
    """One DM per facilitator of each group that met or held a check-in in the report's last week."""
    week = report.period.weeks[-1]
    held = {g.id: g for g in report.groups if g.weekly and g.weekly[-1] is not None}
    met = {
        g.id: g for g in (report.meetings.groups if report.meetings else ()) if g.weekly and g.weekly[-1] is not None
    }
    if not held and not met:
        return []
    async with db.session() as session:
        contacts: list[GroupContact] = await group_contacts(session, sorted(held.keys() | met.keys()))
        answers = await answers_between(session, report.period.bounds[-2], report.period.bounds[-1])
    by_group: dict[int, list[GivenAnswer]] = {}
    for a in answers:
        by_group.setdefault(a.group_id, []).append(a)
    out = []
    for contact in contacts:
        group = contact.group_id
        body = _card_text(held.get(group), met.get(group), _blockers(by_group.get(group, [])))
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
