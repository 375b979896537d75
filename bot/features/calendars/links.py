"""An "add to calendar" link for one meeting: Google Calendar's event template, which most calendars' users can open
(others take the group's ``.ics`` from ``meetings calendar``)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from bot.features.calendars import text
from storage.meetings import Meeting
from storage.records import StudyGroup

__all__ = ["GOOGLE_TEMPLATE", "add_to_calendar", "google_calendar_url"]

GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(group: StudyGroup, meeting: Meeting) -> str:
    """Google Calendar's "new event" page filled in with ``meeting`` (UTC times; shown in the group's zone)."""
    query = {
        "action": "TEMPLATE",
        "text": text.EVENT_SUMMARY.format(name=group.name),
        "dates": f"{_stamp(meeting.starts_at)}/{_stamp(meeting.ends_at)}",
        "ctz": meeting.timezone,
        "details": meeting.link or text.EVENT_DETAILS.format(name=group.name),
        "location": meeting.place or meeting.link or "",
    }
    return f"{GOOGLE_TEMPLATE}?{urlencode(query)}"


def add_to_calendar(group: StudyGroup, meeting: Meeting) -> str:
    """The line a reminder ends with: ``[Add to calendar](https://calendar.google.com/...)``."""
    return text.ADD_TO_CALENDAR_LINE.format(url=google_calendar_url(group, meeting))
