"""Logical channels: features post to ``staff`` or ``help``; settings say where that is on each platform.

A reply whose ``channel`` names a logical channel is turned into one reply per platform channel it is mapped to,
each with its ``platform`` set, so a staff notice reaches the configured channel on the configured platform, once,
and never a same-looking id on another platform. Settings map them in ``channels``::

    channels:
      staff: {slack: C0STAFF, discord: "112233445566778899"}
      help: {slack: C0HELP}

The older ``staff_channel`` / ``help_channel`` settings (a bare id, platform ``*``) still work as before: the id is
used on the platform the reply names, or the event's, or (for a scheduled message) every running platform.

:func:`route` is the one place that decides where a reply goes: a logical or other channel, a direct message, a
private reply in the event's channel, or a plain (possibly threaded) answer to the event. Adapters only show each
:class:`bot.adapter.Delivery` the way their platform can.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.adapter import Delivery, Target, TargetKind
from bot.events import Origin, Reply, Visibility

__all__ = ["ANY_PLATFORM", "HELP", "STAFF", "Channels", "route"]

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


def route(origin: Origin | None, reply: Reply, channels: Channels) -> list[Delivery]:
    """Where ``reply`` goes: one delivery per place, none when it names nowhere (no event and no channel or user).

    ``origin`` is the event's (None for what the scheduler sends). In order: a reply naming a channel goes to that
    channel (a logical one once per platform it is mapped to); one naming a user, or meant for DM, goes to that user
    (the event's by default) by direct message; an ephemeral one is seen only by the event's user (in a direct
    message that is simply the answer); anything else answers the event, in its thread when ``in_thread``. The
    platform is the one the reply or the channel mapping names, else the event's, else ``*`` (every platform).
    """
    known = origin.platform if origin is not None else None
    if reply.channel is not None:
        return [
            Delivery(Target("channel", copy.platform or known or ANY_PLATFORM, channel=copy.channel), copy)
            for copy in channels.expand(reply)
        ]
    if reply.user is not None or reply.visibility is Visibility.DM:
        user = reply.user or (origin.user if origin is not None else None)
        if user is None:
            return []
        return [Delivery(Target("dm", reply.platform or known or ANY_PLATFORM, user=user), reply)]
    if origin is None:
        return []
    thread = origin.thread if reply.in_thread and not origin.is_dm else None
    kind: TargetKind = "ephemeral" if reply.visibility is Visibility.EPHEMERAL and not origin.is_dm else "reply"
    return [Delivery(Target(kind, origin.platform, channel=origin.channel, user=origin.user, thread=thread), reply)]
