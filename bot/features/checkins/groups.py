"""A study group and its members: ``checkin create``, ``join``, ``leave``, ``add``, ``remove`` and ``mine``."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.args import parse_options, split_args
from bot.errors import UsageError
from bot.events import Reply, Visibility
from bot.feature import Context, Replies
from bot.features.checkins import text
from bot.features.checkins.common import group_here, local, require_facilitator, user_arg
from bot.usertext import quote
from bot.zones import zone_option
from storage.checkins import (
    add_member,
    create_group,
    get_group_by_channel,
    groups_of_user,
    members,
    remove_member,
)

__all__ = ["add", "channel_name", "create", "join", "leave", "mine", "remove"]

_MAX_NAME = 100


async def create(ctx: Context, args: str) -> Replies:
    """``checkin create NAME [--tz ZONE]``: a study group bound to this channel, with its creator as facilitator."""
    words = split_args(args)
    _, rest = parse_options(words, {"--tz"})
    name = " ".join(rest).strip()
    if not name:
        raise UsageError(text.CREATE_USAGE)
    if len(name) > _MAX_NAME:
        raise UsageError(text.NAME_TOO_LONG)
    if ctx.origin.is_dm:
        raise UsageError(text.CREATE_IN_DM)
    given = zone_option(words)
    zone = given or "UTC"
    async with ctx.db.session() as session:
        if await get_group_by_channel(session, ctx.origin.platform, ctx.origin.channel) is not None:
            raise UsageError(text.CHANNEL_TAKEN)
        group = await create_group(
            session,
            name=name,
            platform=ctx.origin.platform,
            channel=ctx.origin.channel,
            timezone=zone,
            questions=text.DEFAULT_QUESTIONS,
            creator=ctx.origin.user,
            now=ctx.now,
        )
    said = text.CREATED if given else text.CREATED_IN_UTC
    return [Reply(said.format(name=quote(group.name), zone=zone))]


async def join(ctx: Context, args: str) -> Replies:
    """``checkin join``: join this channel's group."""
    group = await group_here(ctx)
    async with ctx.db.session() as session:
        added = await add_member(session, group.id, ctx.origin.user, ctx.now)
    said = text.WELCOME if added else text.ALREADY_IN
    return [Reply(said.format(name=quote(group.name)), visibility=Visibility.EPHEMERAL)]


async def leave(ctx: Context, args: str) -> Replies:
    """``checkin leave``: leave this channel's group."""
    group = await group_here(ctx)
    async with ctx.db.session() as session:
        if await _only_facilitator(session, group.id, ctx.origin.user):
            raise UsageError(text.LAST_FACILITATOR_LEAVING.format(name=quote(group.name)))
        removed = await remove_member(session, group.id, ctx.origin.user)
    said = text.LEFT if removed else text.WAS_NOT_IN
    return [Reply(said.format(name=quote(group.name)), visibility=Visibility.EPHEMERAL)]


async def add(ctx: Context, args: str) -> Replies:
    """``checkin add USER [--facilitator]`` (the group's facilitators and staff)."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    opts, rest = parse_options(split_args(args), set(), flags={"--facilitator"})
    if len(rest) != 1:
        raise UsageError(text.ADD_USAGE)
    user = user_arg(rest[0])
    facilitator = "--facilitator" in opts
    async with ctx.db.session() as session:
        added = await add_member(session, group.id, user, ctx.now, facilitator=facilitator)
    if added:
        said = text.ADDED_FACILITATOR if facilitator else text.ADDED_MEMBER
    else:
        said = text.ALREADY_FACILITATOR if facilitator else text.ALREADY_MEMBER
    return [Reply(said.format(user=quote(user), name=quote(group.name)), visibility=Visibility.EPHEMERAL)]


async def remove(ctx: Context, args: str) -> Replies:
    """``checkin remove USER`` (the group's facilitators and staff)."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    user = user_arg(args)
    async with ctx.db.session() as session:
        if await _only_facilitator(session, group.id, user):
            raise UsageError(text.LAST_FACILITATOR_REMOVED.format(user=quote(user), name=quote(group.name)))
        removed = await remove_member(session, group.id, user)
    said = text.REMOVED if removed else text.NOT_A_MEMBER
    return [Reply(said.format(user=quote(user), name=quote(group.name)), visibility=Visibility.EPHEMERAL)]


async def _only_facilitator(session: AsyncSession, group_id: int, user: str) -> bool:
    """Whether ``user`` is the one facilitator of the group: without them nobody could run it."""
    facilitators = [m.user for m in await members(session, group_id) if m.is_facilitator]
    return facilitators == [user]


async def mine(ctx: Context, args: str) -> Replies:
    """``checkin mine``: the user's groups, on this platform and their linked ones, and when each meets next."""
    async with ctx.db.session() as session:
        found = {g.id: g for who in ctx.identities for g in await groups_of_user(session, who.platform, who.user)}
    groups = sorted(found.values(), key=lambda g: (g.name, g.id))
    if not groups:
        return [Reply(text.NO_GROUPS, title=text.MINE_TITLE, visibility=Visibility.EPHEMERAL)]
    lines = []
    for group in groups:
        at = group.next_run_at if not group.paused else None
        when = text.NONE_PLANNED if at is None else text.MINE_NEXT.format(when=local(at, group.timezone))
        lines.append(text.MINE_LINE.format(name=quote(group.name), when=when))
    return [Reply("\n".join(lines), title=text.MINE_TITLE, visibility=Visibility.EPHEMERAL)]


def channel_name(current: str, channel: str | None) -> list[str]:
    """``checkin create``: a study group is bound to its channel, so offer the channel's name as the group's."""
    return list(dict.fromkeys(name for name in (current.strip(), channel) if name))
