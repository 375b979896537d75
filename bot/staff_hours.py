"""Staff hours: whether staff are in now, when they next are (in the settings' time zone), what to tell a member
who writes while they are away (a consulting request, a question for a human), and how much staff time has passed
(the leads' response timer counts staff hours only)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, rrule, weekday
from dateutil.rrule import weekdays as _WEEKDAYS

from bot.settings import StaffHours

__all__ = ["DAY_NAMES", "back_at", "next_opening", "staff_time", "staff_time_before", "when_back"]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OUTSIDE_HOURS = "Our team is away right now; they are back {back}, and will reply to you after that."
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


def staff_time(hours: StaffHours | None, start: datetime, end: datetime) -> timedelta:
    """How much of the time from ``start`` to ``end`` falls within staff hours (all of it with no hours set)."""
    if hours is None:
        return max(end - start, timedelta(0))
    total = timedelta(0)
    for opens, closes in _windows(hours, start, end):
        total += max(min(closes, end) - max(opens, start), timedelta(0))
    return total


def staff_time_before(hours: StaffHours | None, end: datetime, amount: timedelta) -> datetime:
    """The latest instant from which ``amount`` of staff time has passed by ``end`` (``end - amount`` with no hours
    set): whatever entered a status at or before it has been there ``amount`` of staff time."""
    if hours is None:
        return end - amount
    per_week = timedelta(minutes=_minutes(hours.end) - _minutes(hours.start)) * len(hours.days)
    span = timedelta(weeks=amount / per_week + 1)
    left = amount
    for opens, closes in reversed(_windows(hours, end - span, end)):
        length = min(closes, end) - opens
        if left <= length:
            return min(closes, end) - left
        left -= length
    return end - span  # not reached: the span holds more than ``amount`` of staff time


def _windows(hours: StaffHours, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The staff-hours windows (opening, closing; UTC) that overlap ``start`` to ``end``, oldest first."""
    zone = ZoneInfo(hours.timezone)
    opens, closes = time.fromisoformat(_padded(hours.start)), time.fromisoformat(_padded(hours.end))
    by_day: list[weekday] = [_WEEKDAYS[DAY_NAMES.index(day)] for day in hours.days]
    # Wall-clock openings in the staff's zone, as in next_opening, from the start of ``start``'s day (a window may
    # already be open at ``start``).
    first = start.astimezone(zone).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    last = end.astimezone(zone).replace(tzinfo=None)
    rule = rrule(
        DAILY, dtstart=first, until=last, byweekday=by_day, byhour=opens.hour, byminute=opens.minute, bysecond=0
    )
    windows = []
    for opening in rule:
        closing = opening.replace(hour=closes.hour, minute=closes.minute)
        window = opening.replace(tzinfo=zone).astimezone(UTC), closing.replace(tzinfo=zone).astimezone(UTC)
        if window[1] > start:
            windows.append(window)
    return windows


def _minutes(hhmm: str) -> int:
    """``"09:30"`` as 570."""
    hour, minute = hhmm.split(":")
    return int(hour) * 60 + int(minute)


def _padded(hhmm: str) -> str:
    """``"9:00"`` as ``"09:00"`` (the settings accept both)."""
    hour, minute = hhmm.split(":")
    return f"{int(hour):02d}:{minute}"


def back_at(hours: StaffHours | None, at: datetime) -> str:
    """When staff are next in after ``at``, as "Monday 9 March at 09:00 (Europe/Berlin time)"; "" while they are in
    at ``at``, or with no hours set."""
    if hours is None:
        return ""
    opening = next_opening(hours, at)
    if opening is None:
        return ""
    day = OPENING.format(weekday=f"{opening:%A}", day=opening.day, month=f"{opening:%B}", time=f"{opening:%H:%M}")
    return f"{day} ({hours.timezone} time)"


def when_back(hours: StaffHours | None, now: datetime) -> str:
    """For a member writing outside staff hours: when staff are back ("" while they are in, or with no hours set)."""
    back = back_at(hours, now)
    return OUTSIDE_HOURS.format(back=back) if back else ""
