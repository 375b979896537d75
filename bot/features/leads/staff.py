"""Who staff are: one name per person however they are typed, who is away, and handing new leads out in turn.

A staff member is named in the settings (``lead_flow.staff``: ``sam: [slack:U024BE7LH, discord:1122]``); ``sam``,
``@Sam``, a platform mention of one of those identities (``<@U024BE7LH>``) and "assign to me" from one of them
all become ``sam``. Someone not named there is kept as ``platform:id`` ("me", a mention) or as typed, in lower
case, so nothing changes for a team that names nobody.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.events import Origin
from bot.settings import LeadFlowSettings

__all__ = ["StaffNames"]

_MENTION = re.compile(r"^<@!?([A-Za-z0-9_.-]+)(?:\|[^>]*)?>$")
_ME = frozenset({"", "me", "@me", "myself"})


class StaffNames:
    """Staff names from the settings, and the people marked away there.

    Args:
        flow: the ``lead_flow`` settings (names are already in lower case).
    """

    def __init__(self, flow: LeadFlowSettings) -> None:
        self._staff: dict[str, list[str]] = dict(flow.staff)
        self._by_identity = {ident.casefold(): name for name, ids in flow.staff.items() for ident in ids}
        self._rotation = list(flow.round_robin)
        self._away = frozenset(flow.away)

    def canonical(self, typed: str, origin: Origin) -> str:
        """The one name for the person ``typed`` names (``me``, ``@sam``, ``<@U123>``, ``slack:U123``, ``sam``)."""
        text = typed.strip()
        if text.casefold() in _ME:
            return self._named(f"{origin.platform}:{origin.user}")
        mention = _MENTION.match(text)
        if mention is not None:
            return self._named(f"{origin.platform}:{mention.group(1)}")
        bare = text.removeprefix("@").casefold()
        if bare in self._staff:
            return bare
        if ":" in text:
            return self._named(text.removeprefix("@"))
        for identity, name in self._by_identity.items():
            if identity.split(":", 1)[1] == bare:
                return name
        return bare

    def matching(self, name: str, origin: Origin) -> list[str]:
        """Every way a lead's assignee may have been stored for ``name`` (the canonical form first)."""
        found = [name, *self._staff.get(name, ())]
        if ":" not in name:
            found.append(f"{origin.platform}:{name}")  # assigned with "me" before the name was in the settings
        return list(dict.fromkeys(found))

    def dm_target(self, assignee: str) -> tuple[str, str] | None:
        """(platform, user id) to message ``assignee`` at, or None when only a bare name is known."""
        identities = self._staff.get(assignee.casefold())
        identity = identities[0] if identities else assignee
        platform, sep, user = identity.partition(":")
        return (platform, user) if sep and user else None

    def available(self, overrides: Mapping[str, bool]) -> list[str]:
        """The round-robin names not away: ``leads away on|off`` (``overrides``) wins over the settings."""
        return [name for name in self._rotation if not overrides.get(name, name in self._away)]

    def _named(self, identity: str) -> str:
        return self._by_identity.get(identity.casefold(), identity)
