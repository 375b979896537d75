"""Answering a check-in: ``checkin answer``, the Answer button and the answer form.

The form's id is ``checkin:answer:RUN``; answers can be changed until the run closes, and answering makes the user
a member of the group.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import FormErrors, NotFound, UsageError
from bot.events import Action, FieldKind, Form, FormField, FormSubmission, Reply, Visibility
from bot.feature import Context, Replies
from bot.features.checkins import text
from bot.features.checkins.blockers import BlockerHelp
from bot.features.checkins.common import group_here, local
from bot.usertext import quote
from storage.checkins import add_member, get_group, get_run, open_run, open_runs_for_user, save_answer
from storage.conversations import half_filled
from storage.records import CheckinAnswer, CheckinRun, StudyGroup

__all__ = ["ANSWER_ACTION", "answer", "answer_form", "on_answer", "on_button", "unsent_answers"]

ANSWER_ACTION = "checkin:answer"
"""The Answer button's action id; its value is the run's id."""
_MAX_ANSWER = 2000
_MOODS = ("1", "2", "3", "4", "5")


async def answer(ctx: Context, args: str) -> Replies:
    """``checkin answer [GROUP]``: the form for this channel's open check-in, or in a DM the user's open one."""
    if ctx.origin.is_dm:
        group, run = await _open_run_in_dm(ctx, args.strip())
    else:
        group = await group_here(ctx)
        async with ctx.db.session() as session:
            run = await open_run(session, group.id)
    if run is None or run.closes_at <= ctx.now:
        raise UsageError(text.NO_OPEN)
    return [Reply("", form=answer_form(group, run), visibility=Visibility.EPHEMERAL)]


async def _open_run_in_dm(ctx: Context, name: str) -> tuple[StudyGroup, CheckinRun | None]:
    # In a direct message the channel names no group: use the user's groups with a check-in open (on any of the
    # person's linked platforms).
    async with ctx.db.session() as session:
        found = [pair for who in ctx.identities for pair in await open_runs_for_user(session, who.platform, who.user)]
    found = [(g, r) for g, r in found if r.closes_at > ctx.now]
    if not found:
        raise UsageError(text.NO_OPEN)
    named = _named(found, name) if name else found
    if not named:
        raise UsageError(text.NONE_CALLED.format(name=quote(name), choices=_choices(found)))
    if len(named) > 1:
        raise UsageError(text.CHOOSE_ONE.format(choices=_choices(named)))
    return named[0]


def _named(found: list[tuple[StudyGroup, CheckinRun]], name: str) -> list[tuple[StudyGroup, CheckinRun]]:
    """The check-ins of ``found`` whose group is called ``name``, ignoring case, or else whose name starts with it
    ("alpha" for "Alpha Group")."""
    wanted = " ".join(name.casefold().split())
    exact = [(g, r) for g, r in found if " ".join(g.name.casefold().split()) == wanted]
    return exact or [(g, r) for g, r in found if " ".join(g.name.casefold().split()).startswith(wanted)]


def _choices(found: list[tuple[StudyGroup, CheckinRun]]) -> str:
    return ", ".join(text.CHOICE.format(name=quote(g.name)) for g, _ in found)


async def on_button(ctx: Context, action: Action) -> Replies:
    """The Answer button under a prompt or reminder: the form for its run, while the run is open."""
    if action.action_id != ANSWER_ACTION or not action.value.isdigit():
        raise UsageError(text.STALE_BUTTON)
    async with ctx.db.session() as session:
        run = await get_run(session, int(action.value))
        group = await get_group(session, run.group_id) if run else None
    if run is None or group is None:
        raise NotFound(text.GONE)
    if run.status != "open" or run.closes_at <= ctx.now:
        raise UsageError(text.CLOSED.format(closes=local(run.closes_at, group.timezone)))
    return [Reply("", form=answer_form(group, run), visibility=Visibility.EPHEMERAL)]


async def on_answer(ctx: Context, submission: FormSubmission, blockers: BlockerHelp | None = None) -> Replies:
    """A submitted answer form: save (or replace) the user's answer while the run is open; ``blockers`` adds help
    for what the member says blocks them.

    Sent after the run closed (before the closing tick, or with the bot down at the close) or for a run that is
    gone, it is answered, not raised: the form ends there rather than staying open to refuse every later message.

    Raises:
        FormErrors: when every answer is empty or the mood is not 1 to 5.
    """
    run_id = submission.form_id.rsplit(":", 1)[-1]
    async with ctx.db.session() as session:
        run = await get_run(session, int(run_id)) if run_id.isdigit() else None
        group = await get_group(session, run.group_id) if run else None
        if run is None or group is None:
            return [Reply(text.GONE, visibility=Visibility.EPHEMERAL)]
        if run.status != "open" or run.closes_at <= ctx.now:
            closes = local(run.closes_at, group.timezone)
            return [Reply(text.CLOSED.format(closes=closes), visibility=Visibility.EPHEMERAL)]
        answers = [submission.values.get(f"q{i}", "").strip()[:_MAX_ANSWER] for i in range(len(run.questions))]
        if not any(answers):
            raise FormErrors({"q0": text.ANSWER_SOMETHING})
        mood = submission.values.get("mood", "").strip()
        if mood and mood not in _MOODS:
            raise FormErrors({"mood": text.MOOD_RANGE})
        user = (ctx.users_on(group.platform) or [ctx.origin.user])[0]  # the person's account on the group's platform
        edited = await save_answer(session, run.id, user, answers, int(mood) if mood else None, ctx.now)
        await add_member(session, group.id, user, ctx.now)
    said = text.EDITED if edited else text.SAVED
    saved = Reply(said.format(closes=local(run.closes_at, group.timezone)), visibility=Visibility.EPHEMERAL)
    return [saved, *(blockers(list(zip(run.questions, answers, strict=True))) if blockers else [])]


def answer_form(group: StudyGroup, run: CheckinRun) -> Form:
    """The form for answering ``run``: one long optional text per question, and the mood if the group asks it."""
    fields = [
        FormField(f"q{i}", question, FieldKind.LONG_TEXT, required=False, max_length=_MAX_ANSWER)
        for i, question in enumerate(run.questions)
    ]
    if group.ask_mood:
        choices = tuple((mood, mood) for mood in _MOODS)
        fields.append(FormField("mood", text.MOOD_LABEL, FieldKind.CHOICE, required=False, choices=choices))
    title = text.FORM_TITLE.format(name=quote(group.name))
    return Form(f"{ANSWER_ACTION}:{run.id}", title, tuple(fields), context=str(run.id))


async def unsent_answers(
    session: AsyncSession, group: StudyGroup, run: CheckinRun, now: datetime
) -> list[CheckinAnswer]:
    """The answer forms of ``run`` that members began and did not send, as far as they got (one per member, the
    latest; forms with nothing answered yet left out)."""
    latest: dict[str, CheckinAnswer] = {}
    for platform, user, values in await half_filled(session, f"{ANSWER_ACTION}:{run.id}", now):
        said = tuple(str(values.get(f"q{i}", "")).strip()[:_MAX_ANSWER] for i in range(len(run.questions)))
        mood = str(values.get("mood", "")).strip()
        if platform == group.platform and any(said):
            latest[user] = CheckinAnswer(run.id, user, said, int(mood) if mood in _MOODS else None, run.closes_at)
    return list(latest.values())
