"""Mark a thread solved (its "Solved" button, the word "solved" in it, a ✅ reaction) and credit who solved it.

Only the asker or staff can mark a thread. The member credited is the author of the reply that got the ✅, else the
first person other than the asker who replied in the thread; the bot's own answer, or a thread nobody but the
asker replied in, credits nobody. A thread is
marked once (a conditional update), so a second mark, or a second replica handling the same one, says nothing new.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from bot.args import parse_date, parse_options, split_args
from bot.errors import NotFound, PermissionDenied, UsageError
from bot.events import Reply, Visibility
from bot.feature import Context, Replies
from bot.features.threads import text
from bot.permissions import Role
from bot.usertext import member
from storage.forget import FORGOTTEN
from storage.threads import HelpThread, mark_solved, solved_counts

__all__ = ["CHECK_MARKS", "helpers_report", "is_solved_word", "may_mark", "solve"]

# Slack names the reactions; the console and others may send the emoji itself.
CHECK_MARKS = frozenset({"white_check_mark", "heavy_check_mark", "ballot_box_with_check", "✅", "✔️", "✔", "☑️"})
_SOLVED = re.compile(r"^\W*(?:(?:it'?s|this is|that'?s|marking (?:this |it )?(?:as )?)\s*)?solved\b\W*", re.I)
_HELPERS_DAYS = 30


def is_solved_word(message: str) -> bool:
    """Whether a message in a thread marks it solved ("solved", "Solved!", "this is solved, thanks")."""
    return len(message.split()) <= 6 and _SOLVED.match(message.strip()) is not None


def may_mark(ctx: Context, thread: HelpThread) -> bool:
    """The asker (on any of their linked accounts) and staff may mark a thread solved."""
    return thread.asker in ctx.users_on(thread.platform) or ctx.role >= Role.STAFF


async def solve(ctx: Context, thread: HelpThread, solver: str | None, *, quiet: bool = False) -> Replies:
    """Mark ``thread`` solved by the event's user, crediting ``solver``; the public line saying so.

    Raises:
        PermissionDenied: the user is neither the asker nor staff (unless ``quiet``: then nothing happens).
    """
    if not may_mark(ctx, thread):
        if quiet:
            return []
        raise PermissionDenied(text.NOT_YOURS)
    if solver == thread.asker:
        solver = None  # nobody is credited for their own question
    async with ctx.db.session() as session:
        first = await mark_solved(
            session, thread.platform, thread.channel, thread.thread, ctx.origin.user, solver, ctx.now
        )
    if not first:
        return [] if quiet else [Reply(text.ALREADY_SOLVED, visibility=Visibility.EPHEMERAL)]
    said = text.SOLVED.format(solver=member(thread.platform, solver)) if solver else text.SOLVED_NO_CREDIT
    return [Reply(said, in_thread=True, tags=(text.TAG_SOLVED,))]


def _since(ctx: Context, args: str) -> datetime:
    opts, rest = parse_options(split_args(args), {"--since"})
    if rest:
        raise UsageError(text.HELPERS_USAGE)
    value = opts.get("--since")
    if value is None:
        return ctx.now - timedelta(days=_HELPERS_DAYS)
    day = datetime.combine(parse_date(value, "--since"), time(), UTC)
    if day > ctx.now:
        raise NotFound(text.NO_HELPERS.format(since=value))
    return day


async def helpers_report(ctx: Context, args: str) -> Replies:
    """``kb helpers [--since DATE]``: members by questions they solved since then (30 days by default); those who
    erased their data are counted together on a last line, unnamed."""
    since = _since(ctx, args)
    async with ctx.db.session() as session:
        counts = await solved_counts(session, since, ctx.now + timedelta(seconds=1))
    day = since.date().isoformat()
    if not counts:
        return [Reply(text.NO_HELPERS.format(since=day), visibility=Visibility.EPHEMERAL)]
    line = text.HELPERS_LINE.format
    lines = [line(count=n, user=member(p, user), platform=p) for p, user, n in counts if user != FORGOTTEN]
    erased = sum(n for _, user, n in counts if user == FORGOTTEN)  # one line, whatever their platforms: no one
    lines += [text.HELPERS_ERASED.format(count=erased)] if erased else []
    return [Reply("\n".join(lines), title=text.HELPERS_TITLE.format(since=day), visibility=Visibility.EPHEMERAL)]
