"""The weekly digest: posted once per week across replicas, at the configured local time, with charts and report."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import matplotlib.image
import pytest

from adapters.console import ConsoleAdapter
from bot.events import Reply, Visibility
from bot.main.wiring import BotApp
from bot.pulse.charts import build_charts
from bot.pulse.digest import digest_job, headlines
from bot.pulse.render import html_document
from bot.pulse.report import build_report, period_for
from bot.routing import Channels
from storage import Database
from storage.questions import log_question
from tests.conftest import DbTarget, make_settings
from tests.pulse.seed import Seeded

# Monday 16 November 2026, 09:00 in Berlin (CET, UTC+1).
DUE = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
HEADLINES = "\n".join(
    [
        "Questions: 7 asked (same as the week before), 5 answered, 2 declined.",
        "Helpful: 25% of rated answers (nothing to compare with the week before).",
        "Study groups: 3 active, 3 check-ins, participation 50% (-20 points on the week before); 1 at risk.",
        "Meetings: 1 held (same as the week before), attendance 25% (-25 points on the week before), 0 reflections.",
        "Leads: 1 received (same as the week before); over 8 weeks 2 won, 1 lost, median first response 2.0 h.",
        "Top gap: “How do I find a co-facilitator?” (9 questions in 8 weeks).",
    ]
)
STEM = "pulse-2026-09-21-2026-11-15"


@pytest.fixture
async def replicas(db_target: DbTarget, tmp_path: Path, seeded: Seeded) -> AsyncIterator[tuple[BotApp, BotApp]]:
    """Two bots on the same (seeded) database, digest on Mondays at 09:00 Berlin time."""
    apps = []
    for name in ("a", "b"):
        settings = make_settings(
            db_target, tmp_path / name, digest_day="mon", digest_time="09:00", digest_timezone="Europe/Berlin"
        )
        app = BotApp(settings)
        await app.start()
        apps.append(app)
    yield apps[0], apps[1]
    for app in apps:
        await app.close()


def digests(replies: list[Reply]) -> list[Reply]:
    """The staff digest's messages (not the facilitators' cards, not other jobs' messages)."""
    return [r for r in replies if re.fullmatch(r"pulse:[0-9]{4}-W[0-9]{2}:[0-9]+", r.key or "")]


def cards(replies: list[Reply]) -> list[Reply]:
    return [r for r in replies if ":card:" in (r.key or "")]


async def tick_all(a: BotApp, b: BotApp, now: datetime) -> list[Reply]:
    first, second = await asyncio.gather(a.scheduler.tick(now), b.scheduler.tick(now))
    return first + second


async def tick_both(a: BotApp, b: BotApp, now: datetime) -> list[Reply]:
    return digests(await tick_all(a, b, now))


async def test_two_replicas_post_the_digest_once(replicas: tuple[BotApp, BotApp]) -> None:
    """Both replicas tick at 09:00 Berlin: one digest; later ticks that week add nothing; next Monday, the next one."""
    a, b = replicas
    assert await tick_both(a, b, DUE - timedelta(minutes=1)) == []
    posted = await tick_both(a, b, DUE)
    assert [r.key for r in posted] == [f"pulse:2026-W46:{n}" for n in range(5)]
    assert all(r.channel == "staff" for r in posted)
    headline = posted[0]
    assert headline.title == "Community pulse: week 2026-W46" and headline.text == HEADLINES
    assert headline.attachment is None
    assert [r.text for r in posted[1:4]] == [
        "Questions per week (week 2026-W46)",
        "Check-in participation per week (week 2026-W46)",
        "Leads received per week (week 2026-W46)",
    ]
    for reply, name in zip(posted[1:4], ("questions", "participation", "leads"), strict=True):
        assert reply.attachment is not None and reply.attachment.data is not None
        assert (reply.attachment.filename, reply.attachment.content_type) == (f"{STEM}-{name}.png", "image/png")
        image = matplotlib.image.imread(io.BytesIO(reply.attachment.data), format="png")
        assert image.shape[:2] == (450, 800)
    page = posted[4]
    assert page.text == "The full report for 2026-09-21 to 2026-11-15: open the attached HTML file in a browser."
    assert page.attachment is not None and page.attachment.filename == f"{STEM}.html"
    assert page.attachment.content_type == "text/html; charset=utf-8"
    assert not re.search(r"https?://", page.attachment.content)
    assert page.attachment.content.count('src="data:image/png;base64,') == 4
    for later in (DUE + timedelta(minutes=1), DUE + timedelta(hours=5), DUE + timedelta(days=6)):
        assert await tick_both(a, b, later) == []
    following = await tick_both(a, b, DUE + timedelta(weeks=1))
    assert [r.key for r in following] == [f"pulse:2026-W47:{n}" for n in range(5)]
    # The seeded question on Monday 16 November (01:00 Berlin) is the only one of week 47.
    assert following[0].text.splitlines()[0] == "Questions: 1 asked (-86% on the week before), 0 answered, 1 declined."


async def test_a_bot_down_all_day_skips_that_week(replicas: tuple[BotApp, BotApp]) -> None:
    """Back within a day of the digest time: it is sent then; back later than that: that week is skipped."""
    a, b = replicas
    assert len(await tick_both(a, b, DUE + timedelta(hours=23, minutes=59))) == 5
    assert await tick_both(a, b, DUE + timedelta(weeks=1, hours=24, minutes=1)) == []


async def test_console_saves_the_attachments_and_prints_their_paths(
    replicas: tuple[BotApp, BotApp], tmp_path: Path
) -> None:
    """Through the console adapter, each chart and the report land in files whose paths are printed."""
    a, b = replicas
    out = io.StringIO()
    console = ConsoleAdapter(a.dispatcher.handle, out, export_dir=tmp_path / "exports")
    for reply in await tick_both(a, b, DUE):
        await console.show(reply)
    text = out.getvalue()
    for name in (f"{STEM}-questions.png", f"{STEM}-participation.png", f"{STEM}-leads.png", f"{STEM}.html"):
        path = tmp_path / "exports" / name
        assert f"Saved {name} to {path}" in text
        assert path.stat().st_size > 1000
    png = (tmp_path / "exports" / f"{STEM}-questions.png").read_bytes()
    assert matplotlib.image.imread(io.BytesIO(png), format="png").shape[:2] == (450, 800)
    assert "[posted to #staff]\n== Community pulse: week 2026-W46 ==\n" + HEADLINES in text


async def test_facilitators_get_their_groups_card_by_dm_once(replicas: tuple[BotApp, BotApp], seeded: Seeded) -> None:
    """Each facilitator of a group that met gets one DM: attendance and participation, their change, risk, and the
    blockers."""
    a, b = replicas
    sent = cards(await tick_all(a, b, DUE))
    g = seeded.groups
    assert [(r.platform, r.user, r.visibility, r.channel, r.key) for r in sent] == [
        ("slack", "fay", Visibility.DM, None, f"pulse:2026-W46:card:{g['Maps Circle']}:fay"),
        ("slack", "gil", Visibility.DM, None, f"pulse:2026-W46:card:{g['Python Circle']}:gil"),
        ("slack", "kim", Visibility.DM, None, f"pulse:2026-W46:card:{g['Design Circle']}:kim"),
    ]
    assert [(r.title, r.text) for r in sent] == [
        (
            "Your group this week: Maps Circle (2026-W46)",
            "Attendance: 25% of members said Going to this week's meeting (-25 points on the week before).\n"
            "Meeting attendance has fallen three weeks running: ask members what would help them come.\n"
            "Participation: 25% of members answered the check-in (-25 points on the week before).\n"
            "Participation has fallen three weeks running: a word with those who missed it might help.\n"
            "Blockers reported (1):\n"
            "• fay: stuck on the map projections",
        ),
        (
            "Your group this week: Python Circle (2026-W46)",
            "Participation: 50% of members answered the check-in (-50 points on the week before).\n"
            "No blockers reported.",
        ),
        (
            "Your group this week: Design Circle (2026-W46)",
            "Participation: 100% of members answered the check-in (+50 points on the week before).\n"
            "No blockers reported.",
        ),
    ]
    assert cards(await tick_all(a, b, DUE + timedelta(minutes=1))) == []


async def test_a_week_with_no_activity_says_so_in_one_line(db_target: DbTarget, tmp_path: Path) -> None:
    """On a fresh install the digest is one line saying nothing happened: no headlines of zeros, no empty charts."""
    settings = make_settings(db_target, tmp_path, digest_day="mon")
    app = BotApp(settings)
    await app.start()
    try:
        out = io.StringIO()
        console = ConsoleAdapter(app.dispatcher.handle, out, export_dir=tmp_path / "exports")
        for reply in digests(await app.scheduler.tick(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))):
            await console.show(reply)
    finally:
        await app.close()
    assert out.getvalue() == (
        "[posted to #staff]\n== Community pulse: week 2026-W09 ==\n"
        "No activity in week 2026-W09: no questions asked, no study group check-ins or meetings, no leads received.\n\n"
    )


async def test_a_quiet_week_after_busy_ones_keeps_the_charts(replicas: tuple[BotApp, BotApp]) -> None:
    """A week with nothing in it after weeks with activity: the one line, then the charts and the report."""
    a, b = replicas
    posted = await tick_both(a, b, DUE + timedelta(weeks=2))
    assert [r.key for r in posted] == [f"pulse:2026-W48:{n}" for n in range(5)]
    assert posted[0].text == (
        "No activity in week 2026-W48: no questions asked, no study group check-ins or meetings, no leads received."
    )
    assert posted[1].text == "Questions per week (week 2026-W48)"


async def test_one_check_in_is_said_in_the_singular(db: Database, seeded: Seeded) -> None:
    """ "1 active, 1 check-in", not "1 check-ins"."""
    report = await build_report(db, period_for(None, None, "UTC", date(2026, 11, 16)))
    last = dataclasses.replace(report.groups_weekly[-1], active_groups=1, checkins_held=1)
    report = dataclasses.replace(report, groups_weekly=(*report.groups_weekly[:-1], last))
    assert headlines(report)[2].startswith("Study groups: 1 active, 1 check-in, participation ")


async def test_a_week_with_no_rated_answer_says_so(db: Database, seeded: Seeded) -> None:
    """ "Helpful: n/a of rated answers (...)" read as a figure; a week where nobody rated an answer now says so."""
    report = await build_report(db, period_for(None, None, "UTC", date(2026, 11, 16)))
    last = dataclasses.replace(report.questions[-1], helpful=0, not_helpful=0, helpful_rate=None)
    report = dataclasses.replace(report, questions=(*report.questions[:-1], last))
    assert headlines(report)[1] == "Helpful: no answer was rated this week."


def test_no_digest_without_a_day(db_target: DbTarget, tmp_path: Path) -> None:
    """With digest_day unset there is no digest job at all."""
    assert digest_job(make_settings(db_target, tmp_path), Channels({})) is None


async def test_contact_details_in_questions_are_masked_in_the_digest_and_report(db: Database) -> None:
    """A member pasted an email and a phone number into a question: the digest's top gap, the report's gaps table,
    its chart and its JSON show [email] and [phone]; the date in the question stays."""
    asked = "my email is Dana@Private.org, call +1 (555) 123-4567 about a refund from 2026-11-10"
    async with db.session() as session:
        await log_question(session, "slack", asked, None, 0.2, DUE - timedelta(days=3))
    report = await build_report(db, period_for(None, None, "UTC", DUE.date()))
    shown = "my email is [email], call [phone] about a refund from 2026-11-10"
    assert headlines(report)[-1] == f"Top gap: “{shown}” (1 question in 8 weeks)."
    assert report.to_json()["top_gaps"] == [{"count": 1, "examples": [shown]}]
    assert f"<tbody><tr><td>1</td><td>{shown}</td></tr></tbody>" in html_document(report, [])
    gaps = next(c for c in build_charts(report) if c.name == "gaps")
    assert [t.get_text() for t in gaps.figure.axes[0].get_yticklabels()] == [shown[:47] + "…"]
