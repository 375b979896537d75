"""``me``: a person's own settings. ``me tz ZONE`` (times on the console and in files), ``me away START END`` and
``me away off`` (no reminders nor check-in DMs on those days, in every group).

Settings are saved on the account that typed the command and read across the person's linked accounts
(:mod:`storage.prefs`), so they follow the person from Slack to Discord.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.errors import UsageError
from bot.events import Reply, Visibility
from bot.feature import Context, Replies
from bot.features.people import text as say
from bot.usertext import quote
from bot.when import at
from bot.zones import resolve_zone
from storage.prefs import AwayPeriod, add_away, away_periods, clear_away, clear_zone, set_zone, zone_of

__all__ = ["MAX_AWAY_DAYS", "me"]

MAX_AWAY_DAYS = 366


async def me(ctx: Context, args: str) -> Replies:
    """``me``, ``me tz ZONE``, ``me tz off``, ``me away START END``, ``me away off``."""
    words = args.split()
    if not words:
        return await _show(ctx)
    verb, rest = words[0].lower(), words[1:]
    if verb == "tz" and [w.lower() for w in rest] == ["off"]:
        return await _zone_off(ctx)
    if verb == "tz" and rest:  # `me tz new york`: a zone typed with spaces gets the name it stands for
        return await _set_zone(ctx, rest[0], rest[1:])
    if verb == "away" and [w.lower() for w in rest] == ["off"]:
        return await _back(ctx)
    if verb == "away" and len(rest) == 2:
        return await _away(ctx, rest[0], rest[1])
    raise UsageError(say.ME_USAGE)


async def _show(ctx: Context) -> Replies:
    async with ctx.db.session() as session:
        zone = await zone_of(session, ctx.identities)
        periods = await away_periods(session, ctx.identities, ctx.now.date())
    zone_text = say.ME_ZONE.format(zone=zone, now=at(ctx.now, zone)) if zone else say.ME_NO_ZONE
    away = "\n".join(_period(p) for p in periods) or say.ME_NOT_AWAY
    fields = [(say.ME_ZONE_LABEL, zone_text), (say.ME_AWAY_LABEL, away)]
    if ctx.linked:
        fields.append((say.SHOW_ACCOUNTS, quote(", ".join(str(i) for i in ctx.identities))))
    return [Reply(say.ME_HINT, title=say.ME_TITLE, fields=tuple(fields), visibility=Visibility.EPHEMERAL)]


async def _set_zone(ctx: Context, given: str, after: list[str]) -> Replies:
    zone = resolve_zone(given, after)  # `new york`, `tokyo`: names the zone meant
    if after:  # a zone, then words that are not part of it
        raise UsageError(say.ME_USAGE)
    async with ctx.db.session() as session:
        await set_zone(session, ctx.identities[0], zone, ctx.now)
    return [Reply(say.ME_ZONE_SET.format(zone=zone, now=at(ctx.now, zone)), visibility=Visibility.EPHEMERAL)]


async def _zone_off(ctx: Context) -> Replies:
    """``me tz off``: times shown in each group's zone (or UTC) again."""
    async with ctx.db.session() as session:
        had = await clear_zone(session, ctx.identities)
    return [Reply(say.ME_ZONE_OFF if had else say.ME_ZONE_NONE, visibility=Visibility.EPHEMERAL)]


def _date(given: str) -> date:
    try:
        return date.fromisoformat(given)
    except ValueError:
        raise UsageError(say.ME_BAD_DATE.format(text=quote(given))) from None


async def _away(ctx: Context, first: str, last: str) -> Replies:
    starts_on, ends_on = _date(first), _date(last)
    if ends_on < starts_on:
        raise UsageError(say.ME_AWAY_BACKWARDS)
    if ends_on < ctx.now.date() - timedelta(days=1):
        raise UsageError(say.ME_AWAY_PAST)
    if (ends_on - starts_on).days >= MAX_AWAY_DAYS:
        raise UsageError(say.ME_AWAY_TOO_LONG.format(days=MAX_AWAY_DAYS))
    async with ctx.db.session() as session:
        await add_away(session, ctx.identities[0], starts_on, ends_on, ctx.now)
    return [
        Reply(say.ME_AWAY_SET.format(period=_period(AwayPeriod(starts_on, ends_on))), visibility=Visibility.EPHEMERAL)
    ]


async def _back(ctx: Context) -> Replies:
    async with ctx.db.session() as session:
        removed = await clear_away(session, ctx.identities, ctx.now.date() - timedelta(days=1))
    return [Reply(say.ME_BACK if removed else say.ME_WAS_NOT_AWAY, visibility=Visibility.EPHEMERAL)]


def _period(period: AwayPeriod) -> str:
    return say.ME_PERIOD.format(start=period.starts_on, end=period.ends_on)
