"""``kb eval``'s question file: a line without ``expect`` is refused on that line, not taken as one to decline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from knowledge import starter_recipes_dir
from tests.conftest import ROOT

SHAPE = '{"q": "...", "expect": ["recipe-id", ...]}'


def _eval(tmp_path: Path, lines: str) -> subprocess.CompletedProcess[str]:
    questions = tmp_path / "q.jsonl"
    questions.write_text(lines)
    command = [sys.executable, "-m", "bot", "kb", "eval", "--kb", str(starter_recipes_dir()), "--questions", "q.jsonl"]
    return subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(ROOT)}, timeout=120, check=False
    )


def test_a_line_without_expect_is_named(tmp_path: Path) -> None:
    """`{"q": "x"}` on line 1 is refused naming line 1 and what is missing (it used to pass, and line 2 failed)."""
    result = _eval(tmp_path, '{"q": "x"}\n{"q": "y", "expect": []}\n')
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f'communitybot: error: q.jsonl:1: no "expect"; expected {SHAPE} ("expect": [] for one to decline)\n',
    )


def test_a_line_without_q_or_not_json_is_named(tmp_path: Path) -> None:
    """A line with no question, or no JSON at all, is refused naming that line."""
    result = _eval(tmp_path, '{"q": "x", "expect": []}\n{"expect": []}\n')
    assert (result.returncode, result.stderr) == (2, f'communitybot: error: q.jsonl:2: no "q"; expected {SHAPE}\n')
    result = _eval(tmp_path, '{"q": "x", "expect": []}\nnot json\n')
    assert (result.returncode, result.stderr) == (2, f"communitybot: error: q.jsonl:2: expected {SHAPE}\n")


def test_a_file_with_no_questions_is_refused(tmp_path: Path) -> None:
    """An empty question file printed every figure as 0, as if measured; it is refused, naming the file."""
    result = _eval(tmp_path, "\n\n")
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"communitybot: error: q.jsonl: no questions in it; write one a line, {SHAPE}\n",
    )
