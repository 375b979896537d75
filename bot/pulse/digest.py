"""The weekly digest: headline numbers, a few charts and the full report, posted to the staff channel; and each
facilitator's card for their group (:mod:`bot.pulse.cards`), by DM.

The job runs on every scheduler tick. When the week's digest time (``digest_day`` at ``digest_time`` in
``digest_timezone``) has passed, less than :data:`GRACE` ago, the first process to insert the claim row for that
week builds and posts it; every other process (another replica, a later tick) finds the row and does nothing. The
claim comes before the work, so a digest is sent at most once even if building it fails (the failure is logged).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule

from bot.events import Attachment, Reply
from bot.plural import counted
from bot.pulse import text
from bot.pulse.cards import facilitator_cards
from bot.pulse.charts import build_charts, png
from bot.pulse.render import file_stem, html_document, pct
from bot.pulse.report import Report, build_report, period_for
from bot.routing import STAFF, Channels
from bot.schedule import local_minute, local_time, parse_days, parse_time
from bot.scheduler import Job
from bot.settings import Settings
from storage import Database
from storage.reports import claim_digest

__all__ = ["DIGEST_CHARTS", "GRACE", "digest_job", "digest_replies", "headlines"]

log = logging.getLogger(__name__)

# A bot that was down at digest time still sends the digest if it is back within this long.
GRACE = timedelta(hours=24)
DIGEST_CHARTS = ("questions", "participation", "leads")


def _count_change(now: int, before: int) -> str:
    if before == 0:
        return text.NO_CHANGE if now == 0 else text.FROM_NONE
    if now == before:
        return text.NO_CHANGE
    return text.COUNT_CHANGE.format(change=(now - before) / before)


def _rate_change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return text.NOTHING_BEFORE
    return text.NO_CHANGE if now == before else text.RATE_CHANGE.format(change=(now - before) * 100)


def headlines(report: Report) -> list[str]:
    """The last week of the report against the week before: questions, helpfulness, study groups, meetings (when
    the period had any), leads and the top gap (when there is one)."""
    q, q0 = report.questions[-1], report.questions[-2] if len(report.questions) > 1 else None
    g, g0 = report.groups_weekly[-1], report.groups_weekly[-2] if len(report.groups_weekly) > 1 else None
    leads = report.leads
    weeks = len(report.period.weeks)
    median = leads.median_first_response_hours
    lines = [
        text.HEADLINE_QUESTIONS.format(
            asked=q.asked,
            change=_count_change(q.asked, q0.asked if q0 else 0),
            answered=q.answered,
            declined=q.declined,
        ),
        text.HEADLINE_HELPFUL.format(
            rate=pct(q.helpful_rate), change=_rate_change(q.helpful_rate, q0.helpful_rate if q0 else None)
        )
        if q.helpful_rate is not None
        else text.HEADLINE_NONE_RATED,
        text.HEADLINE_GROUPS.format(
            active=g.active_groups,
            held=counted(g.checkins_held, "check-in"),
            rate=pct(g.participation),
            change=_rate_change(g.participation, g0.participation if g0 else None),
            at_risk=len(report.at_risk),
        ),
        *_meetings_line(report),
        text.HEADLINE_LEADS.format(
            received=leads.weekly[-1],
            change=_count_change(leads.weekly[-1], leads.weekly[-2] if weeks > 1 else 0),
            weeks=counted(weeks, "week"),
            won=leads.won,
            lost=leads.lost,
            median=text.NO_MEDIAN if median is None else text.HOURS.format(hours=median),
        ),
    ]
    if report.top_gaps:
        top = report.top_gaps[0]
        lines.append(
            text.HEADLINE_GAP.format(
                example=top.examples[0], questions=counted(top.count, "question"), weeks=counted(weeks, "week")
            )
        )
    return lines


def _meetings_line(report: Report) -> list[str]:
    """The meetings headline, when the period had any meeting (none for a community that holds no meetings)."""
    m = report.meetings
    if m is None or not m.held:
        return []
    w, w0 = m.weeks[-1], m.weeks[-2] if len(m.weeks) > 1 else None
    return [
        text.HEADLINE_MEETINGS.format(
            held=w.held,
            change=_count_change(w.held, w0.held if w0 else 0),
            rate=pct(w.attendance),
            rate_change=_rate_change(w.attendance, w0.attendance if w0 else None),
            reflections=counted(w.reflections, "reflection"),
        )
    ]


def _quiet(report: Report, weeks: slice) -> bool:
    """Whether nothing the headlines count happened in ``weeks`` of the report."""
    return not any(
        [
            *(q.asked for q in report.questions[weeks]),
            *(g.active_groups or g.checkins_held for g in report.groups_weekly[weeks]),
            *report.leads.weekly[weeks],
            *(w.held for w in (report.meetings.weeks[weeks] if report.meetings else ())),
        ]
    )


def digest_replies(report: Report, channel: str) -> list[Reply]:
    """The digest as messages for ``channel``: headlines, one per chart (PNG attached), and the HTML report.

    A week with no activity gets one line saying so instead of headlines of zeros; when the whole period was
    that quiet, the empty charts and report are left out too.
    """
    week = report.period.weeks[-1]
    title = text.DIGEST_TITLE.format(week=week)
    if _quiet(report, slice(-1, None)):
        out = [Reply(text.DIGEST_NO_ACTIVITY.format(week=week), title=title, channel=channel)]
        if _quiet(report, slice(None)):
            return _keyed(out, week)
    else:
        out = [Reply("\n".join(headlines(report)), title=title, channel=channel)]
    stem = file_stem(report)
    charts = [(chart, png(chart)) for chart in build_charts(report)]
    for chart, data in charts:
        if chart.name in DIGEST_CHARTS:
            image = Attachment(f"{stem}-{chart.name}.png", data=data, content_type="image/png")
            out.append(Reply(text.DIGEST_CHART.format(title=chart.title, week=week), channel=channel, attachment=image))
    page = Attachment(f"{stem}.html", html_document(report, charts), content_type="text/html; charset=utf-8")
    p = report.period
    out.append(Reply(text.DIGEST_REPORT.format(since=p.since, until=p.until), channel=channel, attachment=page))
    return _keyed(out, week)


def _keyed(replies: list[Reply], week: str) -> list[Reply]:
    return [
        Reply(r.text, title=r.title, channel=r.channel, attachment=r.attachment, key=f"pulse:{week}:{n}")
        for n, r in enumerate(replies)
    ]


def _last_due(now: datetime, settings: Settings, zone: ZoneInfo) -> datetime:
    local_now = local_minute(now, zone)
    at = parse_time(settings.digest_time)
    assert settings.digest_day is not None
    rule = rrule(
        WEEKLY,
        byweekday=parse_days(settings.digest_day),
        byhour=at.hour,
        byminute=at.minute,
        bysecond=0,
        dtstart=local_now - timedelta(days=8),
    )
    due = rule.before(local_now, inc=True)
    assert due is not None  # a weekly rule always has an occurrence in the last eight days
    return local_time(due, zone)


def digest_job(settings: Settings, channels: Channels) -> Job | None:
    """The scheduler job that posts the weekly digest, or None when ``digest_day`` is not set."""
    if settings.digest_day is None or not channels.configured(STAFF):
        return None
    channel = STAFF
    zone = ZoneInfo(settings.digest_timezone)

    async def post_digest(db: Database, now: datetime) -> list[Reply]:
        due = _last_due(now, settings, zone)
        if due > now or now - due > GRACE:  # due > now: a digest time in a DST gap, not reached yet
            return []
        period = period_for(None, None, settings.digest_timezone, due.astimezone(zone).date())
        if not await claim_digest(db, f"weekly:{period.weeks[-1]}", now):
            return []
        log.info("posting the pulse digest for %s", period.weeks[-1])
        report = await build_report(db, period)
        # Drawing charts is CPU work: keep the event loop free for chat events.
        replies = await asyncio.to_thread(digest_replies, report, channel)
        return replies + await facilitator_cards(db, report)

    return post_digest
