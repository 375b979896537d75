"""What came of the check-ins: the summary at close, ``checkin stats`` and ``checkin export`` (CSV)."""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime

from bot import when
from bot.csvsafe import SafeWriter
from bot.events import Attachment, Reply, Visibility
from bot.feature import Context, Replies
from bot.features.checkins import text
from bot.features.checkins.blocking import blocker_question, reports_blocker
from bot.features.checkins.common import group_here, local, require_facilitator
from bot.plural import counted
from bot.usertext import quote
from bot.zones import load_zone
from storage.checkins import answers_for_runs, members, runs_of_group
from storage.prefs import away_users
from storage.records import CheckinAnswer, CheckinRun, StudyGroup

__all__ = ["export", "stats", "summary"]

_RUNS_IN_STATS = 8


async def stats(ctx: Context, args: str) -> Replies:
    """``checkin stats``: each member's answers and streak, and the last check-ins (missed ones left out)."""
    group = await group_here(ctx)
    async with ctx.db.session() as session:
        runs = [r for r in await runs_of_group(session, group.id) if r.status != "missed"]
        answers = await answers_for_runs(session, [r.id for r in runs])
        roster = await members(session, group.id)
        users = [m.user for m in roster]
        away = {r.id: await away_users(session, group.platform, users, r.scheduled_at, group.timezone) for r in runs}
    return [
        Reply(
            _stats_text(group, runs, answers, {m.user: m.joined_at for m in roster}, away),
            title=text.STATS_TITLE.format(name=quote(group.name)),
            visibility=Visibility.EPHEMERAL,
        )
    ]


async def export(ctx: Context, args: str) -> Replies:
    """``checkin export`` (facilitators): every run and answer of the group as a CSV file."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    async with ctx.db.session() as session:
        runs = await runs_of_group(session, group.id)
        answers = await answers_for_runs(session, [r.id for r in runs])
    return [
        Reply(
            text.EXPORTED.format(runs=counted(len(runs), "check-in")),
            visibility=Visibility.EPHEMERAL,
            attachment=Attachment(text.EXPORT_FILE, _csv(group, runs, answers)),
        )
    ]


def summary(
    group: StudyGroup,
    run: CheckinRun,
    answers: Sequence[CheckinAnswer],
    roster: Sequence[str],
    away: Collection[str] = (),
    unsent: Sequence[CheckinAnswer] = (),
) -> Reply:
    """The summary posted to the group's channel when ``run`` closes: who answered what, blockers flagged.

    Members ``away`` that day (``me away``) who did not answer are named as away, not counted as missing. What
    members began and did not send before the close (``unsent``) is shown too, marked partial, and counted apart.
    """
    answered = {a.user for a in answers}
    unsent = [a for a in unsent if a.user not in answered]
    partly = {a.user for a in unsent}
    resting = sorted(u for u in set(roster) if u in away and u not in answered | partly)
    expected = sorted((set(roster) | answered | partly) - set(resting))
    missing = [u for u in expected if u not in answered | partly]
    rate = len(answered) / len(expected) if expected else 0.0
    head = text.ANSWERED.format(answered=len(answered), expected=len(expected), rate=rate)
    lines = [head + (text.ANSWERED_PARTLY.format(count=len(partly)) if partly else "")]
    blockers, asked = 0, blocker_question(run.questions)
    for i, question in enumerate(run.questions):
        given = [
            (a.user + (text.PARTIAL if a.user in partly else ""), a.answers[i])
            for a in (*answers, *unsent)
            if i < len(a.answers) and a.answers[i]
        ]
        if not given:
            continue
        lines += ["", text.SUMMARY_QUESTION.format(question=question)]
        for user, said in given:
            flag = i == asked and reports_blocker(said)
            blockers += flag
            lines.append(
                text.SUMMARY_ANSWER.format(flag=text.BLOCKER_FLAG if flag else "", user=user, text=quote(said))
            )
    moods = [a.mood for a in (*answers, *unsent) if a.mood is not None]
    if moods:
        lines += ["", text.CONFIDENCE.format(average=sum(moods) / len(moods), answers=counted(len(moods), "answer"))]
    if blockers:
        lines += ["", text.BLOCKER_HELP]
    if missing:
        lines += ["", text.NOT_ANSWERED.format(users=", ".join(missing))]
    if resting:
        lines += ["", text.AWAY.format(users=", ".join(resting))]
    day = run.scheduled_at.astimezone(load_zone(group.timezone)).strftime(text.DAY)
    return Reply(
        "\n".join(lines),
        title=text.SUMMARY_TITLE.format(name=quote(group.name), day=day),
        platform=group.platform,
        channel=group.channel,
    )


def _stats_text(
    group: StudyGroup,
    runs: Sequence[CheckinRun],
    answers: Sequence[CheckinAnswer],
    roster: Mapping[str, datetime | None],
    away: Mapping[int, Collection[str]],
) -> str:
    """Per member, the check-ins answered of those held since they joined (or answered anyway), and the streak.

    A check-in a member was away for (``me away``) and did not answer is counted apart: it is not one they missed,
    so it is left out of their total and does not end their streak.
    """
    if not runs:
        return text.NO_RUNS_YET
    by_run: dict[int, set[str]] = {}
    for a in answers:
        by_run.setdefault(a.run_id, set()).add(a.user)
    users = sorted(set(roster) | {a.user for a in answers})
    lines = [text.PER_MEMBER]
    for user in users:
        joined = roster.get(user)
        held = [r for r in runs if joined is None or r.scheduled_at >= joined or user in by_run.get(r.id, set())]
        resting = [r for r in held if user in away.get(r.id, ()) and user not in by_run.get(r.id, set())]
        theirs = [r for r in held if r not in resting]
        done = sum(1 for r in theirs if user in by_run.get(r.id, set()))
        streak = 0
        for r in reversed(theirs):
            if user not in by_run.get(r.id, set()):
                break
            streak += 1
        line = text.MEMBER_LINE.format(user=user, done=done, total=len(theirs), streak=streak)
        if resting:
            line += text.MEMBER_AWAY.format(runs=counted(len(resting), "check-in"))
        lines.append(line)
    lines += ["", text.PER_RUN]
    for r in runs[-_RUNS_IN_STATS:]:
        answered = by_run.get(r.id, set())
        resting_count = len(set(away.get(r.id, ())) - answered)
        said_away = text.RUN_AWAY.format(count=resting_count) if resting_count else ""
        when = local(r.scheduled_at, group.timezone)
        lines.append(text.RUN_LINE.format(when=when, count=len(answered), away=said_away, status=r.status))
    return "\n".join(lines)


def _csv(group: StudyGroup, runs: Sequence[CheckinRun], answers: Sequence[CheckinAnswer]) -> str:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(list(text.EXPORT_COLUMNS))
    by_run: dict[int, list[CheckinAnswer]] = {}
    for a in answers:
        by_run.setdefault(a.run_id, []).append(a)
    for run in runs:
        scheduled = when.local(run.scheduled_at, group.timezone)  # a file has no reader to localize for
        utc = run.scheduled_at.astimezone(UTC).isoformat()
        if run.id not in by_run:
            writer.writerow([run.id, scheduled, utc, run.status, "", "", "", ""])
        for a in by_run.get(run.id, []):
            for question, said in zip(run.questions, a.answers, strict=False):
                writer.writerow([run.id, scheduled, utc, run.status, a.user, question, said, a.mood or ""])
    return out.getvalue()
