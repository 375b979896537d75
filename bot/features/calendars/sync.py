"""Meetings onto a platform's own calendar (Discord's scheduled events), through :class:`bot.adapter.EventCalendar`.

A meeting whose ``sequence`` is ahead of what was last pushed (:func:`storage.meetings.meetings_to_sync`) is claimed
(:func:`storage.calendars.claim_sync`, so of two replicas one pushes), pushed, and recorded with the platform's id:
created the first time, updated after a move, cancelled after a cancel. A meeting already over, or cancelled before
it was ever pushed, is recorded without a push (a platform refuses events in the past).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.adapter import CalendarEvent, EventCalendar
from bot.errors import DeliveryError
from bot.features.calendars import text
from storage import Database
from storage.calendars import claim_sync, release_sync
from storage.checkins import get_group
from storage.meetings import Meeting, get_meeting, mark_synced, meetings_to_sync
from storage.records import StudyGroup

__all__ = ["BATCH", "LEASE", "calendar_event", "sync_events"]

log = logging.getLogger(__name__)

BATCH = 50
LEASE = timedelta(minutes=2)
_NAME_MAX = 100
_DESCRIPTION_MAX = 1000
_LOCATION_MAX = 100


def _clip(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def calendar_event(group: StudyGroup, meeting: Meeting, community: str) -> CalendarEvent:
    """How ``meeting`` shows on a platform's calendar: the group's name, where, and when (within the platform's
    limits: a name and place of at most 100 characters, a description of at most 1,000)."""
    location = meeting.place or meeting.link or text.NO_PLACE
    description = text.EVENT_DESCRIPTION.format(name=group.name, community=community)
    if meeting.link:
        description += "\n" + meeting.link
    return CalendarEvent(
        channel=group.channel,
        event_id=meeting.platform_event_id,
        name=_clip(text.EVENT_SUMMARY.format(name=group.name), _NAME_MAX),
        description=_clip(description, _DESCRIPTION_MAX),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=_clip(location, _LOCATION_MAX),
        cancelled=meeting.cancelled,
    )


async def sync_events(db: Database, calendar: EventCalendar, community: str, now: datetime) -> int:
    """Push the changed meetings of ``calendar``'s platform; how many were pushed."""
    async with db.session() as session:
        due = await meetings_to_sync(session, calendar.name, BATCH)
    pushed = 0
    for listed in due:
        async with db.session() as session:
            if not await claim_sync(session, listed.id, now, now + LEASE):
                continue
            # Another process may have pushed it between the listing and the claim: look again, under the claim.
            meeting = await get_meeting(session, listed.id)
            if meeting is None or meeting.synced_sequence >= meeting.sequence:
                await release_sync(session, listed.id)
                continue
            group = await get_group(session, meeting.group_id)
        pushed += await _push(db, calendar, group, meeting, community, now)
    return pushed


async def _push(
    db: Database, calendar: EventCalendar, group: StudyGroup | None, meeting: Meeting, community: str, now: datetime
) -> int:
    """Push one claimed meeting and record it; 1 if something was sent to the platform."""
    event_id, sent = meeting.platform_event_id, 0
    skip = group is None or meeting.ends_at <= now or (meeting.cancelled and event_id is None)
    try:
        if not skip and group is not None:
            event_id = await calendar.sync_event(calendar_event(group, meeting, community))
            sent = 1
    except DeliveryError as exc:
        if not exc.permanent:
            log.info("calendar sync of meeting %d postponed: %s", meeting.id, exc.code)
            async with db.session() as session:
                await release_sync(session, meeting.id)
            return 0
        log.warning("%s refused the event of meeting %d (%s); not retried", calendar.name, meeting.id, exc.code)
    async with db.session() as session:
        await mark_synced(session, meeting.id, meeting.sequence, event_id)
        await release_sync(session, meeting.id)
    return sent
