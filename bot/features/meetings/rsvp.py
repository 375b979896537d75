"""Going / Can't make it: the buttons under a reminder, and ``meetings who`` for the facilitators."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.args import parse_date, split_args
from bot.errors import NotFound, UsageError
from bot.events import Action, Button, Reply, Visibility
from bot.feature import Context, Replies
from bot.features.checkins.common import group_here, require_facilitator
from bot.features.meetings import text
from bot.features.meetings.common import on_day
from bot.schedule import parse_time
from bot.usertext import quote
from bot.when import at
from storage.checkins import get_group, members
from storage.meeting_notes import rsvps, set_rsvp
from storage.meetings import Meeting, get_meeting, group_meetings
from storage.records import StudyGroup

__all__ = ["RSVP_ACTION", "cant", "going", "on_button", "rsvp_buttons", "who"]

RSVP_ACTION = "meetings:rsvp"
"""The Going and Can't make it buttons' action id; the value is ``MEETING:yes`` or ``MEETING:no``."""
_ANSWERS = ("yes", "no")


def rsvp_buttons(meeting: Meeting) -> tuple[Button, ...]:
    """The two buttons of a reminder."""
    return (
        Button(text.GOING_BUTTON, RSVP_ACTION, f"{meeting.id}:yes", primary=True),
        Button(text.NOT_GOING_BUTTON, RSVP_ACTION, f"{meeting.id}:no"),
    )


async def on_button(ctx: Context, action: Action) -> Replies:
    """A press of Going or Can't make it: recorded for the presser (the last press counts) until the meeting starts."""
    meeting_id, _, answer = action.value.partition(":")
    if action.action_id != RSVP_ACTION or not meeting_id.isdigit() or answer not in _ANSWERS:
        raise UsageError(text.STALE_BUTTON)
    async with ctx.db.session() as session:
        meeting = await get_meeting(session, int(meeting_id))
        group = await get_group(session, meeting.group_id) if meeting else None
        if meeting is None or group is None:
            raise NotFound(text.GONE)
        when = await _answer(ctx, session, group, meeting, answer)
    said = text.GOING if answer == "yes" else text.NOT_GOING
    return [Reply(said.format(when=when), visibility=Visibility.EPHEMERAL)]


async def going(ctx: Context, args: str) -> Replies:
    """``meetings going [DATE [HH:MM]]``: Going, typed (the next meeting by default), as the button does."""
    return await _typed(ctx, args, "yes")


async def cant(ctx: Context, args: str) -> Replies:
    """``meetings cant [DATE [HH:MM]]``: Can't make it, typed (the next meeting by default), as the button does."""
    return await _typed(ctx, args, "no")


async def _typed(ctx: Context, args: str, answer: str) -> Replies:
    group = await group_here(ctx)
    words = split_args(args)
    if len(words) > 2:
        raise UsageError(text.RSVP_USAGE)
    async with ctx.db.session() as session:
        meetings = await group_meetings(session, group.id)
        if words:
            clock = parse_time(words[1]) if len(words) == 2 else None
            command = "meetings going" if answer == "yes" else "meetings cant"
            meeting = on_day(group, meetings, parse_date(words[0], "date"), clock, command)
        else:
            ahead = [m for m in meetings if not m.cancelled and m.starts_at > ctx.now]
            if not ahead:
                raise NotFound(text.NO_NEXT)
            meeting = ahead[0]
        when = await _answer(ctx, session, group, meeting, answer)
    said = text.GOING_TYPED if answer == "yes" else text.NOT_GOING
    return [Reply(said.format(when=when), visibility=Visibility.EPHEMERAL)]


async def _answer(ctx: Context, session: AsyncSession, group: StudyGroup, meeting: Meeting, answer: str) -> str:
    """Record ``answer`` for the person acting on ``meeting`` (still ahead and not cancelled); its time, written."""
    when = at(meeting.starts_at, meeting.timezone)
    if meeting.cancelled or meeting.starts_at <= ctx.now:
        raise UsageError(text.NOT_OPEN.format(when=when))
    user = (ctx.users_on(group.platform) or [ctx.origin.user])[0]  # the person's account on the group's platform
    await set_rsvp(session, meeting.id, user, answer, ctx.now)
    return when


async def who(ctx: Context, args: str) -> Replies:
    """``meetings who [DATE [HH:MM]]`` (facilitators): who is coming to the next meeting (or that day's), by name."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    words = split_args(args)
    async with ctx.db.session() as session:
        meetings = await group_meetings(session, group.id, include_cancelled=False)
        clock = parse_time(words[1]) if len(words) == 2 else None
        found = on_day(group, meetings, parse_date(words[0], "date"), clock, "meetings who") if words else None
        meeting = found or next((m for m in meetings if m.ends_at > ctx.now), None)
        if meeting is None:
            raise NotFound(text.NO_NEXT)
        answers = (await rsvps(session, [meeting.id]))[meeting.id]
        roster = [m.user for m in await members(session, group.id)]
    going = sorted(u for u, a in answers.items() if a == "yes")
    not_going = sorted(u for u, a in answers.items() if a == "no")
    unknown = sorted(u for u in roster if u not in answers)
    lines = [
        text.WHO_GOING.format(count=len(going), users=_names(going, roster)),
        text.WHO_NOT.format(count=len(not_going), users=_names(not_going, roster)),
        text.WHO_UNKNOWN.format(count=len(unknown), users=_names(unknown, roster)),
    ]
    title = text.WHO_TITLE.format(when=at(meeting.starts_at, meeting.timezone))
    return [Reply("\n".join(lines), title=title, visibility=Visibility.EPHEMERAL)]


def _names(users: list[str], roster: list[str]) -> str:
    """The users, each not in the group (someone from the channel who pressed Going) marked as a guest."""
    return ", ".join(quote(u) + ("" if u in roster else text.GUEST) for u in users) or text.NOBODY
