"""The scheduler's meeting job: reminders with Going / Can't make it, check-ins tied to meetings, the Reflect post
at each meeting's end and the facilitator's summary a day later.

Each meeting carries the time its next notice is due (``next_notice_at``); a tick claims the meetings due, claims
each notice as a ``meeting_notices`` row (a primary key, so with two replicas only one sends it) and moves the time
on. When the bot was down past several reminders, only the latest still-useful one is sent; a Reflect post is not
sent once reflections have closed, nor a summary more than a day late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Reply, Visibility
from bot.features.calendars.links import add_to_calendar
from bot.features.checkins.jobs import present, prompts
from bot.features.meetings import text
from bot.features.meetings.common import where
from bot.features.meetings.reflect import REFLECT_ACTION, closes_at, reflect_button, summary, unsent_reflections
from bot.features.meetings.rsvp import rsvp_buttons
from bot.usertext import quote
from bot.when import at
from storage import Database
from storage.checkins import NewRun, insert_runs, members_of_groups
from storage.conversations import drop_conversations
from storage.meeting_notes import (
    DueMeeting,
    Reflection,
    claim_due_meetings,
    claim_notices,
    groups_by_id,
    reflections,
    rsvps,
    runs_taken,
    set_next_notices,
)
from storage.meetings import REFLECTION_HOURS, Meeting, notice_times
from storage.prefs import absences
from storage.records import CheckinRun, Conversation, Member, StudyGroup

__all__ = ["notices"]

_BATCH = 1000
_OWN_KINDS = frozenset({"checkin", "reflect", "summary"})


def _times(due: DueMeeting) -> list[tuple[datetime, str]]:
    m, s = due.meeting, due.settings
    return notice_times(m.starts_at, m.length_minutes, s.reminders, s.checkin_meetings)


async def notices(db: Database, now: datetime) -> list[Reply]:
    """Every meeting notice due by ``now``, claimed once across processes."""
    out: list[Reply] = []
    while True:
        async with db.session() as session:
            due = await claim_due_meetings(session, now, _BATCH)
            times = {d.meeting.id: _times(d) for d in due}
            wanted = [(d.meeting.id, k) for d in due for t, k in times[d.meeting.id] if d.since <= t <= now]
            claimed = await claim_notices(session, wanted, now)
            later = [(d.meeting.id, next((t for t, _ in times[d.meeting.id] if t > now), None)) for d in due]
            await set_next_notices(session, later)
            kinds_of: dict[int, set[str]] = {}
            for meeting_id, kind in claimed:
                kinds_of.setdefault(meeting_id, set()).add(kind)
            work = [(d, kinds_of[d.meeting.id]) for d in due if d.meeting.id in kinds_of]
            ids = [d.meeting.id for d, _ in work]
            groups = await groups_by_id(session, [d.meeting.group_id for d, _ in work])
            rosters = await members_of_groups(session, list(groups))
            if rosters:  # members away today (`me away`) get no DMs
                away = await absences(session, now)
                rosters = {gid: present(away, groups[gid], roster) for gid, roster in rosters.items()}
            answers = await rsvps(session, ids)
            summarised = [d.meeting for d, kinds in work if "summary" in kinds]
            found = await reflections(session, [m.id for m in summarised])
            closing = {m.id: await _close_forms(session, groups[m.group_id], m, now) for m in summarised}
            opened = await _open_runs(session, work, times, groups, now)
        for d, kinds in work:
            group, roster = groups[d.meeting.group_id], rosters.get(d.meeting.group_id, [])
            said = answers.get(d.meeting.id, {})
            out += _reminders(group, d.meeting, kinds, now, roster, said)
            run = opened.pop(d.meeting.group_id, None) if "checkin" in kinds else None
            if run is not None:  # posted once, even for two meetings of a group at one time
                out += prompts(group, run, now, roster if group.dm_members else [])
            if "reflect" in kinds and now < closes_at(d.meeting):
                out += _reflect(group, d.meeting, roster, said, d.settings.reflection_summary)
            if "summary" in kinds:
                unsent, dropped = closing[d.meeting.id]
                if now < d.meeting.ends_at + timedelta(hours=2 * REFLECTION_HOURS):
                    mine = [r for r in found if r.meeting_id == d.meeting.id]  # few: only meetings summarised now
                    out += summary(group, d.meeting, mine, said, roster, d.settings.reflection_summary, unsent)
                else:
                    unsent = []  # no summary this late: nothing of theirs is in one
                out += _forms_closed(group, d.meeting, dropped, unsent)
        if len(due) < _BATCH:
            return out


async def _close_forms(
    session: AsyncSession, group: StudyGroup, meeting: Meeting, now: datetime
) -> tuple[list[Reflection], list[Conversation]]:
    """The Plus/Delta forms on ``meeting`` still half filled as its reflections close: what they held, and the
    step-by-step ones, now dropped (a form in pages is answered that it closed when it is sent)."""
    unsent = await unsent_reflections(session, group, meeting, now)
    return unsent, await drop_conversations(session, f"{REFLECT_ACTION}:{meeting.id}")


def _forms_closed(
    group: StudyGroup, meeting: Meeting, dropped: Sequence[Conversation], unsent: Sequence[Reflection]
) -> list[Reply]:
    """A DM to each member whose Plus/Delta, asked step by step, was still half filled when reflections closed: so
    their next message is not taken for an answer, nor are they asked the rest to be told it closed."""
    partly = {r.user for r in unsent}
    when, closes = at(meeting.starts_at, meeting.timezone), at(closes_at(meeting), meeting.timezone)
    out = []
    for conv in dropped:
        said = text.CLOSED_FORM.format(when=when, closes=closes)
        if conv.platform == group.platform and conv.user in partly:
            said += text.CLOSED_PARTIAL
        out.append(Reply(said, platform=conv.platform, user=conv.user, visibility=Visibility.DM))
    return out


async def _open_runs(
    session: AsyncSession,
    work: Sequence[tuple[DueMeeting, set[str]]],
    times: dict[int, list[tuple[datetime, str]]],
    groups: dict[int, StudyGroup],
    now: datetime,
) -> dict[int, CheckinRun]:
    """The check-ins tied to these meetings, recorded as runs (once per group and time, even if a run is there);
    none for a group whose check-ins are paused (``checkin pause``)."""
    due = {
        (d.meeting.group_id, t)
        for d, kinds in work
        if "checkin" in kinds and not groups[d.meeting.group_id].paused
        for t, k in times[d.meeting.id]
        if k == "checkin"
    }
    due -= await runs_taken(session, list(due))
    runs = [NewRun(groups[g], t, "open", now, *_window(groups[g], t)) for g, t in sorted(due)]
    return {run.group_id: run for run in await insert_runs(session, runs)}


def _window(group: StudyGroup, due: datetime) -> tuple[datetime, datetime]:
    """When a check-in due at ``due`` closes, and when its reminder goes (as for scheduled check-ins)."""
    window = timedelta(hours=group.window_hours)
    return due + window, due + min(timedelta(hours=group.reminder_hours), window / 2)


def _reminders(
    group: StudyGroup,
    meeting: Meeting,
    kinds: set[str],
    now: datetime,
    roster: Sequence[Member],
    answers: dict[str, str],
) -> list[Reply]:
    """One reminder in the channel, and (when the group sends DMs) one to each member who has not said no."""
    if not kinds - _OWN_KINDS or meeting.starts_at <= now:
        return []
    body = text.REMINDER.format(
        name=quote(group.name), when=at(meeting.starts_at, meeting.timezone), where=where(meeting)
    )
    if group.platform == "slack":  # Discord members have the server's scheduled event (bot.features.calendars)
        body += "\n\n" + add_to_calendar(group, meeting)
    body += _typed(group, text.TYPE_RSVP)
    title = text.REMINDER_TITLE.format(name=quote(group.name))
    return _to_group(group, Reply(body, title=title, buttons=rsvp_buttons(meeting)), roster, answers)


def _reflect(
    group: StudyGroup, meeting: Meeting, roster: Sequence[Member], answers: dict[str, str], summary_to: str
) -> list[Reply]:
    """The "how did it go?" post with the Reflect button, in the channel and (DM groups) to those who came; it says
    who will read the answers, as ``summary_to`` (``meetings summary``) sends them."""
    seen = text.REFLECT_SEEN_BY[summary_to]
    body = text.REFLECT.format(when=at(meeting.starts_at, meeting.timezone), seen=seen) + _typed(
        group, text.TYPE_REFLECT
    )
    title = text.REFLECT_TITLE.format(name=quote(group.name))
    return _to_group(group, Reply(body, title=title, buttons=(reflect_button(meeting),)), roster, answers)


def _to_group(group: StudyGroup, post: Reply, roster: Sequence[Member], answers: dict[str, str]) -> list[Reply]:
    """``post`` in the group's channel and (when the group sends DMs) to each member who has not said no."""
    out = [replace(post, platform=group.platform, channel=group.channel)]
    if group.dm_members:
        out += [
            replace(post, platform=group.platform, user=m.user, visibility=Visibility.DM)
            for m in roster
            if answers.get(m.user) != "no"
        ]
    return out


def _typed(group: StudyGroup, hint: str) -> str:
    """How to answer by typing, where buttons cannot be pressed: posts the console prints (``scheduler tick``)."""
    return " " + hint.format(channel=quote(group.channel)) if group.platform == "console" else ""
