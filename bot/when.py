"""How the bot writes a moment in text: one function, :func:`at`, used wherever a meeting time is shown.

For now every reader sees the group's zone (``Tue 3 Nov 18:00 (America/New_York)``); per-reader rendering (Slack's
``<!date^…>``, Discord's ``<t:…>``, the member's own zone on the console) replaces this body, and every caller gets
it at once.
"""

from __future__ import annotations

from datetime import datetime

from bot.schedule import load_zone

__all__ = ["at"]


def at(moment: datetime, zone: str) -> str:
    """``moment`` on the wall clock of ``zone``, with the zone named: ``Tue 3 Nov 18:00 (America/New_York)``."""
    local = moment.astimezone(load_zone(zone))
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M} ({zone})"
