"""A group's meetings as an iCalendar file (RFC 5545), with the ``icalendar`` library.

Each meeting is a VEVENT at its wall-clock time in the group's zone (``DTSTART;TZID=America/New_York:...``, with the
zone's VTIMEZONE in the file), so a weekly 18:00 reads 18:00 on both sides of a daylight-saving change in any
calendar. Its UID never changes; SEQUENCE is the meeting's (raised on every move and cancel), and a cancelled meeting
stays in the feed with STATUS:CANCELLED so calendars that subscribed take it off.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.features.calendars import text
from bot.zones import load_zone
from storage.meetings import Meeting
from storage.records import StudyGroup

if TYPE_CHECKING:  # icalendar takes about 0.1 s to import, at every command: only a calendar being written imports it
    from icalendar import Event

__all__ = ["CONTENT_TYPE", "UID_DOMAIN", "build_ics", "event_times", "filename"]

CONTENT_TYPE = "text/calendar; charset=utf-8"
UID_DOMAIN = "communitybot"
_REFRESH = timedelta(hours=1)
_ZONE_MARGIN = timedelta(days=400)  # the VTIMEZONE covers the meetings and a year either side


def event_times(meeting: Meeting) -> tuple[datetime, datetime]:
    """When ``meeting`` starts and ends, on its group's wall clock (the start is its ``local_start``)."""
    zone = load_zone(meeting.timezone)
    start = datetime.fromisoformat(meeting.local_start).replace(tzinfo=zone)
    return start, (meeting.starts_at + timedelta(minutes=meeting.length_minutes)).astimezone(zone)


def _event(group: StudyGroup, meeting: Meeting, community: str, now: datetime) -> Event:
    from icalendar import Event

    start, end = event_times(meeting)
    event = Event()
    # Stored uids already carry the domain (``storage.meetings.new_uid``); a bare one gets it here, once.
    event.add("uid", meeting.uid if "@" in meeting.uid else f"{meeting.uid}@{UID_DOMAIN}")
    event.add("dtstamp", now.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("sequence", meeting.sequence)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    event.add("summary", text.EVENT_SUMMARY.format(name=group.name))
    event.add("description", text.EVENT_DESCRIPTION.format(name=group.name, community=community))
    if meeting.place:
        event.add("location", meeting.place)
    if meeting.link:
        event.add("url", meeting.link)
        if not meeting.place:
            event.add("location", meeting.link)
    return event


def build_ics(group: StudyGroup, meetings: Sequence[Meeting], community: str, now: datetime) -> bytes:
    """The group's calendar: every meeting, cancelled ones included (marked so), with the group's VTIMEZONE."""
    from icalendar import Calendar, vText

    calendar = Calendar()
    calendar.add("prodid", f"-//{community}//communitybot//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # An X- property is added as given unless typed: as text, "Maps; Co" is escaped as SUMMARY is.
    calendar.add("x-wr-calname", vText(text.CALENDAR_NAME.format(name=group.name)))
    calendar.add("x-wr-timezone", group.timezone)
    # Subscribed calendars look again within the hour (RFC 7986; X-PUBLISHED-TTL for older clients).
    calendar.add("refresh-interval", _REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for meeting in meetings:
        calendar.add_component(_event(group, meeting, community, now))
    if meetings:
        first = min(m.starts_at for m in meetings) - _ZONE_MARGIN
        last = max(m.starts_at for m in meetings) + _ZONE_MARGIN
        calendar.add_missing_timezones(first_date=first.date(), last_date=last.date())
    return bytes(calendar.to_ical())


def filename(group: StudyGroup) -> str:
    """``maps-circle.ics``: the group's name, in letters, digits and dashes."""
    slug = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in group.name.lower()).strip("-")
    return f"{'-'.join(part for part in slug.split('-') if part) or 'meetings'}.ics"
