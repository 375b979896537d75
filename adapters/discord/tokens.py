"""The core's time and person tokens (:mod:`bot.when`) as Discord writes them."""

from __future__ import annotations

from bot import when

__all__ = ["discord_person", "discord_time"]


def discord_time(moment: when.Moment) -> str:
    """A time token as Discord's timestamp syntax (each reader sees their own zone), "in 3 hours" when relative,
    the day alone for a date-only token."""
    if moment.date_only:
        return f"<t:{moment.timestamp}:D>"
    full = f"<t:{moment.timestamp}:F>"
    return f"{full} (<t:{moment.timestamp}:R>)" if moment.relative else full


def discord_person(platform: str, user: str) -> str:
    """A person token as a Discord mention (shown as the member's name; replies allow no pings), or ``platform:id``
    for another platform's member."""
    return f"<@{user}>" if platform == "discord" and user.isdigit() else f"{platform}:{user}"
