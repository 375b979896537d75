"""The scheduler's check-in jobs: post the runs now due, remind non-responders, summarise at close.

Each claims its work in the database (row locks and conditional updates), so with several bot processes each run
is posted once, each reminder sent once and each summary posted once. A run found past its whole answer window
(the bot was down) is recorded as missed, not posted. Members away that day (``me away``) get no DM, and the summary
lists them as away rather than as not having answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.events import Button, Reply, Visibility
from bot.features.checkins import text
from bot.features.checkins.answers import ANSWER_ACTION, unsent_answers
from bot.features.checkins.common import local, skips
from bot.features.checkins.report import summary
from bot.schedule import Schedule, occurrences
from bot.usertext import quote
from bot.zones import load_zone
from storage import Database
from storage.checkins import (
    NewRun,
    answers_for_runs,
    claim_closing_runs,
    claim_due_groups,
    claim_reminders,
    get_group,
    insert_runs,
    members,
    members_of_groups,
    set_next_runs,
)
from storage.conversations import drop_conversations
from storage.prefs import Absences, absences, away_users
from storage.records import CheckinAnswer, CheckinRun, Conversation, Member, StudyGroup

__all__ = ["close", "post_due", "present", "prompts", "remind"]

log = logging.getLogger(__name__)

_BATCH = 500
_LATE_AFTER = timedelta(minutes=5)


async def post_due(db: Database, now: datetime, posted: Callable[[], None]) -> list[Reply]:
    """The prompts of every run due by ``now``, in the group's channel and (if it asks) by DM to each member.

    Args:
        db: the database.
        now: the scheduler's tick.
        posted: called once for each run posted (the metrics counter).
    """
    out: list[Reply] = []
    while True:
        async with db.session() as session:
            groups = await claim_due_groups(session, now, _BATCH)
            by_id = {group.id: group for group in groups}
            plans = [(group, *_plan(group, now)) for group in groups]
            runs = await insert_runs(session, [run for _, planned, _ in plans for run in planned])
            await set_next_runs(session, [(group.id, after) for group, _, after in plans])
            rosters = await members_of_groups(session, [g.id for g in groups if g.dm_members])
            if rosters:
                away = await absences(session, now)
                rosters = {gid: present(away, by_id[gid], roster) for gid, roster in rosters.items()}
        for run in runs:
            if run.status == "open":
                posted()
                out += prompts(by_id[run.group_id], run, now, rosters.get(run.group_id, []))
            else:
                log.warning(
                    "check-in of group %d due %s was missed (the bot was not running)", run.group_id, run.scheduled_at
                )
        if len(groups) < _BATCH:
            return out


async def remind(db: Database, now: datetime) -> list[Reply]:
    """A DM with the Answer button to each member who has not answered a run whose reminder time has come."""
    out: list[Reply] = []
    async with db.session() as session:
        away = await absences(session, now)
        for run in await claim_reminders(session, now):
            group = await get_group(session, run.group_id)
            if group is None:
                continue
            roster = await members(session, group.id)
            roster = present(away, group, roster)
            answered = {a.user for a in await answers_for_runs(session, [run.id])}
            said = (text.REMINDER_TYPED if group.platform == "console" else text.REMINDER).format(
                name=quote(group.name), closes=local(run.closes_at, group.timezone, relative=True)
            )
            out += [
                Reply(
                    said,
                    buttons=(_answer_button(run),),
                    platform=group.platform,
                    user=m.user,
                    visibility=Visibility.DM,
                )
                for m in roster
                if m.user not in answered
            ]
    return out


async def close(db: Database, now: datetime) -> list[Reply]:
    """The summary of each run that closes by ``now``, for its group's channel."""
    out: list[Reply] = []
    async with db.session() as session:
        for run in await claim_closing_runs(session, now):
            group = await get_group(session, run.group_id)
            if group is None:
                continue
            answers = await answers_for_runs(session, [run.id])
            roster = [m.user for m in await members(session, group.id)]
            away = await away_users(session, group.platform, roster, run.scheduled_at, group.timezone)
            unsent = await unsent_answers(session, group, run, now)
            out.append(summary(group, run, answers, roster, away, unsent))
            out += _forms_closed(group, run, await drop_conversations(session, f"{ANSWER_ACTION}:{run.id}"), unsent)
    return out


def _forms_closed(
    group: StudyGroup, run: CheckinRun, dropped: Sequence[Conversation], unsent: Sequence[CheckinAnswer]
) -> list[Reply]:
    """A DM to each member whose answer form, asked step by step, was still half filled at the close (and is now
    dropped): so their next message is not taken for an answer, nor are they asked the rest to be told it closed.
    (A form in pages is refused when submitted, at once.)"""
    partly = {a.user for a in unsent}
    closes = local(run.closes_at, group.timezone)
    out = []
    for conv in dropped:
        said = text.CLOSED_FORM.format(name=quote(group.name), closes=closes)
        if conv.platform == group.platform and conv.user in partly:
            said += text.CLOSED_PARTIAL
        out.append(Reply(said, platform=conv.platform, user=conv.user, visibility=Visibility.DM))
    return out


def present(away: Absences, group: StudyGroup, roster: Sequence[Member]) -> list[Member]:
    """``roster`` without the members who are away today (``me away``): they get no DMs (meetings' notices too)."""
    gone = away.among(group.platform, [m.user for m in roster], group.timezone)
    return [m for m in roster if m.user not in gone]


def _plan(group: StudyGroup, now: datetime) -> tuple[list[NewRun], datetime | None]:
    """The runs now due for ``group`` (open if still inside their window, else missed) and its next run time."""
    zone = load_zone(group.timezone)
    skipped = skips(group)
    rule = Schedule(group.rrule) if group.rrule else None
    window = timedelta(hours=group.window_hours)
    remind_after = min(timedelta(hours=group.reminder_hours), window / 2)
    planned = []
    due = group.next_run_at
    while due is not None and due <= now:
        is_open = now - due < window
        planned.append(
            NewRun(
                group, due, "open" if is_open else "missed", now if is_open else None, due + window, due + remind_after
            )
        )
        due = next(occurrences(rule, zone, due, skipped), None) if rule else None
    return planned, due


def prompts(group: StudyGroup, run: CheckinRun, now: datetime, roster: Sequence[Member]) -> list[Reply]:
    """A run's prompt for the group's channel, and for each member of ``roster`` by DM (also used for check-ins
    tied to meetings, :mod:`bot.features.meetings.jobs`)."""
    closes = local(run.closes_at, group.timezone, relative=True)
    if now - run.scheduled_at > _LATE_AFTER:
        said = text.PROMPT_LATE.format(due=local(run.scheduled_at, group.timezone), closes=closes)
    else:
        said = text.PROMPT.format(closes=closes)
    questions = "\n".join(text.QUESTION_LINE.format(number=n, question=q) for n, q in enumerate(run.questions, 1))
    body = said + "\n\n" + questions
    title = text.PROMPT_TITLE.format(name=quote(group.name))
    button = (_answer_button(run),)
    out = [Reply(body, title=title, buttons=button, platform=group.platform, channel=group.channel)]
    out += [
        Reply(body, title=title, buttons=button, platform=group.platform, user=m.user, visibility=Visibility.DM)
        for m in roster
    ]
    return out


def _answer_button(run: CheckinRun) -> Button:
    return Button(text.ANSWER_BUTTON, ANSWER_ACTION, str(run.id), primary=True)
