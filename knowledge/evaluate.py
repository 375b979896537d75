"""``kb eval``: measure answer quality and speed on a question file, through the same code path that answers users.

The question file holds one JSON object a line: ``{"q": text, "expect": [recipe ids]}``; an empty ``expect`` means
the bot should decline. A section counts as its recipe (``guide#setup`` matches ``guide``).
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import UsageError
from knowledge.search import KnowledgeBase

__all__ = ["EvalQuestion", "evaluate", "read_questions"]


@dataclass(frozen=True)
class EvalQuestion:
    """One line of a question file."""

    q: str
    expect: tuple[str, ...]


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
            question, expect = row["q"], row.get("expect", [])
            if not isinstance(question, str) or not isinstance(expect, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise UsageError(f'{path}:{number}: expected {{"q": "...", "expect": ["recipe-id", ...]}}') from None
        out.append(EvalQuestion(question, tuple(str(e) for e in expect)))
    return out


def _base(recipe_id: str) -> str:
    return recipe_id.split("#", 1)[0]


def evaluate(
    kb: KnowledgeBase, questions: list[EvalQuestion], build_seconds: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Answer every question as a user would get it; return the summary and one detail row per question."""
    details = []
    latencies = []
    in_scope = top1 = answered_right = oos = declined = 0
    for item in questions:
        started = time.perf_counter()
        answer = kb.answer(item.q)
        latencies.append((time.perf_counter() - started) * 1000)
        ranked = [answer.best, *answer.suggestions] if answer.best else list(answer.suggestions)
        first = _base(ranked[0].recipe.id) if ranked else None
        given = _base(answer.best.recipe.id) if answer.best else None
        expected = {_base(e) for e in item.expect}
        if expected:
            in_scope += 1
            top1 += first in expected
            answered_right += given in expected
        else:
            oos += 1
            declined += given is None
        details.append(
            {
                "q": item.q,
                "expect": sorted(expected),
                "top": first,
                "answered": given,
                "score": ranked[0].score if ranked else 0.0,
                "raw": ranked[0].raw if ranked else 0.0,
            }
        )
    latencies.sort()
    summary = {
        "n_in_scope": in_scope,
        "n_oos": oos,
        "in_scope_top1": top1 / in_scope if in_scope else 0.0,
        "in_scope_answered_correct": answered_right / in_scope if in_scope else 0.0,
        "oos_recall": declined / oos if oos else 0.0,
        "p50_ms": statistics.median(latencies) if latencies else 0.0,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0,
        "index_build_s": build_seconds,
        "n_recipes": len(kb),
        "threshold": kb.threshold,
        "mode": kb.mode,
    }
    return summary, details
