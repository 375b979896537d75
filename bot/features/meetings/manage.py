"""Setting a group's meetings: ``meetings schedule``, ``add``, ``move``, ``cancel`` and ``list``.

A meeting is kept as its wall-clock time in the group's zone (``local_start``) and the instant that is; the instant
is computed from the wall clock (:func:`bot.schedule.local_time`), so a weekly 18:00 stays 18:00 across a
daylight-saving change.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from bot.args import parse_date, parse_options, split_args
from bot.errors import UsageError
from bot.events import Reply, Visibility
from bot.feature import Context, Replies
from bot.features.checkins.common import group_here, positive, require_facilitator
from bot.features.meetings import text
from bot.features.meetings.common import check_words, not_started, on_day, parse_length, parse_where, wall_clock, where
from bot.plural import counted
from bot.schedule import Schedule, local_minute, local_time, parse_days, parse_time
from bot.usertext import quote
from bot.when import at
from bot.zones import load_zone
from storage.meetings import NewMeeting, add_meetings, cancel_meeting, group_meetings, move_meeting

__all__ = ["add", "cancel", "listing", "move", "schedule"]

_DEFAULT_WEEKS = 6
_MAX_WEEKS = 52
_LISTED = 8
_DEFAULT_LENGTH = 90


async def schedule(ctx: Context, args: str) -> Replies:
    """``meetings schedule DAYS HH:MM [--weeks N] [--start DATE] [--length 90m] [--place T | --link URL]``."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    words = split_args(args)
    opts, rest = parse_options(words, {"--weeks", "--start", "--length", "--place", "--link"})
    check_words(words, opts, rest, "meetings schedule", text.SCHEDULE_WANTS, text.SCHEDULE_USAGE)
    days, clock = parse_days(rest[0]), parse_time(rest[1])
    weeks = positive(opts["--weeks"], "--weeks", _MAX_WEEKS) if "--weeks" in opts else _DEFAULT_WEEKS
    length = parse_length(opts["--length"]) if "--length" in opts else _DEFAULT_LENGTH
    place, link = parse_where(opts)
    zone = load_zone(group.timezone)
    now_local = local_minute(ctx.now, zone)
    start = now_local
    if "--start" in opts:
        start = max(now_local, datetime.combine(parse_date(opts["--start"], "--start"), time(0, 0)))
    # The rule's own wall-clock times (not instants converted back), so 18:00 stays 18:00 in every week.
    rule = Schedule.weekly(days, clock, start, count=weeks * len(days)).rule()
    series = uuid.uuid4().hex[:16]
    items = [
        NewMeeting(local_time(naive, zone), wall_clock(naive), length, place, link, series)
        for naive in rule
        if local_time(naive, zone) > ctx.now
    ]
    async with ctx.db.session() as session:
        taken = {m.local_start for m in await group_meetings(session, group.id, include_cancelled=False)}
        items = [item for item in items if item.local_start not in taken]  # scheduling twice adds nothing twice
        if not items:
            raise UsageError(text.NOTHING_AHEAD)
        added = await add_meetings(session, group.id, items, ctx.now)
    said = text.SCHEDULED.format(
        meetings=counted(len(added), "meeting"),
        name=quote(group.name),
        first=at(added[0].starts_at, group.timezone),
        last=at(added[-1].starts_at, group.timezone),
        length=length,
        where=where(added[0]),
    )
    return [Reply(said)]


async def add(ctx: Context, args: str) -> Replies:
    """``meetings add YYYY-MM-DD HH:MM [--length 90m] [--place TEXT | --link URL]``: a one-off meeting."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    words = split_args(args)
    opts, rest = parse_options(words, {"--length", "--place", "--link"})
    check_words(words, opts, rest, "meetings add", text.ADD_WANTS, text.ADD_USAGE)
    naive = datetime.combine(parse_date(rest[0], "date"), parse_time(rest[1]))
    starts_at = _future(naive, group.timezone, ctx.now)
    length = parse_length(opts["--length"]) if "--length" in opts else _DEFAULT_LENGTH
    place, link = parse_where(opts)
    async with ctx.db.session() as session:
        if any(
            m.local_start == wall_clock(naive) for m in await group_meetings(session, group.id, include_cancelled=False)
        ):
            raise UsageError(text.ALREADY_THEN.format(when=at(starts_at, group.timezone)))
        (meeting,) = await add_meetings(
            session, group.id, [NewMeeting(starts_at, wall_clock(naive), length, place, link)], ctx.now
        )
    said = text.ADDED.format(when=at(meeting.starts_at, group.timezone), length=length, where=where(meeting))
    return [Reply(said + _gap_note(naive, meeting.starts_at, group.timezone))]


async def move(ctx: Context, args: str) -> Replies:
    """``meetings move DATE [HH:MM] [NEW-DATE] NEW-HH:MM``: the meeting of DATE (at HH:MM) to another time (and day)."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    words = split_args(args)
    if len(words) not in (2, 3, 4):
        raise UsageError(text.MOVE_USAGE)
    day = parse_date(words[0], "date")
    clock = parse_time(words[1]) if len(words) == 4 or (len(words) == 3 and _is_time(words[1])) else None
    new_day: date = parse_date(words[-2], "new date") if len(words) - (clock is not None) == 3 else day
    naive = datetime.combine(new_day, parse_time(words[-1]))
    async with ctx.db.session() as session:
        meetings = await group_meetings(session, group.id)
        picked = on_day(group, meetings, day, clock, "meetings move", " ".join(words[1:]))
        meeting = not_started(picked, ctx.now)
        starts_at = _future(naive, group.timezone, ctx.now)
        if any(m.local_start == wall_clock(naive) and not m.cancelled and m.id != meeting.id for m in meetings):
            when = at(starts_at, group.timezone)
            raise UsageError(text.MOVE_ONTO_TAKEN.format(when=when, day=f"{naive:%Y-%m-%d %H:%M}"))
        moved = await move_meeting(session, meeting.id, starts_at, wall_clock(naive), ctx.now)
    assert moved is not None
    old, new = at(meeting.starts_at, group.timezone), at(moved.starts_at, group.timezone)
    return [Reply(text.MOVED.format(old=old, new=new) + _gap_note(naive, moved.starts_at, group.timezone))]


async def cancel(ctx: Context, args: str) -> Replies:
    """``meetings cancel DATE [HH:MM]``: cancel that day's meeting (it stays in the calendar as cancelled)."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    words = split_args(args)
    if len(words) not in (1, 2):
        raise UsageError(text.CANCEL_USAGE)
    day = parse_date(words[0], "date")
    clock = parse_time(words[1]) if len(words) == 2 else None
    async with ctx.db.session() as session:
        picked = on_day(group, await group_meetings(session, group.id), day, clock, "meetings cancel")
        meeting = not_started(picked, ctx.now)
        await cancel_meeting(session, meeting.id, ctx.now)
    return [Reply(text.CANCELLED.format(when=at(meeting.starts_at, group.timezone)))]


async def listing(ctx: Context, args: str) -> Replies:
    """``meetings list``: the coming meetings of this channel's group."""
    group = await group_here(ctx)
    async with ctx.db.session() as session:
        meetings = await group_meetings(session, group.id, include_cancelled=False)
    coming = [m for m in meetings if m.ends_at > ctx.now]
    title = text.LIST_TITLE.format(name=quote(group.name))
    if not coming:
        return [Reply(text.NONE_AHEAD, title=title, visibility=Visibility.EPHEMERAL)]
    lines = [
        text.LIST_LINE.format(when=at(m.starts_at, m.timezone), length=m.length_minutes, where=where(m))
        for m in coming[:_LISTED]
    ]
    if len(coming) > _LISTED:
        lines.append(text.MORE_AHEAD.format(count=len(coming) - _LISTED))
    return [Reply("\n".join(lines), title=title, visibility=Visibility.EPHEMERAL)]


def _is_time(word: str) -> bool:
    """Whether ``word`` reads as a time of day (``18:00``) rather than a date."""
    return ":" in word


def _future(naive: datetime, zone_name: str, now: datetime) -> datetime:
    """The instant of wall-clock ``naive`` in the zone, which must be after ``now``."""
    instant = local_time(naive, load_zone(zone_name))
    if instant <= now:
        raise UsageError(text.IN_THE_PAST.format(when=at(instant, zone_name)))
    return instant


def _gap_note(naive: datetime, instant: datetime, zone_name: str) -> str:
    """What to add when wall-clock ``naive`` does not exist in the zone (the clocks jump past it that night) and the
    meeting is at ``instant``, an hour later on the clock, or happens twice (they go back) and the meeting is at the
    first: said, so nobody turns up at a time that never comes, or an hour late."""
    zone = load_zone(zone_name)
    shown = instant.astimezone(zone).replace(tzinfo=None)
    if shown != naive:
        return " " + text.CLOCK_GAP.format(asked=naive, shown=shown)
    first, second = (naive.replace(tzinfo=zone, fold=fold).utcoffset() for fold in (0, 1))
    return "" if first == second else " " + text.CLOCK_TWICE.format(asked=naive, when=at(instant, zone_name))
