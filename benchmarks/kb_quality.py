"""Answer quality on CLINC150's validation split, through ``communitybot kb eval`` (the code path users get).

    python benchmarks/kb_quality.py                 # K = 5, 10 and all example questions per recipe
    python benchmarks/kb_quality.py --k 10 --calibrate

Needs ../shared/bench (make_kb.py and the data). Prints one line per K with the figures ``kb eval --json`` gives.
``--calibrate`` also prints, from the per-question details, where the raw score declines 86% of out-of-scope
questions and the slope of a logistic fit of "the top recipe is right" on the raw score: the constants behind
``_CALIBRATION`` in knowledge/search.py. Run it on val only; the test split is for measuring, never for tuning.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
DECLINE = 0.86  # the out-of-scope share the calibration midpoint declines on val


def run(k: str, work: Path, calibrate: bool) -> None:
    out = work / f"k{k}"
    subprocess.run(
        [sys.executable, str(BENCH / "make_kb.py"), "--k", k, "--out", str(out)], check=True, capture_output=True
    )
    details = out / "details.jsonl"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "kb",
            "eval",
            "--kb",
            str(out / "recipes"),
            "--questions",
            str(out / "questions.jsonl"),
            "--json",
            "--details",
            str(details),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    summary = json.loads(result.stdout)
    print(
        f"K={k:>3}  mode={summary['mode']}  top1={summary['in_scope_top1']:.3f}  "
        f"answered_right={summary['in_scope_answered_correct']:.3f}  oos_declined={summary['oos_recall']:.3f}  "
        f"p50={summary['p50_ms']:.1f} ms  p99={summary['p99_ms']:.1f} ms  build={summary['index_build_s']:.2f} s"
    )
    if calibrate:
        rows = [json.loads(line) for line in details.read_text(encoding="utf-8").splitlines()]
        oos = sorted(r["raw"] for r in rows if not r["expect"])
        middle = oos[min(len(oos) - 1, int(len(oos) * DECLINE))]
        slope = _logistic_slope([(r["raw"], r["top"] in r["expect"]) for r in rows])
        print(f"        calibration: middle={middle:.3f} slope={slope:.1f}")


def _logistic_slope(points: list[tuple[float, bool]]) -> float:
    """Slope of a one-feature logistic regression, by plain gradient ascent (no extra dependency)."""
    a, b = 1.0, 0.0
    for _ in range(3000):
        ga = gb = 0.0
        for x, y in points:
            p = 1 / (1 + math.exp(-(a * x + b)))
            ga += (y - p) * x
            gb += y - p
        a += 5.0 * ga / len(points)
        b += 5.0 * gb / len(points)
    return a


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", action="append", help="examples per recipe: a number or 'all' (repeatable)")
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args()
    if not (BENCH / "make_kb.py").exists():
        sys.exit(f"{BENCH} not found: this benchmark needs ../shared/bench beside the project")
    with tempfile.TemporaryDirectory() as work:
        for k in args.k or ["5", "10", "all"]:
            run(k, Path(work), args.calibrate)


if __name__ == "__main__":
    main()
