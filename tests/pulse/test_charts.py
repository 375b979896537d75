"""Charts are readable without looking at them: titles, axis labels with units, and PNGs of the stated size."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date

import matplotlib.image

from bot.pulse.charts import HEIGHT, OKABE_ITO, WIDTH, build_charts, png
from bot.pulse.report import Gap, build_report, period_for
from storage import Database
from tests.conftest import ROOT
from tests.pulse.seed import Seeded

UNIT = re.compile(r"\((count|%[^)]*)\)$")


async def report_of(db: Database):  # type: ignore[no-untyped-def]
    return await build_report(db, period_for(date(2026, 10, 5), date(2026, 11, 15), "UTC", date(2026, 11, 27)))


async def test_every_chart_has_a_title_and_labelled_axes_with_units(db: Database, seeded: Seeded) -> None:
    """Read back from the figure objects before saving: each axis says what it measures and in which unit."""
    charts = build_charts(await report_of(db))
    labels = {}
    for chart in charts:
        axes = chart.figure.axes
        assert axes[0].get_title() == chart.title
        labels[chart.name] = [(ax.get_xlabel(), ax.get_ylabel()) for ax in axes]
    assert labels == {
        "questions": [("ISO week", "questions (count)"), ("", "helpful rate (% of rated answers)")],
        "participation": [("ISO week", "participation (% of members answering)")],
        "leads": [("ISO week", "leads (count)")],
        "gaps": [("unanswered or unhelpful questions (count)", "gap (most asked example)")],
    }
    assert [c.title for c in charts] == [
        "Questions per week",
        "Check-in participation per week",
        "Leads received per week",
        "Top knowledge gaps",
    ]
    for chart in charts:
        for ax in chart.figure.axes:
            measured = ax.get_xlabel() if chart.name == "gaps" else ax.get_ylabel()
            assert UNIT.search(measured), (chart.name, measured)


async def test_charts_show_the_data_in_the_okabe_ito_palette(db: Database, seeded: Seeded) -> None:
    """Bars and lines carry the report's numbers, in colours from the colour-blind-safe palette."""
    charts = {c.name: c for c in build_charts(await report_of(db))}
    questions = charts["questions"].figure.axes[0]
    answered = [p.get_height() for p in questions.containers[0]]
    assert answered == [8, 9, 6, 10, 7, 5]
    participation = charts["participation"].figure.axes[0]
    legend = [t.get_text() for t in participation.get_legend().get_texts()]
    assert legend == ["all groups", "at risk: Maps Circle"]
    assert [round(y, 2) for y in participation.lines[1].get_ydata()] == [100.0, 100.0, 100.0, 75.0, 50.0, 25.0]
    palette = {c.lower() for c in OKABE_ITO.values()}
    for chart in charts.values():
        for ax in chart.figure.axes:
            colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
            colours += [matplotlib.colors.to_hex(line.get_color()) for line in ax.lines]
            assert set(colours) <= palette, (chart.name, colours)


async def test_pngs_decode_at_the_stated_size(db: Database, seeded: Seeded) -> None:
    """Each chart saves as a PNG that matplotlib reads back at WIDTH x HEIGHT pixels."""
    for chart in build_charts(await report_of(db)):
        image = matplotlib.image.imread(io.BytesIO(png(chart)), format="png")
        assert image.shape[:2] == (HEIGHT, WIDTH) == (450, 800)


async def test_people_text_is_drawn_literally(db: Database, seeded: Seeded) -> None:
    """A gap with dollar signs or an emoji is drawn as text (no mathtext error, no warning), clipped to fit."""
    report = await report_of(db)
    odd = Gap(3, ("Is it $5 or $10 to join? 🙂 " + "and a very long tail " * 5,))
    report = type(report)(**{**vars(report), "top_gaps": (odd,)})
    (gaps,) = [c for c in build_charts(report) if c.name == "gaps"]
    data = png(gaps)
    (label,) = [t.get_text() for t in gaps.figure.axes[0].get_yticklabels()]
    assert label.startswith(r"Is it \$5 or \$10 to join? 🙂 and a very long") and label.endswith("…")
    assert len(label) == 48 + 2  # clipped to 48 characters, plus the two escapes
    assert matplotlib.image.imread(io.BytesIO(data), format="png").shape[:2] == (HEIGHT, WIDTH)


async def test_an_empty_community_still_gets_readable_charts(db: Database) -> None:
    """With no activity at all, every chart still draws (no warning, no error) with its title, at full size."""
    charts = build_charts(await report_of(db))
    assert [c.figure.axes[0].get_title() for c in charts] == [
        "Questions per week",
        "Check-in participation per week",
        "Leads received per week",
        "Top knowledge gaps",
    ]
    for chart in charts:
        assert matplotlib.image.imread(io.BytesIO(png(chart)), format="png").shape[:2] == (HEIGHT, WIDTH)


async def test_counts_start_at_zero_when_there_is_nothing_to_count(db: Database) -> None:
    """With no questions, leads or gaps, the count axes run from 0 upwards in whole numbers, never below 0."""
    charts = {c.name: c for c in build_charts(await report_of(db))}
    for name in ("questions", "leads"):
        ax = charts[name].figure.axes[0]
        assert ax.get_ylim() == (0, 1), name
        assert list(ax.get_yticks()) == [0, 1], name
    assert charts["gaps"].figure.axes[0].get_xlim() == (0, 1)


def test_only_drawing_a_chart_imports_matplotlib() -> None:
    """Every command loads the digest job, but only a chart being drawn pays matplotlib's half-second import."""
    code = (
        "import sys\nimport bot.main.wiring\nloaded = 'matplotlib' in sys.modules\n"
        "from bot.pulse.charts import _figure\n_figure()\nprint(loaded, 'matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout == "False True\n"
