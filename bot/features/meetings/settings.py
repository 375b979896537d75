"""A group's meeting settings: ``meetings reminders`` and ``meetings summary``."""

from __future__ import annotations

import re

from bot.args import split_args
from bot.errors import UsageError
from bot.events import Reply, Visibility
from bot.feature import Context, Replies
from bot.features.checkins.common import group_here, require_facilitator
from bot.features.meetings import text
from storage.meeting_notes import meeting_settings, set_meeting_settings
from storage.meetings import reminder_kind

__all__ = ["reminders", "summary"]

_MAX_REMINDERS = 3
_MIN_BEFORE, _MAX_BEFORE = 5, 7 * 24 * 60
_BEFORE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def _which(minutes: tuple[int, ...]) -> str:
    return ", ".join(f"{reminder_kind(m)} before" for m in minutes) or text.REMINDERS_NONE


async def reminders(ctx: Context, args: str) -> Replies:
    """``meetings reminders [24h 1h | off]``: see or (facilitators) set the reminders before each meeting."""
    group = await group_here(ctx)
    words = split_args(args.lower())
    if not words:
        async with ctx.db.session() as session:
            current = await meeting_settings(session, group.id)
        assert current is not None
        return [Reply(text.REMINDERS_NOW.format(which=_which(current.reminders)), visibility=Visibility.EPHEMERAL)]
    await require_facilitator(ctx, group)
    if words == ["off"]:
        minutes: list[int] = []
    else:
        minutes = sorted({_before(word) for word in words}, reverse=True)
        if len(minutes) > _MAX_REMINDERS:
            raise UsageError(text.TOO_MANY_REMINDERS.format(most=_MAX_REMINDERS))
    async with ctx.db.session() as session:
        saved = await set_meeting_settings(session, group.id, ctx.now, reminders=minutes)
    return [Reply(text.REMINDERS_SAVED.format(which=_which(saved.reminders)), visibility=Visibility.EPHEMERAL)]


def _before(word: str) -> int:
    """``24h``, ``1h``, ``30m``, ``1h30m`` or ``2d`` as minutes.

    Raises:
        UsageError: for anything else, or a reminder less than 5 minutes or more than 7 days before.
    """
    match = _BEFORE.match(word)
    if match is None or not any(match.groups()):
        raise UsageError(text.REMINDERS_USAGE)
    days, hours, mins = (int(part or 0) for part in match.groups())
    minutes = (days * 24 + hours) * 60 + mins
    if not _MIN_BEFORE <= minutes <= _MAX_BEFORE:
        raise UsageError(text.REMINDER_OUT_OF_RANGE.format(given=word))
    return minutes


async def summary(ctx: Context, args: str) -> Replies:
    """``meetings summary channel|dm`` (facilitators): where the reflections summary after each meeting goes."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    choice = args.strip().lower()
    if choice not in text.SUMMARY_WHERE:
        raise UsageError(text.SUMMARY_USAGE)
    async with ctx.db.session() as session:
        await set_meeting_settings(session, group.id, ctx.now, reflection_summary=choice)
    return [Reply(text.SUMMARY_SAVED.format(where=text.SUMMARY_WHERE[choice]), visibility=Visibility.EPHEMERAL)]
