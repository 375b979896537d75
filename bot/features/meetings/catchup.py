"""Late joiners: a member who joins a group after its first meeting gets one DM to catch up: the next meeting,
what the group covered (the answers of its last check-ins) and the blockers still open.

Joining is whatever adds a member (``checkin join``, a first check-in answer, ``checkin add``); this
job finds them in the database and claims each catch-up once (``meeting_catchups``), so two replicas send one DM.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Reply, Visibility
from bot.features.checkins.blocking import blockers_in
from bot.features.meetings import text
from bot.features.meetings.common import where
from bot.usertext import quote
from bot.when import at
from storage import Database
from storage.checkins import answers_for_runs, runs_of_group
from storage.meeting_notes import claim_catchups, groups_by_id, late_joiners
from storage.meetings import group_meetings
from storage.records import CheckinAnswer, CheckinRun, StudyGroup

__all__ = ["catchups"]

_BATCH = 200
_RUNS = 2
"""How many of the last closed check-ins the catch-up shows."""
_CHARS = 300


async def catchups(db: Database, now: datetime) -> list[Reply]:
    """The catch-up DM of each member who joined after their group's first meeting, once."""
    async with db.session() as session:
        pairs = await late_joiners(session, now, _BATCH)
        claimed = sorted(await claim_catchups(session, pairs, now))
        groups = await groups_by_id(session, sorted({group_id for group_id, _ in claimed}))
        # One catch-up per group, however many joined it: the same DM goes to each of them.
        bodies = {group_id: await _catchup(session, group, now) for group_id, group in groups.items()}
    return [
        Reply(
            bodies[group_id],
            title=text.CATCHUP_TITLE.format(name=quote(groups[group_id].name)),
            platform=groups[group_id].platform,
            user=user,
            visibility=Visibility.DM,
        )
        for group_id, user in claimed
        if group_id in groups
    ]


async def _catchup(session: AsyncSession, group: StudyGroup, now: datetime) -> str:
    """The catch-up of ``group``: its next meeting, what it covered lately, its open blockers."""
    coming = [m for m in await group_meetings(session, group.id, include_cancelled=False) if m.starts_at > now]
    runs = [r for r in await runs_of_group(session, group.id) if r.status == "closed"][-_RUNS:]
    answers = await answers_for_runs(session, [r.id for r in runs])
    if coming:
        first = coming[0]
        lines = [text.CATCHUP_NEXT.format(when=at(first.starts_at, first.timezone), where=where(first))]
    else:
        lines = [text.CATCHUP_NO_NEXT]
    return "\n".join(lines + _covered(runs, answers, group.timezone))


def _covered(runs: list[CheckinRun], answers: list[CheckinAnswer], zone: str) -> list[str]:
    """What the last check-ins said (each member's first answer), and the blockers of the latest one."""
    lines = ["", text.CATCHUP_COVERED]
    said = False
    for run in runs:
        given = [a for a in answers if a.run_id == run.id and a.answers and a.answers[0]]
        if given:
            said = True
            lines.append(text.CATCHUP_RUN.format(day=at(run.scheduled_at, zone)))
            lines += [text.CATCHUP_ANSWER.format(user=quote(a.user), text=quote(a.answers[0][:_CHARS])) for a in given]
    if not said:
        lines.append(text.CATCHUP_NOTHING)
    blockers = []
    if runs:
        last = runs[-1]
        for a in answers:
            if a.run_id != last.id:
                continue
            for answer in blockers_in(last.questions, a.answers):
                blockers.append(text.CATCHUP_ANSWER.format(user=quote(a.user), text=quote(answer[:_CHARS])))
    lines += ["", text.CATCHUP_BLOCKERS, *blockers] if blockers else ["", text.CATCHUP_NO_BLOCKERS]
    return lines
