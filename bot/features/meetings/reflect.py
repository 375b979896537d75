"""Plus/Delta after a meeting: the Reflect button opens a form (what worked, what to change, an optional 1-5
rating); the facilitator gets the summary once, in the channel or by DM (``meetings summary``), when reflections
close. A form still half filled then is closed (:mod:`.jobs` tells the member), and what it held is in the summary,
marked partial, as the check-ins do with their answer forms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.args import parse_date, split_args
from bot.errors import FormErrors, NotFound, UsageError
from bot.events import Action, Button, FieldKind, Form, FormField, FormSubmission, Reply, Visibility
from bot.feature import Context, Replies
from bot.features.checkins.common import group_here
from bot.features.meetings import text
from bot.features.meetings.common import on_day
from bot.schedule import parse_time
from bot.usertext import quote
from bot.when import at
from storage.checkins import get_group
from storage.conversations import half_filled
from storage.meeting_notes import Reflection, save_reflection
from storage.meetings import REFLECTION_HOURS, Meeting, get_meeting, group_meetings
from storage.records import Member, StudyGroup

__all__ = [
    "REFLECT_ACTION",
    "closes_at",
    "on_button",
    "on_form",
    "reflect_button",
    "reflection_form",
    "summary",
    "typed",
    "unsent_reflections",
]

REFLECT_ACTION = "meetings:reflect"
"""The Reflect button's action id (value: the meeting's id); the form's id is ``meetings:reflect:MEETING``."""
_MAX_TEXT = 1000
_RATINGS = ("1", "2", "3", "4", "5")


def reflect_button(meeting: Meeting) -> Button:
    """The one-tap button under the "how did it go?" post."""
    return Button(text.REFLECT_BUTTON, REFLECT_ACTION, str(meeting.id), primary=True)


def reflection_form(meeting: Meeting) -> Form:
    """The Plus/Delta form for ``meeting``."""
    ratings = tuple((r, r) for r in _RATINGS)
    return Form(
        f"{REFLECT_ACTION}:{meeting.id}",
        text.FORM_TITLE,
        (
            FormField("plus", text.PLUS_LABEL, FieldKind.LONG_TEXT, required=False, max_length=_MAX_TEXT),
            FormField("delta", text.DELTA_LABEL, FieldKind.LONG_TEXT, required=False, max_length=_MAX_TEXT),
            FormField("rating", text.RATING_LABEL, FieldKind.CHOICE, required=False, choices=ratings),
        ),
        context=str(meeting.id),
    )


async def _find(ctx: Context, meeting_id: str) -> tuple[Meeting, StudyGroup] | None:
    async with ctx.db.session() as session:
        meeting = await get_meeting(session, int(meeting_id)) if meeting_id.isdigit() else None
        group = await get_group(session, meeting.group_id) if meeting else None
    return None if meeting is None or group is None else (meeting, group)


async def _open_meeting(ctx: Context, meeting_id: str) -> tuple[Meeting, StudyGroup]:
    found = await _find(ctx, meeting_id)
    if found is None:
        raise NotFound(text.GONE)
    meeting, group = found
    if not _open(meeting, ctx.now):
        raise UsageError(text.REFLECTIONS_CLOSED.format(when=at(meeting.starts_at, meeting.timezone)))
    return meeting, group


def closes_at(meeting: Meeting) -> datetime:
    """When reflections on ``meeting`` close (and its summary is due)."""
    return meeting.ends_at + timedelta(hours=REFLECTION_HOURS)


def _open(meeting: Meeting, now: datetime) -> bool:
    """Whether reflections on ``meeting`` are open: from its start until a while after its end, if it was held."""
    return not meeting.cancelled and meeting.starts_at <= now < closes_at(meeting)


async def on_button(ctx: Context, action: Action) -> Replies:
    """The Reflect button: the form, from the meeting's start until its reflections close."""
    if action.action_id != REFLECT_ACTION:
        raise UsageError(text.STALE_BUTTON)
    meeting, _ = await _open_meeting(ctx, action.value)
    return [Reply("", form=reflection_form(meeting), visibility=Visibility.EPHEMERAL)]


async def typed(ctx: Context, args: str) -> Replies:
    """``meetings reflect [DATE [HH:MM]]``: the Reflect button, typed (the latest meeting open for reflections)."""
    group = await group_here(ctx)
    words = split_args(args)
    if len(words) > 2:
        raise UsageError(text.REFLECT_USAGE)
    async with ctx.db.session() as session:
        meetings = await group_meetings(session, group.id)
    if words:
        clock = parse_time(words[1]) if len(words) == 2 else None
        found: Meeting | None = on_day(group, meetings, parse_date(words[0], "date"), clock, "meetings reflect")
    else:
        found = next((m for m in reversed(meetings) if _open(m, ctx.now)), None)
    if found is None:
        raise NotFound(text.NOTHING_TO_REFLECT)
    meeting, _ = await _open_meeting(ctx, str(found.id))
    return [Reply("", form=reflection_form(meeting), visibility=Visibility.EPHEMERAL)]


async def on_form(ctx: Context, submission: FormSubmission) -> Replies:
    """A submitted Plus/Delta: saved (or replaced) for the member while reflections are open.

    Sent after they closed (the bot was down at the close, or a form in pages), it is answered, not raised: the form
    ends there, rather than staying open to refuse every later message.

    Raises:
        FormErrors: both texts empty, or a rating that is not 1 to 5.
    """
    found = await _find(ctx, submission.form_id.rsplit(":", 1)[-1])
    if found is None:
        return [Reply(text.GONE_FORM, visibility=Visibility.EPHEMERAL)]
    meeting, group = found
    if not _open(meeting, ctx.now):
        when, closes = at(meeting.starts_at, meeting.timezone), at(closes_at(meeting), meeting.timezone)
        return [Reply(text.CLOSED_LATE.format(when=when, closes=closes), visibility=Visibility.EPHEMERAL)]
    plus, delta, rating = _cleaned(submission.values)
    if not plus and not delta:
        raise FormErrors({"plus": text.SAY_SOMETHING})
    if rating and rating not in _RATINGS:
        raise FormErrors({"rating": text.RATING_RANGE})
    user = (ctx.users_on(group.platform) or [ctx.origin.user])[0]
    async with ctx.db.session() as session:
        edited = await save_reflection(session, meeting.id, user, plus, delta, int(rating) if rating else None, ctx.now)
    return [Reply(text.REFLECTION_EDITED if edited else text.REFLECTION_SAVED, visibility=Visibility.EPHEMERAL)]


def _cleaned(values: Mapping[str, object]) -> tuple[str, str, str]:
    """A Plus/Delta's plus, delta and rating as given, sent or half filled: trimmed, the texts cut to length."""
    plus, delta = (str(values.get(key, "")).strip()[:_MAX_TEXT] for key in ("plus", "delta"))
    return plus, delta, str(values.get("rating", "")).strip()


async def unsent_reflections(
    session: AsyncSession, group: StudyGroup, meeting: Meeting, now: datetime
) -> list[Reflection]:
    """The Plus/Delta forms on ``meeting`` that members began and did not send, as far as they got (one per member,
    the latest; forms with nothing written yet left out)."""
    latest: dict[str, Reflection] = {}
    for platform, user, values in await half_filled(session, f"{REFLECT_ACTION}:{meeting.id}", now):
        plus, delta, rating = _cleaned(values)
        if platform == group.platform and (plus or delta):
            rated = int(rating) if rating in _RATINGS else None
            latest[user] = Reflection(meeting.id, user, plus, delta, rated, closes_at(meeting))
    return list(latest.values())


def summary(
    group: StudyGroup,
    meeting: Meeting,
    found: Sequence[Reflection],
    answers: Mapping[str, str],
    roster: Sequence[Member],
    to: str,
    unsent: Sequence[Reflection] = (),
) -> list[Reply]:
    """The reflections summary of ``meeting``: to the channel, or (``to == "dm"``) to each facilitator. What members
    began and did not send before reflections closed (``unsent``, unless they sent one before) is in it, marked
    partial."""
    sent = {r.user for r in found}
    partly = [r for r in unsent if r.user not in sent]
    marked = {r.user for r in partly}
    going = sum(1 for a in answers.values() if a == "yes")
    count = len(found) + len(partly)
    head = text.SUMMARY_COUNTS.format(going=going, not_going=len(answers) - going, count=count)
    lines = [head + (text.SUMMARY_PARTLY.format(count=len(partly)) if partly else "")]
    every = [*found, *partly]
    rated = [r.rating for r in every if r.rating is not None]
    if rated:
        lines.append(text.SUMMARY_RATING.format(average=sum(rated) / len(rated), count=len(rated)))
    for heading, pick in ((text.SUMMARY_PLUS, "plus"), (text.SUMMARY_DELTA, "delta")):
        said = [(r.user, getattr(r, pick)) for r in every if getattr(r, pick)]
        if said:
            lines += [
                "",
                heading,
                *(
                    text.SUMMARY_LINE.format(user=quote(u) + (text.PARTIAL if u in marked else ""), text=quote(t))
                    for u, t in said
                ),
            ]
    if not every:
        lines.append(text.NO_REFLECTIONS)
    title = text.SUMMARY_TITLE.format(name=quote(group.name), when=at(meeting.starts_at, meeting.timezone))
    body = "\n".join(lines)
    if to == "dm":
        return [
            Reply(body, title=title, platform=group.platform, user=m.user, visibility=Visibility.DM)
            for m in roster
            if m.is_facilitator
        ]
    return [Reply(body, title=title, platform=group.platform, channel=group.channel)]
