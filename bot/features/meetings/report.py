"""``meetings report [csv]`` (facilitators): attendance and reflections over the weeks, and a CSV export.

Attendance counts RSVPs ("going") and check-in answers: a check-in counts for a meeting when it was due from a day
before the meeting started to a day after it ended (a check-in tied to meetings falls there).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from bot.csvsafe import SafeWriter
from bot.errors import UsageError
from bot.events import Attachment, Reply, Visibility
from bot.feature import Context, Replies
from bot.features.checkins.common import group_here, require_facilitator
from bot.features.meetings import text
from bot.plural import counted
from bot.usertext import quote
from bot.when import at
from storage.checkins import answers_for_runs, members, runs_of_group
from storage.meeting_notes import Reflection, reflections, rsvps
from storage.meetings import Meeting, group_meetings

__all__ = ["report"]

_AROUND = timedelta(days=1)


@dataclass(frozen=True)
class _Row:
    """What one meeting came to."""

    meeting: Meeting
    answers: dict[str, str]
    checked_in: set[str]
    found: list[Reflection] = field(default_factory=list)
    roster: set[str] = field(default_factory=set)

    @property
    def going(self) -> int:
        return sum(1 for a in self.answers.values() if a == "yes")


async def report(ctx: Context, args: str) -> Replies:
    """``meetings report [csv]``: one line per meeting so far (or the whole table as CSV)."""
    group = await group_here(ctx)
    await require_facilitator(ctx, group)
    given = args.strip()
    if given and given.lower() != "csv":
        raise UsageError(text.REPORT_USAGE.format(given=quote(repr(given))))
    async with ctx.db.session() as session:
        meetings = [m for m in await group_meetings(session, group.id) if m.starts_at <= ctx.now]
        answers = await rsvps(session, [m.id for m in meetings])
        found = await reflections(session, [m.id for m in meetings])
        roster = {m.user for m in await members(session, group.id)}
        runs = await runs_of_group(session, group.id)
        checkins = await answers_for_runs(session, [r.id for r in runs])
    rows = []
    for m in meetings:
        near = {r.id for r in runs if m.starts_at - _AROUND <= r.scheduled_at <= m.ends_at + _AROUND}
        checked = {a.user for a in checkins if a.run_id in near}
        rows.append(_Row(m, answers[m.id], checked, [r for r in found if r.meeting_id == m.id], roster))
    title = text.REPORT_TITLE.format(name=quote(group.name))
    if given:
        csv_text = _csv(rows)
        return [
            Reply(
                text.EXPORTED.format(meetings=counted(len(rows), "meeting")),
                visibility=Visibility.EPHEMERAL,
                attachment=Attachment(text.EXPORT_FILE, csv_text),
            )
        ]
    return [Reply(_text(rows), title=title, visibility=Visibility.EPHEMERAL)]


def _text(rows: Sequence[_Row]) -> str:
    if not rows:
        return text.REPORT_NONE
    lines = []
    held = [r for r in rows if not r.meeting.cancelled]
    for row in rows:
        when = at(row.meeting.starts_at, row.meeting.timezone)
        if row.meeting.cancelled:
            lines.append(text.REPORT_CANCELLED.format(when=when))
            continue
        rated = [r.rating for r in row.found if r.rating is not None]
        rating = text.REPORT_RATING.format(average=sum(rated) / len(rated)) if rated else ""
        lines.append(
            text.REPORT_LINE.format(
                when=when,
                going=row.going,
                not_going=len(row.answers) - row.going,
                checked_in=len(row.checked_in),
                reflections=len(row.found),
                rating=rating,
            )
        )
    if held:
        going = sum(r.going for r in held) / len(held)
        checked_in = sum(len(r.checked_in) for r in held) / len(held)
        lines += ["", text.REPORT_TOTALS.format(held=len(held), going=going, checked_in=checked_in)]
    return "\n".join(lines)


def _csv(rows: Sequence[_Row]) -> str:
    """One line per person and meeting (every member, and anyone else who answered, checked in or reflected), cells
    formula-safe."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(text.EXPORT_COLUMNS)
    for row in rows:
        m = row.meeting
        by_user = {r.user: r for r in row.found}
        users = sorted(row.roster | set(row.answers) | row.checked_in | set(by_user)) or [""]
        for user in users:
            mine = by_user.get(user)
            writer.writerow(
                [
                    m.local_start.replace("T", " "),
                    m.starts_at.astimezone(UTC).isoformat(),
                    m.status,
                    user,
                    row.answers.get(user, ""),
                    "yes" if user in row.checked_in else ("" if not user else "no"),
                    mine.plus if mine else "",
                    mine.delta if mine else "",
                    mine.rating if mine and mine.rating is not None else "",
                ]
            )
    return out.getvalue()
