"""What the check-in handlers share: the group of this channel, the facilitator check, dates and times."""

from __future__ import annotations

from datetime import date, datetime

from bot.args import parse_date, user_id
from bot.errors import NotFound, PermissionDenied, UsageError
from bot.feature import Context
from bot.features.checkins import text
from bot.permissions import Role
from bot.schedule import Schedule, occurrences
from bot.usertext import quote
from bot.when import at
from bot.zones import load_zone
from storage.checkins import get_group_by_channel, members
from storage.records import StudyGroup

__all__ = ["following", "group_here", "local", "parse_date", "positive", "require_facilitator", "skips", "user_arg"]


async def group_here(ctx: Context) -> StudyGroup:
    """The study group of the channel the event came from.

    Raises:
        NotFound: when the channel has none.
    """
    async with ctx.db.session() as session:
        group = await get_group_by_channel(session, ctx.origin.platform, ctx.origin.channel)
    if group is None:
        raise NotFound(text.NO_GROUP_IN_DM if ctx.origin.is_dm else text.NO_GROUP)
    return group


async def require_facilitator(ctx: Context, group: StudyGroup) -> None:
    """Let staff and the facilitators of ``group`` through (being a facilitator elsewhere is not enough).

    Raises:
        PermissionDenied: for anyone else.
    """
    if ctx.role >= Role.STAFF:
        return
    async with ctx.db.session() as session:
        roster = await members(session, group.id)
    users = ctx.users_on(group.platform)  # a facilitator's linked account counts as the facilitator
    if not any(m.user in users and m.is_facilitator for m in roster):
        raise PermissionDenied(text.FACILITATORS_ONLY)


def local(instant: datetime, zone_name: str, *, relative: bool = False) -> str:
    """``instant`` as each reader reads it, ``zone_name`` (the group's) where the platform cannot localize.

    A :func:`bot.when.at` token: ``Tue 03 Mar 2026 18:00 CET`` on the console, the reader's own zone on Slack and
    Discord (with "in 3 hours" there when ``relative``).
    """
    return at(instant, zone_name, relative=relative)


def user_arg(given: str) -> str:
    """The user id in a command's argument (a mention, ``@name`` or a bare id).

    Raises:
        UsageError: ``given`` names nobody (``<!channel>``).
    """
    user = user_id(given)
    if user is None:
        raise UsageError(text.NOT_A_USER.format(given=quote(given.strip()[:64])))
    return user


def skips(group: StudyGroup) -> frozenset[date]:
    """The dates ``group`` skips."""
    return frozenset(date.fromisoformat(d) for d in group.skip_dates)


def following(group: StudyGroup, now: datetime, skipped: frozenset[date]) -> datetime | None:
    """The first check-in of ``group``'s schedule after ``now``, leaving out ``skipped`` (None without one)."""
    if group.rrule is None:
        return None
    return next(occurrences(Schedule(group.rrule), load_zone(group.timezone), now, skipped), None)


def positive(given: str, what: str, most: int | None = None) -> int:
    """``given`` as a whole number of at least 1 (and at most ``most``), for the option or argument ``what``.

    Raises:
        UsageError: for anything else, naming ``what`` and the numbers it takes.
    """
    if most is not None and not (given.isdigit() and 1 <= int(given) <= most):
        raise UsageError(text.NOT_IN_RANGE.format(what=what, most=most, text=given))
    if not given.isdigit() or int(given) < 1:
        raise UsageError(text.NOT_POSITIVE.format(what=what, text=given))
    return int(given)
