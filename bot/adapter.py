"""The adapter contract: what the core needs from a chat platform, and where a reply goes.

An adapter translates one platform's events into core events (handing them to a callable given at construction) and
sends what the core says. :func:`bot.routing.route` is the only place that decides where a reply goes; it says so
with a :class:`Target`, and an adapter only shows a :class:`Delivery` the way its platform can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from bot.events import Reply

__all__ = ["Adapter", "CalendarEvent", "Delivery", "EventCalendar", "Target", "TargetKind"]

TargetKind = Literal["reply", "ephemeral", "dm", "channel"]


@dataclass(frozen=True)
class Target:
    """Where one reply goes.

    Attributes:
        kind: ``reply`` (in the event's channel, or ``thread``), ``ephemeral`` (in the event's channel, seen by
            ``user`` only), ``dm`` (a direct message to ``user``) or ``channel`` (posted in ``channel``).
        platform: the platform key (an adapter's ``name``); ``*`` for a legacy bare channel id with no platform
            known, which the runtime sends on every running chat platform.
        channel: the platform's channel id (for ``reply``, ``ephemeral`` and ``channel``).
        user: the platform's user id (for ``ephemeral`` and ``dm``; for ``reply``, who the event came from).
        thread: the thread to answer in, if any.
    """

    kind: TargetKind
    platform: str
    channel: str | None = None
    user: str | None = None
    thread: str | None = None


@dataclass(frozen=True)
class Delivery:
    """A reply and where it goes."""

    target: Target
    reply: Reply


class Adapter(Protocol):
    """A chat platform as the runtime runs it."""

    name: str
    """The platform key in :class:`bot.events.Origin` and :class:`Target`."""

    async def run(self) -> None:
        """Serve until :meth:`stop`; raising means "restart me"."""

    async def stop(self) -> None:
        """Stop serving; :meth:`run` then returns."""

    async def send(self, delivery: Delivery) -> None:
        """Send a message nobody's event is waiting for (scheduled check-ins, reminders, staff notices).

        Raises:
            bot.errors.DeliveryError: the platform refused or failed the send (``permanent`` when a retry cannot
                help); any other exception counts as a failure too.
        """


@dataclass(frozen=True)
class CalendarEvent:
    """A meeting as a platform's own calendar shows it (a Discord server's scheduled event).

    Attributes:
        channel: the group's channel (the adapter finds its server from it).
        event_id: the platform's id of the event from an earlier push; None to create it.
        name: the event's name (the group's).
        description: what it is about.
        starts_at: when it starts (aware).
        ends_at: when it ends (aware).
        location: where it happens (a room, or the meeting link).
        cancelled: cancel the event instead.
    """

    channel: str
    event_id: str | None
    name: str
    description: str
    starts_at: datetime
    ends_at: datetime
    location: str
    cancelled: bool = False


@runtime_checkable
class EventCalendar(Protocol):
    """An optional adapter capability: meetings on the platform's own calendar. The runtime syncs meetings of the
    groups on an adapter that has it (:mod:`bot.features.calendars.sync`)."""

    name: str

    async def sync_event(self, event: CalendarEvent) -> str | None:
        """Create, update or cancel the event; its platform id, or None when the platform will not have it here
        (the bot may not manage events in that server: the adapter logs that once and stops asking).

        Raises:
            bot.errors.DeliveryError: the platform refused (``permanent``) or could not be reached (try again).
        """
        ...
