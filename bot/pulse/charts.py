"""Charts of the pulse report as PNG images: matplotlib's Agg backend, no pyplot state, Okabe-Ito colours.

Every chart has a title and labelled axes with units. Figures are built first (tests read their text back), then
saved at a fixed size: :data:`WIDTH` by :data:`HEIGHT` pixels.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.pulse import text
from bot.pulse.report import Report

if TYPE_CHECKING:  # matplotlib takes about half a second to import: only a chart being drawn imports it
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["HEIGHT", "OKABE_ITO", "WIDTH", "Chart", "build_charts", "png"]

# Okabe & Ito (2008), readable with every common colour-vision deficiency.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
_DPI = 100
WIDTH, HEIGHT = 800, 450
_LABEL_MAX = 48


@dataclass(frozen=True)
class Chart:
    """A chart: a short name (for file names), its title, and the figure."""

    name: str
    title: str
    figure: Figure


def _figure() -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH / _DPI, HEIGHT / _DPI), dpi=_DPI, layout="constrained")


def _plain(label: str) -> str:
    # User text must not be read as mathtext ($...$), and must fit on the axis.
    label = re.sub(r"\s+", " ", label).strip()
    label = label if len(label) <= _LABEL_MAX else label[: _LABEL_MAX - 1] + "…"
    return label.replace("$", r"\$")


def _counts_from_zero(ax: Axes) -> None:
    # Counts never go negative: with nothing to draw, autoscaling would centre the axis on 0 (-0.06 to 0.06).
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(ax.get_ylim()[1], 1))


def _week_ticks(weeks: Sequence[str]) -> list[str]:
    return [w.split("-", 1)[1] if i else w for i, w in enumerate(weeks)]


def _questions(report: Report) -> Chart:
    title = text.CHART_TITLES["questions"]
    fig = _figure()
    ax = fig.add_subplot()
    x = list(range(len(report.questions)))
    answered = [w.answered for w in report.questions]
    declined = [w.declined for w in report.questions]
    ax.bar(x, answered, color=OKABE_ITO["blue"], label="answered")
    ax.bar(x, declined, bottom=answered, color=OKABE_ITO["orange"], label="declined")
    ax.margins(y=0.3)  # headroom for the legend above the bars
    ax.set_title(title)
    ax.set_xlabel("ISO week")
    ax.set_ylabel("questions (count)")
    _counts_from_zero(ax)
    ax.set_xticks(x, _week_ticks(report.period.weeks))
    rate_ax = ax.twinx()
    rates = [w.helpful_rate * 100 if w.helpful_rate is not None else float("nan") for w in report.questions]
    rate_ax.plot(x, rates, color=OKABE_ITO["black"], marker="o", label="helpful rate")
    rate_ax.set_ylim(0, 105)
    rate_ax.set_ylabel("helpful rate (% of rated answers)")
    handles = ax.get_legend_handles_labels()[0] + rate_ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize="small")
    return Chart("questions", title, fig)


def _participation(report: Report) -> Chart:
    title = text.CHART_TITLES["participation"]
    fig = _figure()
    ax = fig.add_subplot()
    x = list(range(len(report.groups_weekly)))
    pooled = [w.participation * 100 if w.participation is not None else float("nan") for w in report.groups_weekly]
    ax.plot(x, pooled, color=OKABE_ITO["blue"], marker="o", linewidth=2.5, label="all groups")
    styles = [OKABE_ITO[c] for c in ("vermillion", "purple", "orange", "green", "sky")]
    for colour, group in zip(styles, report.at_risk, strict=False):
        series = [w * 100 if w is not None else float("nan") for w in group.weekly]
        ax.plot(x, series, color=colour, linestyle="--", marker="v", label=f"at risk: {_plain(group.name)}")
    ax.set_ylim(0, 105)  # room above 100% so markers there are not clipped
    ax.set_title(title)
    ax.set_xlabel("ISO week")
    ax.set_ylabel("participation (% of members answering)")
    ax.set_xticks(x, _week_ticks(report.period.weeks))
    ax.legend(loc="lower left", fontsize="small")
    return Chart("participation", title, fig)


def _leads(report: Report) -> Chart:
    title = text.CHART_TITLES["leads"]
    fig = _figure()
    ax = fig.add_subplot()
    x = list(range(len(report.period.weeks)))
    ax.bar(x, list(report.leads.weekly), color=OKABE_ITO["green"], label="received")
    ax.margins(y=0.3)  # headroom for the legend above the bars
    ax.set_title(title)
    ax.set_xlabel("ISO week")
    ax.set_ylabel("leads (count)")
    ax.set_xticks(x, _week_ticks(report.period.weeks))
    _counts_from_zero(ax)
    status = ", ".join(f"{name} {count}" for name, count in report.leads.by_status if count)
    legend = _plain(f"now: {status}") if status else None
    ax.legend(title=legend, loc="upper left", fontsize="small", title_fontsize="small")
    return Chart("leads", title, fig)


def _gaps(report: Report) -> Chart:
    title = text.CHART_TITLES["gaps"]
    fig = _figure()
    ax = fig.add_subplot()
    gaps = list(reversed(report.top_gaps))
    y = list(range(len(gaps)))
    ax.barh(y, [g.count for g in gaps], color=OKABE_ITO["vermillion"])
    ax.set_yticks(y, [_plain(g.examples[0]) for g in gaps], fontsize="small")
    ax.set_title(title)
    ax.set_xlabel("unanswered or unhelpful questions (count)")
    ax.set_ylabel("gap (most asked example)")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max(ax.get_xlim()[1], 1))
    return Chart("gaps", title, fig)


def build_charts(report: Report) -> list[Chart]:
    """Every chart of the report, in the order the report shows them."""
    return [_questions(report), _participation(report), _leads(report), _gaps(report)]


def png(chart: Chart) -> bytes:
    """The chart as a PNG of :data:`WIDTH` by :data:`HEIGHT` pixels."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        # A glyph the font lacks (an emoji in a question) draws as a box; that is not worth failing a report.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        chart.figure.savefig(out, format="png", dpi=_DPI, metadata={"Software": None})
    return out.getvalue()
