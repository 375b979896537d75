"""``kb eval``: measure answer quality and speed on a question file, through the same code path that answers users.

The question file holds one JSON object a line: ``{"q": text, "expect": [recipe ids]}``; an empty ``expect`` means
the bot should decline (a line without ``expect`` is refused). A section counts as its recipe (``guide#setup`` matches
``guide``).

Besides top-1 and answered-right rates, the summary holds the share of questions declined with the right page among
the suggestions shown (``in_scope_declined_right_offered``), the precision of given answers, a reliability table
(confidence bins against how often the top answer was right) with its expected calibration error, and the AUROC of
the top confidence at telling in-scope from out-of-scope questions. Each detail row lists the top three candidates.
"""

from __future__ import annotations

import bisect
import json
import logging
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import UsageError
from knowledge.loader import load_folder
from knowledge.search import Hit, KnowledgeBase
from knowledge.vectors import Encoder

__all__ = ["EvalQuestion", "auroc", "evaluate", "load_for_eval", "read_questions", "reliability"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalQuestion:
    """One line of a question file."""

    q: str
    expect: tuple[str, ...]


_LINE = '{"q": "...", "expect": ["recipe-id", ...]}'


def read_questions(path: Path) -> list[EvalQuestion]:
    """Read a question file.

    Raises:
        UsageError: naming the file and line of a bad entry.
    """
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            question, expect = row["q"], row["expect"]
            if not isinstance(question, str) or not isinstance(expect, list):
                raise TypeError
        except KeyError as missing:
            # A line without "expect" is a slip, not a question to decline: say so on that line, not the next.
            said = f'{path}:{number}: no "{missing.args[0]}"; expected {_LINE}'
            raise UsageError(
                said + (' ("expect": [] for one to decline)' if missing.args[0] == "expect" else "")
            ) from None
        except (ValueError, TypeError):
            raise UsageError(f"{path}:{number}: expected {_LINE}") from None
        out.append(EvalQuestion(question, tuple(str(e) for e in expect)))
    if not out:  # every figure would read 0 as if measured
        raise UsageError(f"{path}: no questions in it; write one a line, {_LINE}")
    return out


def unknown_expected(kb: KnowledgeBase, questions: list[EvalQuestion]) -> list[str]:
    """The ids the questions expect that no unit of ``kb`` has (a typo in the question file: those count as misses)."""
    known = {_base(r.id) for r in kb.recipes}
    return sorted({_base(e) for q in questions for e in q.expect} - known)


def _base(recipe_id: str) -> str:
    return recipe_id.split("#", 1)[0]


def load_for_eval(
    folder: Path, base_url: str | None, threshold: float, encoder: Encoder
) -> tuple[KnowledgeBase, float]:
    """Load ``folder`` as the bot would (a docs tree when ``base_url`` is given) and index it; also the seconds taken.

    Raises:
        UsageError: the folder does not exist.
    """
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder of recipes")
    started = time.perf_counter()
    loaded = load_folder(folder, base_url)
    for error in loaded.errors:
        log.warning("skipped recipe: %s", error)
    kb = KnowledgeBase(loaded.recipes, threshold=threshold, encoder=encoder)
    return kb, time.perf_counter() - started


def auroc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Area under the ROC curve: the chance a random positive scores above a random negative (ties count half)."""
    if not positives or not negatives:
        return 0.0
    ordered = sorted(negatives)
    wins = 0.0
    for score in positives:
        below = bisect.bisect_left(ordered, score)
        wins += below + 0.5 * (bisect.bisect_right(ordered, score) - below)
    return wins / (len(positives) * len(negatives))


def reliability(points: Sequence[tuple[float, bool]], bins: int = 10) -> tuple[list[dict[str, Any]], float]:
    """Confidence bins against how often the top answer was right, and the expected calibration error.

    ``points`` are (confidence of the top answer, whether it was right); an out-of-scope question is never right.
    """
    table = []
    error = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(c, ok) for c, ok in points if low <= c < high or (b == bins - 1 and c == 1.0)]
        if not inside:
            continue
        confidence = statistics.fmean(c for c, _ in inside)
        accuracy = statistics.fmean(float(ok) for _, ok in inside)
        table.append({"bin": f"{low:.1f}-{high:.1f}", "n": len(inside), "confidence": confidence, "accuracy": accuracy})
        error += len(inside) / len(points) * abs(confidence - accuracy)
    return table, error


def _detail(question: str, expected: set[str], given: str | None, ranked: list[Hit]) -> dict[str, Any]:
    """One question's detail row: what was expected, given and ranked first, with the top three candidates."""
    return {
        "q": question,
        "expect": sorted(expected),
        "top": _base(ranked[0].recipe.id) if ranked else None,
        "answered": given,
        "score": ranked[0].score if ranked else 0.0,
        "raw": ranked[0].raw if ranked else 0.0,
        "kind": ("examples" if ranked[0].recipe.questions else "docs") if ranked else None,
        "candidates": [{"id": h.recipe.id, "score": h.score, "raw": h.raw} for h in ranked[:3]],
    }


def evaluate(
    kb: KnowledgeBase, questions: list[EvalQuestion], build_seconds: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Answer every question as a user would get it; return the summary and one detail row per question."""
    details = []
    latencies = []
    in_scope = top1 = answered_right = answered = oos = declined = offered = 0
    points: list[tuple[float, bool]] = []
    scores_in: list[float] = []
    scores_out: list[float] = []
    for item in questions:
        started = time.perf_counter()
        answer = kb.answer(item.q)
        latencies.append((time.perf_counter() - started) * 1000)
        # The ranking as search gives it (a declined answer keeps only plausible suggestions).
        ranked = [answer.best, *answer.suggestions] if answer.best else kb.search(item.q, limit=3)
        first = _base(ranked[0].recipe.id) if ranked else None
        given = _base(answer.best.recipe.id) if answer.best else None
        expected = {_base(e) for e in item.expect}
        score = ranked[0].score if ranked else 0.0
        points.append((score, first in expected))
        answered += given is not None
        if expected:
            in_scope += 1
            top1 += first in expected
            answered_right += given in expected
            # Declined, but the right page is among the suggestions the user is shown.
            offered += given is None and any(_base(h.recipe.id) in expected for h in answer.suggestions)
            scores_in.append(score)
        else:
            oos += 1
            declined += given is None
            scores_out.append(score)
        details.append(_detail(item.q, expected, given, ranked))
    latencies.sort()
    table, ece = reliability(points)
    summary = {
        "n_in_scope": in_scope,
        "n_oos": oos,
        "in_scope_top1": top1 / in_scope if in_scope else 0.0,
        "in_scope_answered_correct": answered_right / in_scope if in_scope else 0.0,
        "in_scope_declined_right_offered": offered / in_scope if in_scope else 0.0,
        "oos_recall": declined / oos if oos else 0.0,
        "answered_precision": answered_right / answered if answered else 0.0,
        "oos_auroc": auroc(scores_in, scores_out),
        "ece": ece,
        "reliability": table,
        "p50_ms": statistics.median(latencies) if latencies else 0.0,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0,
        "index_build_s": build_seconds,
        "n_recipes": len(kb),
        "threshold": kb.threshold,
        "mode": kb.mode,
    }
    return summary, details
