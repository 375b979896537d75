"""`communitybot report`: the exact numbers over six seeded weeks, and the three output formats."""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import date
from pathlib import Path

import matplotlib.image
import pytest

from bot.errors import UsageError
from bot.main.cli import main
from bot.pulse.charts import HEIGHT, WIDTH
from bot.pulse.render import _md_cell
from bot.pulse.report import build_report, cluster_gaps, period_for
from storage import Database
from tests.conftest import DbTarget
from tests.pulse.seed import SINCE, UNTIL, Seeded

WEEKS = ["2026-W41", "2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46"]


def expected(seeded: Seeded) -> dict[str, object]:
    """The report worked out by hand from the tables in seed.py."""
    q = [
        (10, 8, 2, 3, 1, 0.75),
        (12, 9, 3, 4, 0, 1.0),
        (7, 6, 1, 2, 2, 0.5),
        (14, 10, 4, 5, 1, 0.8333),
        (7, 7, 0, 0, 0, None),
        (7, 5, 2, 1, 3, 0.25),
    ]
    keys = ("asked", "answered", "declined", "helpful", "not_helpful", "helpful_rate")
    g = seeded.groups
    return {
        "period": {"since": SINCE, "until": UNTIL, "timezone": "UTC", "weeks": WEEKS},
        "questions": {
            "weeks": [{"week": w, **dict(zip(keys, row, strict=True))} for w, row in zip(WEEKS, q, strict=True)],
            "total": {"week": "total", **dict(zip(keys, (57, 45, 12, 15, 7, 0.6818), strict=True))},
        },
        "top_recipes": [
            {"recipe_id": "start-a-circle", "given": 20, "helpful": 15, "not_helpful": 0},
            {"recipe_id": "find-a-venue", "given": 14, "helpful": 0, "not_helpful": 7},
            {"recipe_id": "facilitation-tips", "given": 11, "helpful": 0, "not_helpful": 0},
        ],
        "top_gaps": [
            {
                "count": 8,
                "examples": [
                    "How do I find a co-facilitator?",
                    "how do I find a co-facilitator for my learning circle",
                    "Finding a co-facilitator",
                ],
            },
            {"count": 7, "examples": ["Where can we meet for free?", "where can our circle meet for free"]},
            {
                "count": 4,
                "examples": [
                    "Is there a certificate for finishing a course?",
                    "Do learners get a certificate when they finish a course?",
                ],
            },
        ],
        "study_groups": {
            "active_groups": 3,
            "checkins_held": 13,
            "weeks": [
                {"week": w, "active_groups": a, "checkins_held": h, "participation": p}
                for w, (a, h, p) in zip(
                    WEEKS,
                    [(2, 2, 0.8571), (2, 2, 1.0), (1, 1, 1.0), (2, 2, 0.75), (3, 3, 0.7), (3, 3, 0.5)],
                    strict=True,
                )
            ],
            "groups": [
                {
                    "id": g["Design Circle"],
                    "name": "Design Circle",
                    "checkins": 2,
                    "participation": 0.75,
                    "weekly": [None, None, None, None, 0.5, 1.0],
                    "trend": 50.0,
                    "at_risk": False,
                },
                {
                    "id": g["Maps Circle"],
                    "name": "Maps Circle",
                    "checkins": 6,
                    "participation": 0.75,
                    "weekly": [1.0, 1.0, 1.0, 0.75, 0.5, 0.25],
                    "trend": -15.7,
                    "at_risk": True,
                },
                {
                    "id": g["Python Circle"],
                    "name": "Python Circle",
                    "checkins": 5,
                    "participation": 0.7778,
                    "weekly": [0.6667, 1.0, None, 0.75, 1.0, 0.5],
                    "trend": -2.5,
                    "at_risk": False,
                },
            ],
            "at_risk": [g["Maps Circle"]],
        },
        "leads": {
            "received": 5,
            "weeks": [{"week": w, "received": n} for w, n in zip(WEEKS, [1, 1, 1, 0, 1, 1], strict=True)],
            "by_status": {"new": 1, "contacted": 1, "qualified": 0, "proposal": 0, "won": 1, "lost": 1, "spam": 1},
            "responded": 4,
            "median_first_response_hours": 3.0,
            "won": 1,
            "lost": 1,
        },
        "escalations": {  # see ESCALATIONS in seed.py: answered in 2, 6 and 1 hours
            "total": 4,
            "by_outcome": {"peer": 1, "staff": 1, "solved": 1, "open": 1},
            "answered": 3,
            "median_hours_to_human": 2.0,
        },
        "meetings": {
            "held": 9,
            "attendance": 0.7353,  # 25 going of 34 members
            "weeks": [
                {"week": w, "held": h, "attendance": a, "reflections": 0}
                for w, (h, a) in zip(
                    WEEKS, [(2, 1.0), (2, 0.8571), (1, 1.0), (2, 0.625), (1, 0.5), (1, 0.25)], strict=True
                )
            ],
            "groups": [
                {
                    "id": g["Maps Circle"],
                    "name": "Maps Circle",
                    "held": 6,
                    "attendance": 0.75,
                    "weekly": [1.0, 1.0, 1.0, 0.75, 0.5, 0.25],
                    "trend": -15.7,
                    "at_risk": True,
                    "held_weekly": [1, 1, 1, 1, 1, 1],
                },
                {
                    "id": g["Python Circle"],
                    "name": "Python Circle",
                    "held": 3,  # the third week's meeting was cancelled
                    "attendance": 0.7,  # 7 of 3 + 3 + 4 (jo joined in the fourth week)
                    "weekly": [1.0, 0.6667, None, 0.5, None, None],
                    "trend": -15.5,
                    "at_risk": False,  # three weeks of meetings only
                    "held_weekly": [1, 1, 0, 1, 0, 0],
                },
            ],
            "at_risk": [g["Maps Circle"]],
        },
        "not_tracked": {},
    }


def run_report(target: DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> list[Path]:
    """Run `communitybot report ...` in this process against the test database; returns the files it printed."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", target.url)
    monkeypatch.setenv("COMMUNITYBOT_DATA_DIR", str(tmp_path / "data"))
    if target.schema:
        monkeypatch.setenv("COMMUNITYBOT_DATABASE_SCHEMA", target.schema)
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    assert main(["report", *args]) == 0
    return [Path(line) for line in out.getvalue().splitlines()]


def test_json_report_has_the_exact_numbers(
    seeded: Seeded, db_target: DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`report --format json` over the six seeded weeks gives every number worked out by hand."""
    (path,) = run_report(db_target, tmp_path, monkeypatch, "--since", SINCE, "--until", UNTIL, "--format", "json")
    assert path == Path("reports") / f"pulse-{SINCE}-{UNTIL}.json"
    assert json.loads((tmp_path / path).read_text()) == expected(seeded)


def test_html_report_is_self_contained_with_every_chart(
    seeded: Seeded, db_target: DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HTML loads nothing from outside, embeds the four charts as PNGs of the right size, and has the tables."""
    args = ("--since", SINCE, "--until", UNTIL, "--out", "out", "--format", "html")
    (path,) = run_report(db_target, tmp_path, monkeypatch, *args)
    html = (tmp_path / path).read_text()
    assert not re.search(r"https?://", html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    sources = re.findall(r'src="([^"]*)"', html)
    charts = re.findall(r'data-chart="([^"]*)"', html)
    assert charts == ["questions", "gaps", "participation", "leads"]
    assert len(sources) == 4 and all(s.startswith("data:image/png;base64,") for s in sources)
    for source in sources:
        image = matplotlib.image.imread(io.BytesIO(base64.b64decode(source.split(",", 1)[1])), format="png")
        assert image.shape[:2] == (HEIGHT, WIDTH)
    assert "<h1>Community pulse: 2026-10-05 to 2026-11-15</h1>" in html
    assert "<td>total</td><td>57</td><td>45</td><td>12</td><td>15</td><td>7</td><td>68%</td>" in html
    assert "<h3>Groups at risk (participation fell three weeks running)</h3><p>Maps Circle</p>" in html
    assert "Won 1, lost 1. Median first response by staff: 3.0 h (4 of 5 answered)." in html
    assert "<h3>Groups at risk (meeting attendance fell three weeks running)</h3><p>Maps Circle</p>" in html
    assert "<td>2026-W44</td><td>2</td><td>62%</td>" in html
    assert "<td>solved</td><td>1</td></tr><tr><td>open</td><td>1</td></tr><tr><td>total</td><td>4</td>" in html
    assert "Median time to a human answer: 2.0 h (3 of 4 answered)." in html


def test_markdown_report_has_pngs_beside_it(
    seeded: Seeded, db_target: DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--format md` writes the Markdown and one PNG per chart next to it, linked by relative name."""
    paths = run_report(db_target, tmp_path, monkeypatch, "--since", SINCE, "--until", UNTIL, "--format", "md")
    stem = f"pulse-{SINCE}-{UNTIL}"
    assert [p.name for p in paths] == [
        f"{stem}.md",
        f"{stem}-questions.png",
        f"{stem}-participation.png",
        f"{stem}-leads.png",
        f"{stem}-gaps.png",
    ]
    md = (tmp_path / paths[0]).read_text()
    for png in paths[1:]:
        assert f"]({png.name})" in md
        assert matplotlib.image.imread(tmp_path / png).shape[:2] == (HEIGHT, WIDTH)
    assert "| total | 57 | 45 | 12 | 15 | 7 | 68% |" in md
    assert "| Maps Circle | 6 | 75% | 100% 100% 100% 75% 50% 25% | -15.7 | yes |" in md
    assert "| Python Circle | 3 | 70% | 100% 67% – 50% – – | -15.5 |  |" in md


async def test_default_period_is_the_last_eight_full_weeks(db: Database) -> None:
    """With no dates, the report covers the eight ISO weeks before the current one, Monday to Sunday."""
    period = period_for(None, None, "Europe/Berlin", date(2026, 11, 27))
    assert (period.since, period.until) == (date(2026, 9, 28), date(2026, 11, 22))
    assert period.weeks[0] == "2026-W40" and period.weeks[-1] == "2026-W47" and len(period.weeks) == 8
    assert period.bounds[0].isoformat() == "2026-09-28T00:00:00+02:00"
    assert period.bounds[-1].isoformat() == "2026-11-23T00:00:00+01:00"  # after the switch to winter time
    empty = (await build_report(db, period)).to_json()
    assert empty["questions"]["total"] == {  # type: ignore[index]
        "week": "total",
        "asked": 0,
        "answered": 0,
        "declined": 0,
        "helpful": 0,
        "not_helpful": 0,
        "helpful_rate": None,
    }


def test_a_period_that_starts_midweek_has_a_short_first_week() -> None:
    """--since on a Thursday: the first week runs Thursday to Sunday, the rest Monday to Sunday."""
    period = period_for(date(2026, 10, 8), date(2026, 10, 20), "UTC", date(2026, 11, 27))
    assert period.weeks == ("2026-W41", "2026-W42", "2026-W43")
    assert [b.date().isoformat() for b in period.bounds] == ["2026-10-08", "2026-10-12", "2026-10-19", "2026-10-21"]


def test_since_alone_runs_to_the_last_full_week_or_today() -> None:
    """--since alone ends with last Sunday; if --since is in the current week, the period runs to today."""
    today = date(2026, 11, 27)  # a Friday
    assert period_for(date(2026, 11, 2), None, "UTC", today).until == date(2026, 11, 22)
    this_week = period_for(date(2026, 11, 24), None, "UTC", today)
    assert (this_week.until, this_week.weeks) == (today, ("2026-W48",))


def test_bad_periods_are_refused_clearly() -> None:
    """A period that ends before it starts, or runs over three years, is refused with the reason."""
    with pytest.raises(UsageError, match="--since 2026-11-10 is after --until 2026-11-01"):
        period_for(date(2026, 11, 10), date(2026, 11, 1), "UTC", date(2026, 11, 27))
    with pytest.raises(UsageError, match="that period has 261 weeks; a report covers at most 160"):
        period_for(date(2021, 11, 1), date(2026, 11, 1), "UTC", date(2026, 11, 27))


def test_report_command_refuses_bad_dates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A date that is not YYYY-MM-DD stops the command with a message naming it."""
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    with pytest.raises(SystemExit):
        main(["report", "--since", "2026-13-01"])
    assert "argument --since: '2026-13-01' is not a date like 2026-11-02" in err.getvalue()


def test_gaps_are_grouped_like_kb_gaps() -> None:
    """Similar questions fall into one gap; the biggest gap comes first, with its most-asked examples."""
    gaps = cluster_gaps(
        [
            ("Where can we meet for free?", 1),
            ("How do I find a co-facilitator?", 3),
            ("Finding a co-facilitator", 1),
            ("where can our circle meet for free", 1),
            ("🙂", 1),
        ],
        limit=2,
    )
    assert [(g.count, g.examples) for g in gaps] == [
        (4, ("How do I find a co-facilitator?", "Finding a co-facilitator")),
        (2, ("Where can we meet for free?", "where can our circle meet for free")),
    ]


def test_markdown_shows_names_and_questions_as_typed_not_as_html_or_marks() -> None:
    """A group named `Maps <b>Circle</b> & Co` was written raw into the Markdown report, so it rendered bold (the
    HTML report escapes it); table cells and the at-risk lines now make HTML and Markdown marks inert."""
    assert _md_cell("Maps <b>Circle</b> & Co | *x* [a](b) #1\nnext") == (
        "Maps &lt;b&gt;Circle&lt;/b&gt; &amp; Co \\| \\*x\\* \\[a\\](b) \\#1 next"
    )
