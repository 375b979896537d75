"""The report as one self-contained HTML file (charts as data: URIs), as Markdown with PNGs beside it, or as JSON.

The HTML loads nothing from anywhere: images are inline and a Content-Security-Policy forbids every other source.
Every text that came from people (questions, group names) is escaped.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from html import escape
from pathlib import Path

from bot.pulse import text
from bot.pulse.charts import Chart, build_charts, png
from bot.pulse.escalations import escalations_note
from bot.pulse.report import Report

__all__ = ["FORMATS", "file_stem", "html_document", "markdown_document", "write_report"]

FORMATS = ("html", "md", "json")
_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #bbb;padding:.25rem .5rem;"
    "text-align:right}th:first-child,td:first-child{text-align:left}img{max-width:100%;height:auto}"
    ".note{color:#555}"
)
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

Row = Sequence[object]


def pct(value: float | None) -> str:
    """A rate as a whole percentage, or n/a."""
    return text.NO_RATE if value is None else f"{value:.0%}"


def file_stem(report: Report) -> str:
    """The file name (without extension) for a report: ``pulse-SINCE-UNTIL``."""
    return f"pulse-{report.period.since.isoformat()}-{report.period.until.isoformat()}"


def _tables(report: Report) -> dict[str, tuple[list[str], list[Row]]]:
    q = [*report.questions, report.questions_total]
    groups = report.groups
    return {
        "questions": (
            ["Week", "Asked", "Answered", "Declined", "Helpful", "Not helpful", "Helpful rate"],
            [[w.week, w.asked, w.answered, w.declined, w.helpful, w.not_helpful, pct(w.helpful_rate)] for w in q],
        ),
        "recipes": (
            ["Recipe", "Given", "Helpful", "Not helpful"],
            [[r.recipe_id, r.given, r.helpful, r.not_helpful] for r in report.top_recipes],
        ),
        "gaps": (
            ["Questions", "Examples"],
            [[g.count, " · ".join(g.examples)] for g in report.top_gaps],
        ),
        "groups": (
            ["Week", "Active groups", "Check-ins held", "Participation"],
            [[w.week, w.active_groups, w.checkins_held, pct(w.participation)] for w in report.groups_weekly],
        ),
        "per_group": (
            ["Group", "Check-ins", "Participation", "By week", "Trend (points/week)", "At risk"],
            [
                [
                    g.name,
                    g.checkins,
                    pct(g.participation),
                    " ".join("–" if w is None else f"{w:.0%}" for w in g.weekly),
                    "n/a" if g.trend is None else f"{g.trend:+.1f}",
                    "yes" if g.at_risk else "",
                ]
                for g in groups
            ],
        ),
        **_meeting_tables(report),
        "escalations": (
            ["Outcome", "Questions"],
            [*([o, n] for o, n in report.escalations.by_outcome), ["total", report.escalations.total]],
        ),
        "leads": (
            ["Status", "Leads"],
            [*([s, n] for s, n in report.leads.by_status), ["received", report.leads.received]],
        ),
    }


def _meeting_tables(report: Report) -> dict[str, tuple[list[str], list[Row]]]:
    m = report.meetings
    weeks: list[Row] = [[w.week, w.held, pct(w.attendance)] for w in m.weeks] if m else []
    per_group: list[Row] = [
        [
            g.name,
            g.held,
            pct(g.attendance),
            " ".join("–" if w is None else f"{w:.0%}" for w in g.weekly),
            "n/a" if g.trend is None else f"{g.trend:+.1f}",
            "yes" if g.at_risk else "",
        ]
        for g in (m.groups if m else ())
    ]
    return {
        "meetings": (["Week", "Meetings held", "Attendance (going)"], weeks),
        "meetings_per_group": (
            ["Group", "Meetings", "Attendance", "By week", "Trend (points/week)", "At risk"],
            per_group,
        ),
    }


def _meetings_at_risk(report: Report) -> str:
    return ", ".join(g.name for g in report.meetings.at_risk) if report.meetings else ""


def _lead_note(report: Report) -> str:
    leads = report.leads
    median = text.NO_MEDIAN if leads.median_first_response_hours is None else f"{leads.median_first_response_hours} h"
    return (
        f"Won {leads.won}, lost {leads.lost}. Median first response by staff: {median} "
        f"({leads.responded} of {leads.received} answered)."
    )


def _escalation_note(report: Report) -> str:
    return escalations_note(report.escalations, text.NO_MEDIAN)


def _html_table(head: list[str], rows: list[Row]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _img(chart: Chart, data: bytes) -> str:
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return f'<figure><img src="{uri}" alt="{escape(chart.title)}" data-chart="{chart.name}"></figure>'


def html_document(report: Report, charts: Sequence[tuple[Chart, bytes]]) -> str:
    """The whole report as one HTML page with its charts inline."""
    p = report.period
    title = text.REPORT_TITLE.format(since=p.since, until=p.until)
    images = {chart.name: _img(chart, data) for chart, data in charts}
    tables = {k: _html_table(*v) for k, v in _tables(report).items()}
    s = text.SECTIONS
    parts = [
        f"<h1>{escape(title)}</h1><p class=note>ISO weeks in {escape(p.timezone)}: {escape(', '.join(p.weeks))}</p>",
        f"<h2>{s['questions']}</h2>{images.get('questions', '')}{tables['questions']}",
        f"<h2>{s['recipes']}</h2>{tables['recipes']}",
        f"<h2>{s['gaps']}</h2>{images.get('gaps', '')}{tables['gaps']}",
        f"<h2>{s['groups']}</h2>{images.get('participation', '')}{tables['groups']}",
        f"<h3>{s['at_risk']}</h3><p>{escape(', '.join(g.name for g in report.at_risk) or 'none')}</p>",
        tables["per_group"],
        f"<h2>{s['meetings']}</h2>{tables['meetings']}",
        f"<h3>{s['meetings_at_risk']}</h3><p>{escape(_meetings_at_risk(report) or 'none')}</p>",
        tables["meetings_per_group"],
        f"<h2>{s['leads']}</h2>{images.get('leads', '')}{tables['leads']}<p>{escape(_lead_note(report))}</p>",
        f"<h2>{s['escalations']}</h2>{tables['escalations']}<p>{escape(_escalation_note(report))}</p>",
    ]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>" + "".join(parts) + "</body></html>\n"
    )


def _md_cell(value: object) -> str:
    """Text from people as Markdown shows it as typed: HTML tags and Markdown marks made inert, one line."""
    return _MD_MARKS.sub(r"\\\1", escape(str(value), quote=False).replace("\n", " "))


_MD_MARKS = re.compile(r"([\\`*_\[\]|#])")


def _md_table(head: list[str], rows: list[Row]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown_document(report: Report, images: dict[str, str]) -> str:
    """The report as Markdown; ``images`` maps a chart name to the PNG file name beside it."""
    p = report.period
    titles = text.CHART_TITLES
    tables = {k: _md_table(*v) for k, v in _tables(report).items()}
    s = text.SECTIONS

    def img(name: str) -> str:
        return f"![{titles[name]}]({images[name]})\n\n" if name in images else ""

    return "\n\n".join(
        [
            f"# {text.REPORT_TITLE.format(since=p.since, until=p.until)}",
            f"ISO weeks in {p.timezone}: {', '.join(p.weeks)}",
            f"## {s['questions']}\n\n{img('questions')}{tables['questions']}",
            f"## {s['recipes']}\n\n{tables['recipes']}",
            f"## {s['gaps']}\n\n{img('gaps')}{tables['gaps']}",
            f"## {s['groups']}\n\n{img('participation')}{tables['groups']}",
            f"### {s['at_risk']}\n\n{_md_cell(', '.join(g.name for g in report.at_risk) or 'none')}",
            tables["per_group"],
            f"## {s['meetings']}\n\n{tables['meetings']}",
            f"### {s['meetings_at_risk']}\n\n{_md_cell(_meetings_at_risk(report) or 'none')}",
            tables["meetings_per_group"],
            f"## {s['leads']}\n\n{img('leads')}{tables['leads']}\n\n{_lead_note(report)}",
            f"## {s['escalations']}\n\n{tables['escalations']}\n\n{_escalation_note(report)}",
        ]
    )


def write_report(report: Report, out: Path, fmt: str) -> list[Path]:
    """Write the report into ``out`` as ``html``, ``md`` (with PNGs beside it) or ``json``; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    stem = file_stem(report)
    if fmt == "json":
        path = out / f"{stem}.json"
        path.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return [path]
    charts = [(chart, png(chart)) for chart in build_charts(report)]
    if fmt == "html":
        path = out / f"{stem}.html"
        path.write_text(html_document(report, charts), encoding="utf-8")
        return [path]
    written = []
    for chart, data in charts:
        image = out / f"{stem}-{chart.name}.png"
        image.write_bytes(data)
        written.append(image)
    path = out / f"{stem}.md"
    path.write_text(markdown_document(report, {c.name: f"{stem}-{c.name}.png" for c, _ in charts}), encoding="utf-8")
    return [path, *written]
