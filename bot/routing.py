"""Logical channels: features post to ``staff`` or ``help``; settings say where that is on each platform.

A reply whose ``channel`` names a logical channel is turned into one reply per platform channel it is mapped to,
each with its ``platform`` set, so a staff notice reaches the configured channel on the configured platform, once,
and never a same-looking id on another platform. Settings map them in ``channels``::

    channels:
      staff: {slack: C0STAFF, discord: "112233445566778899"}
      help: {slack: C0HELP}

The older ``staff_channel`` / ``help_channel`` settings (a bare id, platform ``*``) still work as before: the id is
used on the platform the reply names, or the event's, or (for a scheduled message) every running platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.events import Reply

__all__ = ["ANY_PLATFORM", "HELP", "STAFF", "Channels"]

STAFF = "staff"
HELP = "help"
ANY_PLATFORM = "*"


class Channels:
    """Where each logical channel is, per platform.

    Args:
        mapping: logical name -> platform -> channel id.
    """

    def __init__(self, mapping: Mapping[str, Mapping[str, str]]) -> None:
        self._mapping = {name: dict(places) for name, places in mapping.items() if places}

    @classmethod
    def of(
        cls, mapping: Mapping[str, Mapping[str, str]], staff: str | None = None, help_: str | None = None
    ) -> Channels:
        """The channels in ``mapping``, plus the bare ``staff`` and ``help_`` ids where the mapping has none."""
        merged = {name: dict(places) for name, places in mapping.items()}
        for name, bare in ((STAFF, staff), (HELP, help_)):
            if bare and not merged.get(name):
                merged[name] = {ANY_PLATFORM: bare}
        return cls(merged)

    def configured(self, name: str) -> bool:
        """Whether the logical channel ``name`` is mapped anywhere."""
        return name in self._mapping

    def places(self, name: str) -> dict[str, str]:
        """Platform -> channel id for the logical channel ``name`` (empty when it is not configured)."""
        return dict(self._mapping.get(name, {}))

    def expand(self, reply: Reply) -> list[Reply]:
        """``reply`` once per platform channel its logical channel is mapped to (unchanged if it names none)."""
        if reply.channel is None or reply.channel not in self._mapping:
            return [reply]
        places = self._mapping[reply.channel]
        many = len(places) > 1  # one idempotency key per copy
        return [
            replace(
                reply,
                channel=channel,
                platform=reply.platform if platform == ANY_PLATFORM else platform,
                key=f"{reply.key}:{platform}" if many and reply.key else reply.key,
            )
            for platform, channel in places.items()
        ]
