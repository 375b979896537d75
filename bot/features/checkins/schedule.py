"""When a group meets: ``checkin schedule``, ``next``, ``pause``, ``resume``, ``skip-next``, ``skip`` and ``cancel``.

A schedule is a weekly rule in the group's own time zone (:mod:`bot.schedule`); the group row keeps the rule, the
skipped dates and the next run time, which the jobs (:mod:`bot.features.checkins.jobs`) move on.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from bot import when
from bot.args import parse_options, split_args
from bot.errors import UsageError
from bot.events import Reply, Visibility
from bot.feature import Context, Replies
from bot.features.checkins import text
from bot.features.checkins.common import (
    following,
    group_here,
    local,
    parse_date,
    positive,
    require_facilitator,
    skips,
)
from bot.plural import counted
from bot.schedule import Schedule, local_minute, local_time, occurrences, parse_days, parse_time
from bot.usertext import quote
from bot.zones import load_zone, zone_option
from storage.checkins import update_group
from storage.meeting_notes import meeting_settings, set_meeting_settings
from storage.meetings import group_meetings
from storage.records import StudyGroup

__all__ = ["cancel", "next_runs", "pause", "resume", "schedule", "skip_date", "skip_next"]

_ENDS = ("--weeks", "--count", "--until")
_TIED = ("before-meetings", "after-meetings")
_MAX_BEFORE_HOURS = 168
_MAX_WEEKS = 52
_MAX_COUNT = 364
"""A year of daily check-ins: ``--count`` and ``--weeks`` plan at most a year ahead."""
_SHOWN = 4
"""How many check-ins ``checkin next`` lists after the next one."""
_COUNTED = 998
"""Up to how many remaining check-ins ``checkin next`` counts."""


async def schedule(ctx: Context, args: str) -> Replies:
    """``checkin schedule DAYS HH:MM [...]`` (facilitators): set the weekly schedule, from now on."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    words = split_args(args)
    opts, rest = parse_options(words, {"--tz", "--start", *_ENDS})
    if rest and rest[0].lower() in _TIED:
        return await _tie(ctx, group, rest)
    if len(rest) != 2:
        raise UsageError(text.SCHEDULE_USAGE)
    days, at = parse_days(rest[0]), parse_time(rest[1])
    zone_name = zone_option(words) or group.timezone
    zone = load_zone(zone_name)
    # A schedule never counts a check-in that has already passed: it starts at this minute, or at the midnight
    # of --start when that is later. A check-in due this very minute counts and goes out with the next tick.
    now_local = local_minute(ctx.now, zone)
    start, note = _start(opts.get("--start"), now_local)
    if len(set(_ENDS) & opts.keys()) > 1:
        raise UsageError(text.ONE_END_ONLY)
    count = positive(opts["--count"], "--count", _MAX_COUNT) if "--count" in opts else None
    if "--weeks" in opts:
        count = positive(opts["--weeks"], "--weeks", _MAX_WEEKS) * len(days)
    until = parse_date(opts["--until"], "--until") if "--until" in opts else None
    rule = Schedule.weekly(days, at, start, count=count, until=until)
    first = next(occurrences(rule, zone, local_time(now_local, zone) - timedelta(microseconds=1), skips(group)), None)
    if first is None:
        raise UsageError(text.NO_RUNS_AFTER_NOW)
    async with ctx.db.session() as session:
        await update_group(session, group.id, rrule=rule.text, timezone=zone_name, next_run_at=first, paused=False)
        await set_meeting_settings(session, group.id, ctx.now, checkin_meetings=None)
    said = text.SCHEDULED.format(when=local(first, zone_name)) + note
    if zone_name != group.timezone:
        said += " " + text.ZONE_CHANGED.format(before=group.timezone, after=zone_name)
    return [Reply(said)]


def _start(given: str | None, now_local: datetime) -> tuple[datetime, str]:
    """Where a schedule starts counting (this minute, or the midnight of ``--start`` when later), and what to say
    about it: a ``--start`` that has passed (2025 typed for 2026?) counts from now, and the reply says so."""
    if given is None:
        return now_local, ""
    day = parse_date(given, "--start")
    if day < now_local.date():
        return now_local, " " + text.START_PASSED.format(day=day)
    return max(now_local, datetime.combine(day, time(0, 0))), ""


async def _tie(ctx: Context, group: StudyGroup, words: list[str]) -> Replies:
    """``checkin schedule before-meetings [24h]`` / ``after-meetings``: a check-in before (or at the end of) each of
    the group's meetings instead of a weekly rule; the meetings job posts them (:mod:`bot.features.meetings.jobs`)."""
    if words[0].lower() == "after-meetings" and len(words) == 1:
        tied, said = "after", text.TIED_AFTER
    elif words[0].lower() == "before-meetings" and len(words) <= 2:
        given = words[1].lower() if len(words) == 2 else "24h"
        hours = positive(given.removesuffix("h"), "hours before") if given.endswith("h") else 0
        if not 1 <= hours <= _MAX_BEFORE_HOURS:
            raise UsageError(text.TIED_USAGE)
        tied, said = f"before:{hours * 60}", text.TIED_BEFORE.format(hours=hours)
    else:
        raise UsageError(text.TIED_USAGE)
    async with ctx.db.session() as session:
        await update_group(session, group.id, rrule=None, next_run_at=None, paused=False)
        await set_meeting_settings(session, group.id, ctx.now, checkin_meetings=tied)
    return [Reply(said + await _no_meetings_yet(ctx, group))]


async def pause(ctx: Context, args: str) -> Replies:
    """``checkin pause`` (facilitators): no check-ins until resumed, weekly or tied to meetings."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    if group.rrule is None and await _tied(ctx, group) is None:
        raise UsageError(text.NO_SCHEDULE)
    if group.paused:
        return [Reply(text.ALREADY_PAUSED.format(name=quote(group.name)), visibility=Visibility.EPHEMERAL)]
    async with ctx.db.session() as session:
        await update_group(session, group.id, paused=True)
    return [Reply(text.PAUSED.format(name=quote(group.name)))]


async def resume(ctx: Context, args: str) -> Replies:
    """``checkin resume`` (facilitators): carry on from the next check-in after now (no backlog)."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    if group.rrule is None:
        if await _tied(ctx, group) is None:
            raise UsageError(text.NO_SCHEDULE)
        if not group.paused:
            return [Reply(text.NOT_PAUSED.format(name=quote(group.name)), visibility=Visibility.EPHEMERAL)]
        async with ctx.db.session() as session:
            await update_group(session, group.id, paused=False)
        return [Reply(text.RESUMED_TIED.format(name=quote(group.name)))]
    if not group.paused:
        return [Reply(text.NOT_PAUSED.format(name=quote(group.name)), visibility=Visibility.EPHEMERAL)]
    after = following(group, ctx.now, skips(group))
    async with ctx.db.session() as session:
        await update_group(session, group.id, paused=False, next_run_at=after)
    if after is None:
        return [Reply(text.RESUMED_ENDED)]
    return [Reply(text.RESUMED.format(when=local(after, group.timezone)))]


async def _tied(ctx: Context, group: StudyGroup) -> str | None:
    """How the group's check-ins follow its meetings (``before:MINUTES``, ``after``), or None: they don't."""
    async with ctx.db.session() as session:
        settings = await meeting_settings(session, group.id)
    return settings.checkin_meetings if settings else None


async def _no_meetings_yet(ctx: Context, group: StudyGroup) -> str:
    """A note when check-ins follow meetings and none is planned ahead, so none would go out."""
    async with ctx.db.session() as session:
        coming = [m for m in await group_meetings(session, group.id, include_cancelled=False) if m.starts_at > ctx.now]
    return "" if coming else " " + text.NO_MEETINGS_YET


async def skip_next(ctx: Context, args: str) -> Replies:
    """``checkin skip-next`` (facilitators): leave out the next check-in."""
    return await _skip(ctx, args, next_only=True)


async def skip_date(ctx: Context, args: str) -> Replies:
    """``checkin skip YYYY-MM-DD`` (facilitators): leave out a date, a holiday say."""
    return await _skip(ctx, args, next_only=False)


async def _skip(ctx: Context, args: str, next_only: bool) -> Replies:
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    if group.rrule is None:
        raise UsageError(text.NO_SCHEDULE)
    zone = load_zone(group.timezone)
    if next_only:
        if group.next_run_at is None:
            raise UsageError(text.NOTHING_TO_SKIP)
        day = group.next_run_at.astimezone(zone).date()
    else:
        day = parse_date(args.strip(), "date")
        _check_skippable(group, day, zone, ctx.now)
    skipped = skips(group) | {day}
    after = following(group, ctx.now, skipped)
    async with ctx.db.session() as session:
        await update_group(session, group.id, skip_dates=[d.isoformat() for d in skipped], next_run_at=after)
    if after is None:
        return [Reply(text.SKIPPED_LAST.format(day=day))]
    return [Reply(text.SKIPPED.format(day=day, when=local(after, group.timezone)))]


def _check_skippable(group: StudyGroup, day: date, zone: ZoneInfo, now: datetime) -> None:
    """Refuse a date with no check-in to leave out: already skipped, or none falls on it (a typo in the date, the
    wrong weekday, or the past), naming the next check-in dates to choose from.

    Raises:
        UsageError: saying which, with the dates that do have one.
    """
    if day in skips(group):
        raise UsageError(text.ALREADY_SKIPPED.format(day=day))
    coming: list[date] = []  # up to the day, and at least a few to offer instead
    for instant in occurrences(Schedule(group.rrule or ""), zone, now, skips(group)):
        coming.append(instant.astimezone(zone).date())
        if coming[-1] >= day and len(coming) >= _SHOWN:
            break
    if day in coming:
        return
    dates = ", ".join(f"{d:%a %d %b}" for d in coming[:_SHOWN]) or text.NONE_LEFT
    raise UsageError(text.NO_CHECKIN_THAT_DAY.format(day=day, dates=dates))


async def cancel(ctx: Context, args: str) -> Replies:
    """``checkin cancel`` (facilitators): drop the schedule; past runs and answers stay."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    async with ctx.db.session() as session:
        await update_group(session, group.id, rrule=None, next_run_at=None)
        await set_meeting_settings(session, group.id, ctx.now, checkin_meetings=None)
    return [Reply(text.CANCELLED.format(name=quote(group.name)))]


def _in_zones(instant: datetime, group_zone: str, asked: str | None) -> str:
    """``instant`` for ``checkin next``: a token each reader reads in their own zone, or, for an explicit ``--tz``,
    the group's time and the asked zone's as plain text on every platform (the reader's own zone would be a third)."""
    if asked is None:
        return local(instant, group_zone)
    group_time, asked_time = when.local(instant, group_zone), when.local(instant, asked)
    return (
        group_time if asked_time == group_time else text.IN_ZONE.format(group=group_time, zone=asked, when=asked_time)
    )


async def next_runs(ctx: Context, args: str) -> Replies:
    """``checkin next [--tz ZONE]``: the coming check-ins, each in the reader's zone, or with ``--tz`` in the group's
    zone and the one asked for."""
    group = await group_here(ctx)
    words = split_args(args)
    parse_options(words, {"--tz"})
    asked = zone_option(words)  # a wrong zone is wrong whether or not a schedule is set
    if group.rrule is None or group.next_run_at is None:
        tied = await _tied(ctx, group)
        if tied is not None:
            said = text.TIED_NEXT_AFTER if tied == "after" else text.TIED_NEXT_BEFORE
            hours = int(tied.split(":")[1]) // 60 if tied.startswith("before:") else 0
            said = said.format(hours=hours) + (" " + text.TIED_PAUSED if group.paused else "")
            return [Reply(said + await _no_meetings_yet(ctx, group), visibility=Visibility.EPHEMERAL)]
        return [Reply(text.NONE_SCHEDULED, visibility=Visibility.EPHEMERAL)]
    zone = load_zone(group.timezone)
    upcoming = [group.next_run_at]
    upcoming += list(islice(occurrences(Schedule(group.rrule), zone, group.next_run_at, skips(group)), _SHOWN))
    lines = [text.NEXT_LINE.format(when=_in_zones(instant, group.timezone, asked)) for instant in upcoming]
    lines += ["", _remaining(group, zone)]
    paused = text.NEXT_PAUSED if group.paused else ""
    return [
        Reply(
            "\n".join(lines),
            title=text.NEXT_TITLE.format(name=quote(group.name), paused=paused),
            visibility=Visibility.EPHEMERAL,
        )
    ]


def _remaining(group: StudyGroup, zone: ZoneInfo) -> str:
    """How many check-ins the schedule still holds: ``--count`` and ``--weeks`` count future check-ins only."""
    rule = Schedule(group.rrule or "")
    if not rule.ends:
        return text.REPEATS
    assert group.next_run_at is not None
    later = sum(1 for _ in islice(occurrences(rule, zone, group.next_run_at, skips(group)), _COUNTED))
    if later >= _COUNTED:
        return text.RUNS_LEFT.format(left=text.MORE_THAN.format(runs=counted(_COUNTED, "check-in")))
    return text.RUNS_LEFT.format(left=counted(later + 1, "check-in"))
