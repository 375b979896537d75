"""``checkin``: study groups schedule recurring check-ins; members answer; the bot reminds and summarises.

Every bit of state is in the database. The scheduler's jobs claim work with row locks and conditional updates, so
with several bot processes each run is posted once, each reminder sent once and each summary posted once.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from bot.args import parse_options, split_args
from bot.csvsafe import SafeWriter
from bot.errors import FormErrors, NotFound, PermissionDenied, UsageError
from bot.events import Action, Attachment, Button, FieldKind, Form, FormField, FormSubmission, Reply, Visibility
from bot.feature import ActionRoute, Command, Context, FormRoute, Group, Replies, Surface
from bot.metrics import Metrics
from bot.permissions import Role
from bot.schedule import Schedule, load_zone, local_minute, local_time, occurrences, parse_days, parse_time
from bot.usertext import quote
from storage import Database
from storage.checkins import (
    NewRun,
    add_member,
    answers_for_runs,
    claim_closing_runs,
    claim_due_groups,
    claim_reminders,
    create_group,
    get_group,
    get_group_by_channel,
    get_run,
    groups_of_user,
    insert_runs,
    members,
    members_of_groups,
    open_run,
    open_runs_for_user,
    remove_member,
    runs_of_group,
    save_answer,
    set_next_runs,
    update_group,
)
from storage.records import CheckinAnswer, CheckinRun, Member, StudyGroup

__all__ = ["DEFAULT_QUESTIONS", "checkins_feature"]

log = logging.getLogger(__name__)

DEFAULT_QUESTIONS = (
    "What did you work on since last time?",
    "What will you work on next?",
    "Is anything blocking you, or is there anything you need from the group?",
)
_NO_BLOCKER = frozenset({"", "no", "none", "nothing", "n/a", "na", "-", "nope", "all good", "no blockers"})
_BATCH = 500
_LATE_AFTER = timedelta(minutes=5)

_NO_GROUP = "There is no study group in this channel yet. A facilitator can start one with `checkin create NAME`."
_PROMPT_TITLE = "Check-in: {name}"
_PROMPT = "Time for this week's check-in! Press Answer (or type `checkin answer`). Answers close {closes}."
_PROMPT_LATE = "Sorry, this check-in is late (it was due {due}). Answers still close {closes}."
_REMINDER = "A gentle reminder: the {name} check-in closes {closes}. You can answer with the button below."
_SAVED = "Thanks, your check-in is saved. You can change it until {closes}."
_EDITED = "Your check-in is updated. You can change it until {closes}."
_CLOSED = "This check-in closed {closes}; answers are no longer accepted."
_NO_OPEN = "There is no check-in open for answers right now. `checkin next` shows when the next one is."
_SUMMARY_TITLE = "Check-in summary: {name}, {day}"
_BLOCKER_HELP = (
    "Blockers above: facilitators, can someone help? Anyone can also `ask` me, or post in the community forum."
)
_NO_GROUPS = "You are not in a study group yet. In a group's channel, type `checkin join`."
_FACILITATORS_ONLY = "Sorry, only this group's facilitators (or staff) can do that."


def _local(instant: datetime, zone_name: str) -> str:
    zone = load_zone(zone_name)
    return instant.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


def _user_arg(text: str) -> str:
    # Accept a Slack-style mention <@U123>, a Discord mention <@!123> or @name as well as a bare id.
    return text.strip().removeprefix("<@").removeprefix("!").removesuffix(">").lstrip("@")


def _answer_form(group: StudyGroup, run: CheckinRun) -> Form:
    fields = [
        FormField(f"q{i}", question, FieldKind.LONG_TEXT, required=False, max_length=2000)
        for i, question in enumerate(run.questions)
    ]
    if group.ask_mood:
        choices = tuple((str(n), str(n)) for n in range(1, 6))
        fields.append(
            FormField(
                "mood", "How confident do you feel? (1 low, 5 high)", FieldKind.CHOICE, required=False, choices=choices
            )
        )
    return Form(f"checkin:answer:{run.id}", f"Check-in: {quote(group.name)}", tuple(fields), context=str(run.id))


def _is_blocker(question: str, answer: str) -> bool:
    return "block" in question.lower() and answer.strip().lower().rstrip(".!") not in _NO_BLOCKER


def checkins_feature(metrics: Metrics) -> Surface:
    """Study groups and their check-ins."""

    async def group_here(ctx: Context) -> StudyGroup:
        async with ctx.db.session() as session:
            group = await get_group_by_channel(session, ctx.origin.platform, ctx.origin.channel)
        if group is None:
            raise NotFound(_NO_GROUP)
        return group

    async def require_facilitator(ctx: Context, group: StudyGroup) -> None:
        if ctx.role >= Role.STAFF:
            return
        async with ctx.db.session() as session:
            roster = await members(session, group.id)
        if not any(m.user == ctx.origin.user and m.is_facilitator for m in roster):
            raise PermissionDenied(_FACILITATORS_ONLY)

    async def create(ctx: Context, args: str) -> Replies:
        words = split_args(args)
        opts, rest = parse_options(words, {"--tz"})
        name = " ".join(rest).strip()
        if not name:
            raise UsageError("Usage: `checkin create NAME [--tz Europe/Berlin]`")
        if len(name) > 100:
            raise UsageError("A group name can be at most 100 characters.")
        if ctx.origin.is_dm:
            raise UsageError("Create a study group in the channel it will use, not in a direct message.")
        zone = opts.get("--tz", "UTC")
        load_zone(zone)
        async with ctx.db.session() as session:
            if await get_group_by_channel(session, ctx.origin.platform, ctx.origin.channel) is not None:
                raise UsageError("This channel already has a study group; one channel holds one group.")
            group = await create_group(
                session,
                name=name,
                platform=ctx.origin.platform,
                channel=ctx.origin.channel,
                timezone=zone,
                questions=DEFAULT_QUESTIONS,
                creator=ctx.origin.user,
                now=ctx.now,
            )
        return [
            Reply(
                f"Study group **{quote(group.name)}** created here (time zone {zone}); you are its facilitator. "
                "Next: `checkin schedule tue 18:00 --weeks 6`."
            )
        ]

    async def join(ctx: Context, args: str) -> Replies:
        group = await group_here(ctx)
        async with ctx.db.session() as session:
            added = await add_member(session, group.id, ctx.origin.user, ctx.now)
        text = f"Welcome to {quote(group.name)}!" if added else f"You are already in {quote(group.name)}."
        return [Reply(text, visibility=Visibility.EPHEMERAL)]

    async def leave(ctx: Context, args: str) -> Replies:
        group = await group_here(ctx)
        async with ctx.db.session() as session:
            removed = await remove_member(session, group.id, ctx.origin.user)
        text = f"You have left {quote(group.name)}." if removed else f"You were not in {quote(group.name)}."
        return [Reply(text, visibility=Visibility.EPHEMERAL)]

    async def add(ctx: Context, args: str) -> Replies:
        group = await group_here(ctx)
        await require_facilitator(ctx, group)
        opts, rest = parse_options(split_args(args), set(), flags={"--facilitator"})
        if len(rest) != 1:
            raise UsageError("Usage: `checkin add USER [--facilitator]`")
        user = _user_arg(rest[0])
        async with ctx.db.session() as session:
            await add_member(session, group.id, user, ctx.now, facilitator="--facilitator" in opts)
        role = "facilitator" if "--facilitator" in opts else "member"
        return [Reply(f"{quote(user)} is now a {role} of {quote(group.name)}.", visibility=Visibility.EPHEMERAL)]

    async def remove(ctx: Context, args: str) -> Replies:
        group = await group_here(ctx)
        await require_facilitator(ctx, group)
        user = _user_arg(args)
        async with ctx.db.session() as session:
            removed = await remove_member(session, group.id, user)
        text = (
            f"{quote(user)} removed from {quote(group.name)}."
            if removed
            else f"{quote(user)} is not in {quote(group.name)}."
        )
        return [Reply(text, visibility=Visibility.EPHEMERAL)]

    async def schedule(ctx: Context, args: str) -> Replies:
        group = await group_here(ctx)
        await require_facilitator(ctx, group)
        opts, rest = parse_options(split_args(args), {"--tz", "--start", "--weeks", "--count", "--until"})
        if len(rest) != 2:
            raise UsageError(
                "Usage: `checkin schedule DAYS HH:MM [--tz ZONE] [--start YYYY-MM-DD] "
                "[--weeks N | --count N | --until YYYY-MM-DD]`, e.g. `checkin schedule mon,wed,fri 09:30 --weeks 6`"
            )
        days, at = parse_days(rest[0]), parse_time(rest[1])
        zone_name = opts.get("--tz", group.timezone)
        zone = load_zone(zone_name)
        # A schedule never counts a check-in that has already passed: it starts at this minute, or at the midnight
        # of --start when that is later. A check-in due this very minute counts and goes out with the next tick.
        now_local = local_minute(ctx.now, zone)
        start = now_local
        if "--start" in opts:
            start = max(now_local, datetime.combine(_date(opts["--start"], "--start"), time(0, 0)))
        if len({"--weeks", "--count", "--until"} & opts.keys()) > 1:
            raise UsageError("Give only one of --weeks, --count and --until.")
        count = _positive(opts["--count"], "--count") if "--count" in opts else None
        if "--weeks" in opts:
            count = _positive(opts["--weeks"], "--weeks") * len(days)
        until = _date(opts["--until"], "--until") if "--until" in opts else None
        rule = Schedule.weekly(days, at, start, count=count, until=until)
        skip = _skips(group)
        first = next(occurrences(rule, zone, local_time(now_local, zone) - timedelta(microseconds=1), skip), None)
        if first is None:
            raise UsageError("That schedule has no check-ins after now; check the start and end dates.")
        async with ctx.db.session() as session:
            await update_group(session, group.id, rrule=rule.text, timezone=zone_name, next_run_at=first, paused=False)
        return [Reply(f"Scheduled. The first check-in is {_local(first, zone_name)}.")]

    async def questions(ctx: Context, args: str) -> Replies:
        group = await group_here(ctx)
        words = args.strip()
        if not words:
            lines = [f"{n}. {q}" for n, q in enumerate(group.questions, start=1)]
            mood = "on" if group.ask_mood else "off"
            return [
                Reply(
                    "\n".join(lines) + f"\nMood question: {mood}",
                    title=f"{quote(group.name)} questions",
                    visibility=Visibility.EPHEMERAL,
                )
            ]
        await require_facilitator(ctx, group)
        if not words.startswith("set"):
            raise UsageError("Usage: `checkin questions` to see them, `checkin questions set Q1 | Q2 | Q3` to change")
        new = [q.strip() for q in words[3:].split("|") if q.strip()]
        if not new:
            raise UsageError("Give at least one question, separated by |, e.g. `checkin questions set Done? | Next?`")
        if len(new) > 10 or any(len(q) > 300 for q in new):
            raise UsageError("Use at most 10 questions of at most 300 characters each.")
        async with ctx.db.session() as session:
            await update_group(session, group.id, questions=new)
        return [
            Reply(f"{len(new)} questions saved; they apply from the next check-in.", visibility=Visibility.EPHEMERAL)
        ]

    async def setting(ctx: Context, args: str, name: str) -> Replies:
        group = await group_here(ctx)
        await require_facilitator(ctx, group)
        value = args.strip().lower()
        if name in {"ask_mood", "dm_members"}:
            if value not in {"on", "off"}:
                raise UsageError(f"Usage: `checkin {'mood' if name == 'ask_mood' else 'dm'} on|off`")
            new: object = value == "on"
        else:
            hours = _positive(value, "hours")
            if hours > 168:
                raise UsageError("Use at most 168 hours (a week).")
            new = hours
        async with ctx.db.session() as session:
            await update_group(session, group.id, **{name: new})
        return [Reply(f"Saved: {name.replace('_', ' ')} = {value}.", visibility=Visibility.EPHEMERAL)]

    async def mood(ctx: Context, args: str) -> Replies:
        return await setting(ctx, args, "ask_mood")

    async def dm(ctx: Context, args: str) -> Replies:
        return await setting(ctx, args, "dm_members")

    async def window(ctx: Context, args: str) -> Replies:
        return await setting(ctx, args, "window_hours")

    async def reminder(ctx: Context, args: str) -> Replies:
        return await setting(ctx, args, "reminder_hours")

    async def pause(ctx: Context, args: str) -> Replies:
        group = await group_here(ctx)
        await require_facilitator(ctx, group)
        async with ctx.db.session() as session:
            await update_group(session, group.id, paused=True)
        return [Reply(f"Check-ins for {quote(group.name)} are paused. `checkin resume` starts them again.")]

    async def resume(ctx: Context, args: str) -> Replies:
        group = await group_here(ctx)
        await require_facilitator(ctx, group)
        following = _following(group, ctx.now, _skips(group))
        async with ctx.db.session() as session:
            await update_group(session, group.id, paused=False, next_run_at=following)
        when = _local(following, group.timezone) if following else "never (the schedule has ended)"
        return [Reply(f"Check-ins resumed; the next is {when}.")]

    async def skip(ctx: Context, args: str, next_only: bool) -> Replies:
        group = await group_here(ctx)
        await require_facilitator(ctx, group)
        if group.rrule is None:
            raise UsageError("This group has no schedule; set one with `checkin schedule`.")
        zone = load_zone(group.timezone)
        if next_only:
            if group.next_run_at is None:
                raise UsageError("There is no upcoming check-in to skip.")
            day = group.next_run_at.astimezone(zone).date()
        else:
            day = _date(args.strip(), "date")
        skips = _skips(group) | {day}
        following = _following(group, ctx.now, skips)
        async with ctx.db.session() as session:
            await update_group(session, group.id, skip_dates=[d.isoformat() for d in skips], next_run_at=following)
        when = _local(following, group.timezone) if following else "none left"
        return [Reply(f"No check-in on {day:%a %d %b %Y}. The next is {when}.")]

    async def skip_next(ctx: Context, args: str) -> Replies:
        return await skip(ctx, args, next_only=True)

    async def skip_date(ctx: Context, args: str) -> Replies:
        return await skip(ctx, args, next_only=False)

    async def cancel(ctx: Context, args: str) -> Replies:
        group = await group_here(ctx)
        await require_facilitator(ctx, group)
        async with ctx.db.session() as session:
            await update_group(session, group.id, rrule=None, next_run_at=None)
        return [Reply(f"The check-in schedule of {quote(group.name)} is cancelled. Past answers are kept.")]

    async def next_runs(ctx: Context, args: str) -> Replies:
        group = await group_here(ctx)
        opts, _ = parse_options(split_args(args), {"--tz"})
        if group.rrule is None or group.next_run_at is None:
            return [Reply("No check-ins are scheduled.", visibility=Visibility.EPHEMERAL)]
        mine = opts.get("--tz")
        if mine:
            load_zone(mine)
        zone = load_zone(group.timezone)
        upcoming = [group.next_run_at]
        upcoming += list(islice(occurrences(Schedule(group.rrule), zone, group.next_run_at, _skips(group)), 4))
        lines = []
        for instant in upcoming:
            line = f"• {_local(instant, group.timezone)}"
            if mine:
                line += f"  (your time: {_local(instant, mine)})"
            lines.append(line)
        lines += ["", _remaining(group, zone)]
        paused = " (paused)" if group.paused else ""
        return [
            Reply(
                "\n".join(lines),
                title=f"Next check-ins of {quote(group.name)}{paused}",
                visibility=Visibility.EPHEMERAL,
            )
        ]

    async def mine(ctx: Context, args: str) -> Replies:
        async with ctx.db.session() as session:
            groups = await groups_of_user(session, ctx.origin.platform, ctx.origin.user)
        if not groups:
            return [Reply(_NO_GROUPS, title="Your study groups", visibility=Visibility.EPHEMERAL)]
        lines = []
        for group in groups:
            when = (
                _local(group.next_run_at, group.timezone) if group.next_run_at and not group.paused else "none planned"
            )
            lines.append(f"• {quote(group.name)}: next check-in {when}")
        return [Reply("\n".join(lines), title="Your study groups", visibility=Visibility.EPHEMERAL)]

    async def answer(ctx: Context, args: str) -> Replies:
        if ctx.origin.is_dm:
            group, run = await open_run_in_dm(ctx, args.strip())
        else:
            group = await group_here(ctx)
            async with ctx.db.session() as session:
                run = await open_run(session, group.id)
        if run is None or run.closes_at <= ctx.now:
            raise UsageError(_NO_OPEN)
        return [Reply("", form=_answer_form(group, run), visibility=Visibility.EPHEMERAL)]

    async def open_run_in_dm(ctx: Context, name: str) -> tuple[StudyGroup, CheckinRun | None]:
        # In a direct message the channel names no group: use the user's groups with a check-in open.
        async with ctx.db.session() as session:
            found = await open_runs_for_user(session, ctx.origin.platform, ctx.origin.user)
        found = [(g, r) for g, r in found if r.closes_at > ctx.now]
        if name:
            found = [(g, r) for g, r in found if g.name.casefold() == name.casefold()]
        if not found:
            raise UsageError(_NO_OPEN)
        if len(found) > 1:
            names = ", ".join(f"`checkin answer {quote(g.name)}`" for g, _ in found)
            raise UsageError(f"You have more than one check-in open; choose one: {names}")
        return found[0]

    async def on_button(ctx: Context, action: Action) -> Replies:
        if action.action_id != "checkin:answer" or not action.value.isdigit():
            raise UsageError("That button no longer does anything.")
        async with ctx.db.session() as session:
            run = await get_run(session, int(action.value))
            group = await get_group(session, run.group_id) if run else None
        if run is None or group is None:
            raise NotFound("That check-in no longer exists.")
        if run.status != "open" or run.closes_at <= ctx.now:
            raise UsageError(_CLOSED.format(closes=_local(run.closes_at, group.timezone)))
        return [Reply("", form=_answer_form(group, run), visibility=Visibility.EPHEMERAL)]

    async def on_answer(ctx: Context, submission: FormSubmission) -> Replies:
        run_id = submission.form_id.rsplit(":", 1)[-1]
        async with ctx.db.session() as session:
            run = await get_run(session, int(run_id)) if run_id.isdigit() else None
            group = await get_group(session, run.group_id) if run else None
            if run is None or group is None:
                raise NotFound("That check-in no longer exists.")
            if run.status != "open" or run.closes_at <= ctx.now:
                raise UsageError(_CLOSED.format(closes=_local(run.closes_at, group.timezone)))
            answers = [submission.values.get(f"q{i}", "").strip()[:2000] for i in range(len(run.questions))]
            if not any(answers):
                raise FormErrors({"q0": "Please answer at least one question."})
            mood_raw = submission.values.get("mood", "").strip()
            if mood_raw and mood_raw not in {"1", "2", "3", "4", "5"}:
                raise FormErrors({"mood": "Choose a number from 1 to 5."})
            edited = await save_answer(
                session, run.id, ctx.origin.user, answers, int(mood_raw) if mood_raw else None, ctx.now
            )
            await add_member(session, group.id, ctx.origin.user, ctx.now)
        closes = _local(run.closes_at, group.timezone)
        return [Reply((_EDITED if edited else _SAVED).format(closes=closes), visibility=Visibility.EPHEMERAL)]

    async def stats(ctx: Context, args: str) -> Replies:
        group = await group_here(ctx)
        async with ctx.db.session() as session:
            runs = [r for r in await runs_of_group(session, group.id) if r.status != "missed"]
            answers = await answers_for_runs(session, [r.id for r in runs])
            roster = await members(session, group.id)
        return [
            Reply(
                _stats_text(group, runs, answers, [m.user for m in roster]),
                title=f"{quote(group.name)}: participation",
                visibility=Visibility.EPHEMERAL,
            )
        ]

    async def export(ctx: Context, args: str) -> Replies:
        group = await group_here(ctx)
        await require_facilitator(ctx, group)
        async with ctx.db.session() as session:
            runs = await runs_of_group(session, group.id)
            answers = await answers_for_runs(session, [r.id for r in runs])
        return [
            Reply(
                f"{len(runs)} check-ins exported.",
                visibility=Visibility.EPHEMERAL,
                attachment=Attachment("checkins.csv", _csv(group, runs, answers)),
            )
        ]

    async def post_due(db: Database, now: datetime) -> list[Reply]:
        out: list[Reply] = []
        while True:
            async with db.session() as session:
                groups = await claim_due_groups(session, now, _BATCH)
                plans = [(group, *_plan(group, now)) for group in groups]
                runs = await insert_runs(session, [run for _, planned, _ in plans for run in planned])
                await set_next_runs(session, [(group.id, following) for group, _, following in plans])
                rosters = await members_of_groups(session, [g.id for g in groups if g.dm_members])
            by_id = {group.id: group for group in groups}
            for run in runs:
                if run.status == "open":
                    metrics.checkins_posted.inc()
                    out += _prompts(by_id[run.group_id], run, now, rosters.get(run.group_id, []))
                else:
                    log.warning(
                        "check-in of group %d due %s was missed (the bot was not running)",
                        run.group_id,
                        run.scheduled_at,
                    )
            if len(groups) < _BATCH:
                return out

    async def remind(db: Database, now: datetime) -> list[Reply]:
        out: list[Reply] = []
        async with db.session() as session:
            for run in await claim_reminders(session, now):
                group = await get_group(session, run.group_id)
                if group is None:
                    continue
                answered = {a.user for a in await answers_for_runs(session, [run.id])}
                text = _REMINDER.format(name=quote(group.name), closes=_local(run.closes_at, group.timezone))
                out += [
                    Reply(
                        text,
                        buttons=(Button("Answer", "checkin:answer", str(run.id)),),
                        platform=group.platform,
                        user=m.user,
                        visibility=Visibility.DM,
                    )
                    for m in await members(session, group.id)
                    if m.user not in answered
                ]
        return out

    async def close(db: Database, now: datetime) -> list[Reply]:
        out: list[Reply] = []
        async with db.session() as session:
            for run in await claim_closing_runs(session, now):
                group = await get_group(session, run.group_id)
                if group is None:
                    continue
                answers = await answers_for_runs(session, [run.id])
                roster = [m.user for m in await members(session, group.id)]
                out.append(_summary(group, run, answers, roster))
        return out

    return Surface(
        name="checkins",
        groups=(
            Group("checkin", "Study-group check-ins", usage_hint="next | answer | join | schedule tue 18:00 --weeks 6"),
        ),
        commands=(
            Command(
                "checkin create",
                create,
                "start a study group in this channel",
                usage="checkin create NAME [--tz ZONE]",
                examples=("checkin create Python Circle --tz Europe/Berlin",),
                min_role=Role.FACILITATOR,
                complete=_channel_name,
            ),
            Command("checkin join", join, "join this channel's study group"),
            Command("checkin leave", leave, "leave this channel's study group"),
            Command("checkin answer", answer, "answer the open check-in"),
            Command("checkin mine", mine, "your study groups and their next check-ins", home=1),
            Command(
                "checkin next",
                next_runs,
                "upcoming check-ins, in the group's time zone and yours",
                usage="checkin next [--tz ZONE]",
                examples=("checkin next --tz America/New_York",),
            ),
            Command("checkin stats", stats, "participation and streaks"),
            Command(
                "checkin questions",
                questions,
                "see (facilitators: set) the questions",
                usage="checkin questions [set Q1 | Q2 | Q3]",
            ),
            Command(
                "checkin schedule",
                schedule,
                "set the recurring schedule (facilitators)",
                usage="checkin schedule DAYS HH:MM [--tz ZONE] [--start DATE] [--weeks N|--count N|--until DATE]",
                examples=("checkin schedule tue 18:00 --weeks 6", "checkin schedule mon,wed,fri 09:30"),
            ),
            Command("checkin add", add, "add a member (facilitators)", usage="checkin add USER [--facilitator]"),
            Command("checkin remove", remove, "remove a member (facilitators)", usage="checkin remove USER"),
            Command(
                "checkin mood", mood, "ask for a 1-5 confidence rating (facilitators)", usage="checkin mood on|off"
            ),
            Command(
                "checkin dm", dm, "also send the prompt to members by DM (facilitators)", usage="checkin dm on|off"
            ),
            Command("checkin window", window, "hours answers stay open (facilitators)", usage="checkin window HOURS"),
            Command(
                "checkin reminder",
                reminder,
                "hours before non-responders get a DM reminder (facilitators)",
                usage="checkin reminder HOURS",
            ),
            Command("checkin pause", pause, "pause check-ins (facilitators)"),
            Command("checkin resume", resume, "resume check-ins (facilitators)"),
            Command("checkin skip-next", skip_next, "skip the next check-in (facilitators)"),
            Command(
                "checkin skip", skip_date, "skip a date, e.g. a holiday (facilitators)", usage="checkin skip YYYY-MM-DD"
            ),
            Command("checkin cancel", cancel, "cancel the schedule (facilitators)"),
            Command("checkin export", export, "CSV of runs and answers (facilitators)"),
        ),
        actions=(ActionRoute("checkin", on_button),),
        forms=(FormRoute("checkin", on_answer),),
        jobs=(post_due, remind, close),
    )


def _plan(group: StudyGroup, now: datetime) -> tuple[list[NewRun], datetime | None]:
    """The runs now due for ``group`` (open if still inside their window, else missed) and its next run time."""
    zone = load_zone(group.timezone)
    skip = _skips(group)
    rule = Schedule(group.rrule) if group.rrule else None
    window = timedelta(hours=group.window_hours)
    remind_after = min(timedelta(hours=group.reminder_hours), window / 2)
    planned = []
    due = group.next_run_at
    while due is not None and due <= now:
        is_open = now - due < window
        planned.append(
            NewRun(
                group, due, "open" if is_open else "missed", now if is_open else None, due + window, due + remind_after
            )
        )
        due = next(occurrences(rule, zone, due, skip), None) if rule else None
    return planned, due


def _prompts(group: StudyGroup, run: CheckinRun, now: datetime, roster: Sequence[Member]) -> list[Reply]:
    closes = _local(run.closes_at, group.timezone)
    late = now - run.scheduled_at > _LATE_AFTER
    text = (
        _PROMPT_LATE.format(due=_local(run.scheduled_at, group.timezone), closes=closes)
        if late
        else (_PROMPT.format(closes=closes))
    )
    body = text + "\n\n" + "\n".join(f"{n}. {q}" for n, q in enumerate(run.questions, start=1))
    title = _PROMPT_TITLE.format(name=quote(group.name))
    button = (Button("Answer", "checkin:answer", str(run.id)),)
    out = [Reply(body, title=title, buttons=button, platform=group.platform, channel=group.channel)]
    out += [
        Reply(body, title=title, buttons=button, platform=group.platform, user=m.user, visibility=Visibility.DM)
        for m in roster
    ]
    return out


def _remaining(group: StudyGroup, zone: ZoneInfo) -> str:
    """How many check-ins the schedule still holds: ``--count`` and ``--weeks`` count future check-ins only."""
    schedule = Schedule(group.rrule or "")
    if not schedule.ends:
        return "The schedule repeats every week until it is cancelled."
    assert group.next_run_at is not None
    later = sum(1 for _ in islice(occurrences(schedule, zone, group.next_run_at, _skips(group)), 998))
    left = f"{later + 1}" if later < 998 else "more than 998"
    return f"{left} check-in{'' if left == '1' else 's'} left, counting the next one."


def _skips(group: StudyGroup) -> frozenset[date]:
    return frozenset(date.fromisoformat(d) for d in group.skip_dates)


def _following(group: StudyGroup, now: datetime, skips: frozenset[date]) -> datetime | None:
    if group.rrule is None:
        return None
    return next(occurrences(Schedule(group.rrule), load_zone(group.timezone), now, skips), None)


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what} wants a date like 2026-12-24, not {text!r}") from None


def _positive(text: str, what: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"{what} wants a whole number of at least 1, not {text!r}")
    return int(text)


def _summary(group: StudyGroup, run: CheckinRun, answers: Sequence[CheckinAnswer], roster: Sequence[str]) -> Reply:
    answered = {a.user for a in answers}
    expected = sorted(set(roster) | answered)
    missing = [u for u in expected if u not in answered]
    rate = len(answered) / len(expected) if expected else 0.0
    lines = [f"Answered: {len(answered)} of {len(expected)} ({rate:.0%})"]
    blockers = 0
    for i, question in enumerate(run.questions):
        given = [(a.user, a.answers[i]) for a in answers if i < len(a.answers) and a.answers[i]]
        if not given:
            continue
        lines += ["", f"*{question}*"]
        for user, text in given:
            flag = _is_blocker(question, text)
            blockers += flag
            lines.append(f"• {'⚠ ' if flag else ''}{user}: {quote(text)}")
    moods = [a.mood for a in answers if a.mood is not None]
    if moods:
        lines += ["", f"Confidence: average {sum(moods) / len(moods):.1f} of 5 ({len(moods)} answers)"]
    if blockers:
        lines += ["", _BLOCKER_HELP]
    if missing:
        lines += ["", "Not answered this time: " + ", ".join(missing)]
    day = run.scheduled_at.astimezone(load_zone(group.timezone)).strftime("%a %d %b")
    return Reply(
        "\n".join(lines),
        title=_SUMMARY_TITLE.format(name=quote(group.name), day=day),
        platform=group.platform,
        channel=group.channel,
    )


def _stats_text(
    group: StudyGroup, runs: Sequence[CheckinRun], answers: Sequence[CheckinAnswer], roster: Sequence[str]
) -> str:
    if not runs:
        return "No check-ins have run yet."
    by_run: dict[int, set[str]] = {}
    for a in answers:
        by_run.setdefault(a.run_id, set()).add(a.user)
    users = sorted(set(roster) | {a.user for a in answers})
    lines = ["Per member (answered / check-ins, current streak):"]
    for user in users:
        done = sum(1 for r in runs if user in by_run.get(r.id, set()))
        streak = 0
        for r in reversed(runs):
            if user not in by_run.get(r.id, set()):
                break
            streak += 1
        lines.append(f"• {user}: {done}/{len(runs)}, streak {streak}")
    lines += ["", "Per check-in:"]
    for r in runs[-8:]:
        count = len(by_run.get(r.id, set()))
        lines.append(f"• {_local(r.scheduled_at, group.timezone)}: {count} answered ({r.status})")
    return "\n".join(lines)


def _csv(group: StudyGroup, runs: Sequence[CheckinRun], answers: Sequence[CheckinAnswer]) -> str:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(["run_id", "scheduled_local", "scheduled_utc", "status", "user", "question", "answer", "mood"])
    by_run: dict[int, list[CheckinAnswer]] = {}
    for a in answers:
        by_run.setdefault(a.run_id, []).append(a)
    for run in runs:
        local = _local(run.scheduled_at, group.timezone)
        utc = run.scheduled_at.astimezone(UTC).isoformat()
        if run.id not in by_run:
            writer.writerow([run.id, local, utc, run.status, "", "", "", ""])
        for a in by_run.get(run.id, []):
            for question, text in zip(run.questions, a.answers, strict=False):
                writer.writerow([run.id, local, utc, run.status, a.user, question, text, a.mood or ""])
    return out.getvalue()


def _channel_name(current: str, channel: str | None) -> list[str]:
    """``checkin create``: a study group is bound to its channel, so offer the channel's name as the group's."""
    return list(dict.fromkeys(name for name in (current.strip(), channel) if name))
