"""How a group's check-ins run: ``checkin questions``, ``mood``, ``dm``, ``window`` and ``reminder``."""

from __future__ import annotations

from bot.errors import UsageError
from bot.events import Reply, Visibility
from bot.feature import Context, Replies
from bot.features.checkins import text
from bot.features.checkins.common import group_here, positive, require_facilitator
from bot.plural import counted
from bot.usertext import quote
from storage.checkins import update_group

__all__ = ["dm", "mood", "questions", "reminder", "window"]

_MAX_QUESTIONS = 10
_MAX_QUESTION_CHARS = 300
_MAX_HOURS = 168
_SWITCHES = {"ask_mood": "mood", "dm_members": "dm"}
"""The on/off settings and the command word that sets each."""


async def questions(ctx: Context, args: str) -> Replies:
    """``checkin questions``: the group's questions; ``checkin questions set Q1 | Q2`` (facilitators) changes them."""
    group = await group_here(ctx)
    words = args.strip()
    if not words:
        lines = [text.QUESTION_LINE.format(number=n, question=q) for n, q in enumerate(group.questions, start=1)]
        state = text.MOOD_QUESTION.format(state="on" if group.ask_mood else "off")
        return [
            Reply(
                "\n".join(lines) + "\n" + state,
                title=text.QUESTIONS_TITLE.format(name=quote(group.name)),
                visibility=Visibility.EPHEMERAL,
            )
        ]
    await require_facilitator(ctx, group)
    if not words.startswith("set"):
        raise UsageError(text.QUESTIONS_USAGE)
    new = [q.strip() for q in words[3:].split("|") if q.strip()]
    if not new:
        raise UsageError(text.QUESTIONS_EMPTY)
    if len(new) > _MAX_QUESTIONS or any(len(q) > _MAX_QUESTION_CHARS for q in new):
        raise UsageError(text.QUESTIONS_TOO_MANY)
    async with ctx.db.session() as session:
        await update_group(session, group.id, questions=new)
    return [
        Reply(text.QUESTIONS_SAVED.format(questions=counted(len(new), "question")), visibility=Visibility.EPHEMERAL)
    ]


async def mood(ctx: Context, args: str) -> Replies:
    """``checkin mood on|off``: ask for a 1-5 confidence rating with the answers."""
    return await _setting(ctx, args, "ask_mood")


async def dm(ctx: Context, args: str) -> Replies:
    """``checkin dm on|off``: also send the prompt to each member by DM."""
    return await _setting(ctx, args, "dm_members")


async def window(ctx: Context, args: str) -> Replies:
    """``checkin window HOURS``: how long answers stay open."""
    return await _setting(ctx, args, "window_hours")


async def reminder(ctx: Context, args: str) -> Replies:
    """``checkin reminder HOURS``: how long after the prompt non-responders get a DM reminder."""
    return await _setting(ctx, args, "reminder_hours")


async def _setting(ctx: Context, args: str, name: str) -> Replies:
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    value = args.strip().lower()
    if name in _SWITCHES:
        if value not in {"on", "off"}:
            raise UsageError(text.ON_OFF_USAGE.format(command=_SWITCHES[name]))
        new: object = value == "on"
    else:
        hours = positive(value, "hours")
        if hours > _MAX_HOURS:
            raise UsageError(text.TOO_MANY_HOURS)
        new = hours
    async with ctx.db.session() as session:
        await update_group(session, group.id, **{name: new})
    said = text.SETTING_SAVED.format(setting=name.replace("_", " "), value=value)
    if name in ("window_hours", "reminder_hours"):
        window = new if name == "window_hours" else group.window_hours
        remind = new if name == "reminder_hours" else group.reminder_hours
        if isinstance(window, int) and isinstance(remind, int) and remind > window / 2:  # jobs.py caps it there
            said += " " + text.REMINDER_CAPPED.format(reminder=remind, window=window, hours=f"{window / 2:g}")
    return [Reply(said, visibility=Visibility.EPHEMERAL)]
