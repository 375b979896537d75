"""Meetings as Guild Scheduled Events: the Discord side of :class:`bot.adapter.EventCalendar`.

An event is EXTERNAL (entity type 3: a place or a link, with ``entity_metadata.location`` and an end time), visible
to the server (privacy level 2). A move updates it (PATCH), a cancel sets its status to CANCELED (4). The bot needs
the Manage Events permission in the server: without it Discord answers 403 with code 50013, which is logged once and
turns the feature off for that server until the bot restarts (https://discord.com/developers/docs/resources/
guild-scheduled-event).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import discord

from adapters.discord.send import delivery_error
from bot.adapter import CalendarEvent
from bot.errors import DeliveryError

__all__ = ["CANCELED", "EXTERNAL", "GUILD_ONLY", "ScheduledEvents", "event_payload"]

log = logging.getLogger(__name__)

EXTERNAL = 3
GUILD_ONLY = 2
CANCELED = 4
_MISSING_PERMISSIONS = 50013
_UNKNOWN_EVENT = 10070


def event_payload(event: CalendarEvent) -> dict[str, Any]:
    """The JSON body creating or updating ``event`` as an external scheduled event."""
    return {
        "name": event.name,
        "description": event.description,
        "scheduled_start_time": event.starts_at.isoformat(),
        "scheduled_end_time": event.ends_at.isoformat(),
        "privacy_level": GUILD_ONLY,
        "entity_type": EXTERNAL,
        "entity_metadata": {"location": event.location},
    }


class ScheduledEvents:
    """Pushes events to the server of each group's channel; remembers servers where the bot may not manage events."""

    def __init__(self) -> None:
        self.off: set[int] = set()

    async def sync(self, client: discord.Client, event: CalendarEvent) -> str | None:
        """Create, update or cancel ``event`` in its channel's server; its id, or None where the feature is off.

        Raises:
            DeliveryError: Discord refused (permanent) or could not be reached.
        """
        guild = await self._guild(client, event.channel)
        if guild is None or guild.id in self.off:
            return None
        me = guild.me
        if me is not None and not me.guild_permissions.manage_events:
            self._turn_off(guild.id, "the bot lacks the Manage Events permission")
            return None
        try:
            if event.event_id is None:
                created = await client.http.create_guild_scheduled_event(guild.id, **event_payload(event))
                return str(created["id"])
            if event.cancelled:
                await client.http.edit_scheduled_event(guild.id, int(event.event_id), status=CANCELED)
            else:
                await client.http.edit_scheduled_event(guild.id, int(event.event_id), **event_payload(event))
            return event.event_id
        except discord.HTTPException as exc:
            if exc.code == _MISSING_PERMISSIONS:
                self._turn_off(guild.id, "Discord answered 50013 Missing Permissions")
                return None
            if exc.code == _UNKNOWN_EVENT and not event.cancelled:  # deleted by hand in Discord: make it again
                created = await client.http.create_guild_scheduled_event(guild.id, **event_payload(event))
                return str(created["id"])
            raise delivery_error(exc) from exc
        except (TimeoutError, discord.RateLimited, aiohttp.ClientError, OSError) as exc:
            raise delivery_error(exc) from exc

    def _turn_off(self, guild_id: int, why: str) -> None:
        self.off.add(guild_id)
        log.warning("scheduled events are off in server %d: %s (grant Manage Events and restart)", guild_id, why)

    @staticmethod
    async def _guild(client: discord.Client, channel_id: str) -> discord.Guild | None:
        try:
            channel = client.get_channel(int(channel_id)) or await client.fetch_channel(int(channel_id))
        except ValueError:
            raise DeliveryError("discord", "invalid-id", permanent=True) from None
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise delivery_error(exc) from exc
        return getattr(channel, "guild", None)
