"""Staff hours: whether staff are in now, when they next are (in the settings' time zone), and what to tell a member
who writes while they are away (a consulting request, a question for a human)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, rrule, weekday
from dateutil.rrule import weekdays as _WEEKDAYS

from bot.settings import StaffHours

__all__ = ["DAY_NAMES", "next_opening", "when_back"]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OUTSIDE_HOURS = "Our team is away right now; they are back {opening} ({zone} time), and will reply to you after that."
OPENING = "{weekday} {day} {month} at {time}"


def next_opening(hours: StaffHours, now: datetime) -> datetime | None:
    """None while staff are in; otherwise the next time they are, as a time in the staff's zone."""
    zone = ZoneInfo(hours.timezone)
    local = now.astimezone(zone)
    start, end = time.fromisoformat(_padded(hours.start)), time.fromisoformat(_padded(hours.end))
    days = [DAY_NAMES.index(day) for day in hours.days]
    if local.weekday() in days and start <= local.time().replace(tzinfo=None) < end:
        return None
    by_day: list[weekday] = [_WEEKDAYS[d] for d in days]
    # Wall-clock openings in the staff's zone (the rule is evaluated without a zone so DST moves the instant, not
    # the opening hour), from the start of today.
    naive_today = local.replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    rule = rrule(DAILY, dtstart=naive_today, byweekday=by_day, byhour=start.hour, byminute=start.minute, bysecond=0)
    opening = rule.after(local.replace(tzinfo=None), inc=False)
    return None if opening is None else opening.replace(tzinfo=zone)


def _padded(hhmm: str) -> str:
    """``"9:00"`` as ``"09:00"`` (the settings accept both)."""
    hour, minute = hhmm.split(":")
    return f"{int(hour):02d}:{minute}"


def when_back(hours: StaffHours | None, now: datetime) -> str:
    """For a member writing outside staff hours: when staff are back ("" while they are in, or with no hours set)."""
    if hours is None:
        return ""
    opening = next_opening(hours, now)
    if opening is None:
        return ""
    day = OPENING.format(weekday=f"{opening:%A}", day=opening.day, month=f"{opening:%B}", time=f"{opening:%H:%M}")
    return OUTSIDE_HOURS.format(opening=day, zone=hours.timezone)
