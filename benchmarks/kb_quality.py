"""Answer quality on every set in ../shared/bench, through ``communitybot kb eval`` (the code path users get).

    python benchmarks/kb_quality.py                      # every set, one table
    python benchmarks/kb_quality.py --sets clinc-k10 p2pu-handbook --details-dir out/
    python benchmarks/kb_quality.py --calibrate          # also fit the confidence curve on all sets at once

Sets: CLINC150 val with K = 5, 10 and all example questions per recipe (recipes built by make_kb.py from train),
and the two documentation dev sets, imported with their base URL as ``knowledge_dirs`` does. ``--calibrate`` fits
one logistic curve per kind of knowledge (units with example questions, docs units without) on the even-numbered
questions of every set, and reports on the odd-numbered ones (held out): the precision of answers given at the
threshold and the expected calibration error. Tune on these dev sets and CLINC150 train/val only.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
CORPORA = BENCH.parent / "corpora"


@dataclass(frozen=True)
class BenchSet:
    """One set: how to build its knowledge and where its questions are."""

    name: str
    k: str | None = None  # CLINC150 examples per recipe
    corpus: str | None = None  # docs tree under ../shared/corpora
    base_url: str | None = None
    questions: str | None = None  # question file under ../shared/bench


SETS = [
    BenchSet("clinc-k5", k="5"),
    BenchSet("clinc-k10", k="10"),
    BenchSet("clinc-kall", k="all"),
    BenchSet(
        "p2pu-handbook", corpus="p2pu-handbook", base_url="https://docs.p2pu.org/", questions="handbook-dev.jsonl"
    ),
    BenchSet(
        "mozilla-open-leadership",
        corpus="mozilla-open-leadership",
        base_url="https://mozilla.github.io/open-leadership-training-series/",
        questions="mozilla-open-leadership-dev.jsonl",
    ),
]


def run(bench: BenchSet, work: Path, semantic_model: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Evaluate one set; the summary and the per-question details."""
    extra: list[str] = []
    if bench.k is not None:
        out = work / bench.name
        subprocess.run(
            [sys.executable, str(BENCH / "make_kb.py"), "--k", bench.k, "--out", str(out)],
            check=True,
            capture_output=True,
        )
        folder, questions = out / "recipes", out / "questions.jsonl"
    else:
        assert bench.corpus and bench.base_url and bench.questions
        folder, questions = CORPORA / bench.corpus, BENCH / bench.questions
        extra = ["--base-url", bench.base_url]
    if semantic_model:
        extra += ["--semantic-model", semantic_model]
    details = work / f"{bench.name}.details.jsonl"
    command = [sys.executable, "-m", "bot", "kb", "eval", "--kb", str(folder), "--questions", str(questions)]
    result = subprocess.run(
        [*command, "--json", "--details", str(details), *extra], check=True, capture_output=True, text=True
    )
    rows = [json.loads(line) for line in details.read_text(encoding="utf-8").splitlines()]
    return json.loads(result.stdout), rows


def row(name: str, s: dict[str, Any]) -> str:
    """One table line."""
    return (
        f"| {name} | {s['mode']} | {s['in_scope_top1']:.3f} | {s['in_scope_answered_correct']:.3f} | "
        f"{s.get('in_scope_declined_right_offered', 0.0):.3f} | "
        f"{s['oos_recall']:.3f} | {s['answered_precision']:.3f} | {s['oos_auroc']:.3f} | {s['ece']:.3f} | "
        f"{s['p99_ms']:.1f} | {s['index_build_s']:.2f} | {_top_share(s):.2f} |"
    )


def _top_share(summary: dict[str, Any]) -> float:
    return float(summary.get("top_share", 0.0))


HEADER = (
    "| set | mode | top-1 | answered right | declined, right offered | off-topic declined | precision | AUROC | ECE | "
    "p99 ms | build s | top share |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def top_share(rows: list[dict[str, Any]]) -> float:
    """The largest share of questions any one unit is the top answer for."""
    counts: dict[str, int] = {}
    for r in rows:
        if r["candidates"]:
            counts[r["candidates"][0]["id"]] = counts.get(r["candidates"][0]["id"], 0) + 1
    return max(counts.values()) / len(rows) if counts else 0.0


def calibrate(details: dict[str, list[dict[str, Any]]], threshold: float) -> None:
    """Fit a logistic curve per kind on even-numbered questions; report precision and ECE on odd-numbered ones."""
    for kind in ("examples", "docs"):
        train = [
            (r["raw"], r["top"] in r["expect"])
            for rows in details.values()
            for r in rows[::2]
            if r.get("kind") == kind and r["candidates"]
        ]
        if len(train) < 20:
            continue
        slope, bias = _logistic(train)
        print(f"{kind}: middle={-bias / slope:.3f} slope={slope:.1f} (fitted on {len(train)} questions)")
    for name, rows in details.items():
        held = [r for r in rows[1::2] if r["candidates"]]
        given = [r for r in held if r["score"] >= threshold]
        right = sum(r["top"] in r["expect"] for r in given)
        print(f"  held-out {name}: {len(given)} answered, precision {right / len(given) if given else 0:.3f}")


def _logistic(points: list[tuple[float, bool]]) -> tuple[float, float]:
    """Slope and bias of a one-feature logistic regression, by plain gradient ascent (no extra dependency)."""
    a, b = 1.0, 0.0
    for _ in range(4000):
        ga = gb = 0.0
        for x, y in points:
            p = 1 / (1 + math.exp(-(a * x + b)))
            ga += (y - p) * x
            gb += y - p
        a += 10.0 * ga / len(points)
        b += 10.0 * gb / len(points)
    return a, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", choices=[s.name for s in SETS], help="which sets (default: all)")
    parser.add_argument("--semantic-model", help="as the setting: off, auto, or a model name")
    parser.add_argument("--details-dir", type=Path, help="keep the per-question details here")
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args()
    if not (BENCH / "make_kb.py").exists():
        sys.exit(f"{BENCH} not found: this benchmark needs ../shared/bench beside the project")
    chosen = [s for s in SETS if not args.sets or s.name in args.sets]
    with tempfile.TemporaryDirectory() as tmp:
        work = args.details_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(HEADER, flush=True)
        details: dict[str, list[dict[str, Any]]] = {}
        threshold = 0.5
        for bench in chosen:
            summary, rows = run(bench, work, args.semantic_model)
            summary["top_share"] = top_share(rows)
            threshold = summary["threshold"]
            details[bench.name] = rows
            print(row(bench.name, summary), flush=True)
        if args.calibrate:
            calibrate(details, threshold)


if __name__ == "__main__":
    main()
