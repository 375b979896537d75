"""Calendars: a group's meetings as an iCalendar feed and file, and on Discord as scheduled events.

``meetings calendar`` sends the group's ``.ics`` file and its feed address, ``<public_url>/calendar/<token>.ics``
(served by the bot's HTTP server through :meth:`Calendars.feed`; the token is the group's secret, made on first
use). Discord groups' meetings are also pushed to the server's Guild Scheduled Events by :mod:`.sync`, through the
adapter's optional :class:`bot.adapter.EventCalendar` capability.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from bot.events import Attachment, Reply, Visibility
from bot.feature import Command, Context, Deps, Replies, Surface
from bot.features.calendars import text
from bot.features.calendars.ics import CONTENT_TYPE, build_ics, filename
from bot.features.checkins.common import group_here
from bot.plural import counted
from bot.usertext import quote
from storage import Database
from storage.calendars import calendar_token, group_by_calendar_token
from storage.meetings import group_meetings

__all__ = ["Calendars", "feed_url"]


def feed_url(public_url: str | None, token: str) -> str | None:
    """The address of a group's feed, or None when the bot's public address is not configured."""
    return f"{public_url.rstrip('/')}/calendar/{token}.ics" if public_url else None


class Calendars:
    """The ``meetings calendar`` command and the feed behind the HTTP route."""

    name: ClassVar[str] = "calendars"

    def __init__(self, deps: Deps) -> None:
        self._community = deps.settings.community_name
        self._public_url = deps.settings.public_url

    def surface(self) -> Surface:
        """``meetings calendar`` (a word of the meetings group)."""
        return Surface(
            self.name,
            commands=(
                Command(
                    "meetings calendar",
                    self.calendar,
                    text.SUMMARY_CALENDAR,
                    examples=("meetings calendar",),
                    max_args=0,
                ),
            ),
        )

    async def calendar(self, ctx: Context, args: str) -> Replies:
        """``meetings calendar``: the group's ``.ics`` file, and the feed address to subscribe to."""
        group = await group_here(ctx)
        async with ctx.db.session() as session:
            meetings = await group_meetings(session, group.id)
            token = await calendar_token(session, group.id)
        name = quote(group.name)
        if not meetings:
            return [Reply(text.NO_MEETINGS.format(name=name), visibility=Visibility.EPHEMERAL)]
        url = feed_url(self._public_url, token)
        lines = [text.ATTACHED.format(name=name, meetings=counted(len(meetings), "meeting"))]
        lines.append(text.FEED.format(url=url) if url else text.NO_FEED)
        data = build_ics(group, meetings, self._community, ctx.now)
        attachment = Attachment(filename(group), data=data, content_type=CONTENT_TYPE)
        return [Reply("\n\n".join(lines), attachment=attachment, visibility=Visibility.EPHEMERAL)]

    async def feed(self, db: Database, token: str, now: datetime) -> bytes | None:
        """The ``.ics`` of the group whose feed token is ``token``; None for an unknown token."""
        async with db.session() as session:
            group = await group_by_calendar_token(session, token)
            if group is None:
                return None
            meetings = await group_meetings(session, group.id)
        return build_ics(group, meetings, self._community, now)
