"""``communitybot kb``: knowledge base tools (check a folder of recipes, write stubs for gaps, measure answers)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.main.commands import Subparsers, argtypes
from bot.plural import counted
from bot.settings import Settings

__all__ = ["add_parser", "main", "summary_text"]


def add_parser(sub: Subparsers) -> None:
    """Add ``kb`` and its actions."""
    kb = sub.add_parser("kb", help="knowledge base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True, metavar="ACTION")
    check = kb_sub.add_parser("check", help="validate a folder of recipes")
    check.add_argument("path", type=Path)
    check.add_argument(
        "--base-url",
        type=argtypes.docs_url,
        help="check PATH as a docs tree published at this URL, as knowledge_dirs does",
    )
    gaps = kb_sub.add_parser("gaps", help="write recipe stubs for questions the bot could not answer")
    gaps.add_argument("--stubs", type=Path, required=True, metavar="DIR", help="folder to write the stubs into")
    ev = kb_sub.add_parser("eval", help="measure answer quality on a question file (JSON lines)")
    ev.add_argument("--kb", type=Path, required=True, help="folder of recipes to answer from")
    ev.add_argument("--questions", type=Path, required=True, help='file of {"q": ..., "expect": [...]} lines')
    ev.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    ev.add_argument("--details", type=argtypes.output_file, help="write one JSON line per question to this file")
    ev.add_argument(
        "--base-url",
        type=argtypes.docs_url,
        help="load --kb as a docs tree published at this URL, as knowledge_dirs does",
    )
    ev.add_argument("--semantic-model", help="as the setting: off, auto, or a model (default: the setting)")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Run the action given."""
    if args.kb_command == "gaps":
        return asyncio.run(_gaps(settings, args.stubs))
    if args.kb_command == "eval":
        return _eval(settings, args)
    return _check(args.path, args.base_url)


async def _gaps(settings: Settings, folder: Path) -> int:
    from bot.features.knowledge.gaps import gap_stubs
    from storage import Database
    from storage.questions import unanswered_questions

    db = Database(settings.sqlalchemy_url, schema=settings.database_schema)
    try:
        await db.upgrade()
        async with db.session() as session:
            unanswered = await unanswered_questions(session)
    finally:
        await db.close()
    written = gap_stubs([q.question for q in unanswered], folder)
    for path in written:
        print(path)
    print(f"{len(written)} recipe stubs written to {folder} from {len(unanswered)} unanswered questions")
    if written:  # they load only once written: a TODO is never served as an answer
        print(
            "Write each one's title, summary and answer in place of its TODOs; "
            f"`communitybot kb check {folder}` lists what is left."
        )
    return 0


def _eval(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.evaluate import evaluate, load_for_eval, read_questions, unknown_expected
    from knowledge.vectors import make_encoder

    questions = read_questions(args.questions)
    encoder = make_encoder(args.semantic_model or settings.semantic_model)  # loading a model is not index building
    kb, seconds = load_for_eval(args.kb, args.base_url, settings.answer_threshold, encoder)
    missing = unknown_expected(kb, questions)
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        print(f"{args.questions}: expected ids not in the knowledge base (counted as misses): {shown}", file=sys.stderr)
    summary, details = evaluate(kb, questions, seconds)
    if args.details:
        args.details.write_text("".join(json.dumps(d) + "\n" for d in details), encoding="utf-8")
    if args.json:
        print(json.dumps(summary))
    else:
        print(summary_text(summary))
    return 0


def summary_text(summary: dict[str, Any]) -> str:
    """``kb eval``'s summary for people: ``key: value`` lines, the reliability bins as an aligned table."""
    lines = []
    for key, value in summary.items():
        if key == "reliability":
            lines += _reliability_lines(value)
        else:
            lines.append(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    return "\n".join(lines)


def _reliability_lines(bins: list[dict[str, Any]]) -> list[str]:
    if not bins:
        return ["reliability: no questions"]
    rows = [("bin", "n", "confidence", "accuracy")]
    rows += [(b["bin"], str(b["n"]), f"{b['confidence']:.4f}", f"{b['accuracy']:.4f}") for b in bins]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return ["reliability:"] + [
        "  "
        + "  ".join([row[0].ljust(widths[0]), *(cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True))])
        for row in rows
    ]


def _check(path: Path, base_url: str | None) -> int:
    from knowledge import load_folder

    result = load_folder(path, base_url)
    for error in result.errors:
        print(error, file=sys.stderr)
    if not result.recipes and not result.errors:  # "0 recipes OK" would pass a folder the bot answers nothing from
        print(f"{path}: no recipes found (no Markdown files with an answer)", file=sys.stderr)
        return 1
    print(f"{counted(len(result.recipes), 'recipe')} OK, {result.failed} with errors")
    return 1 if result.errors else 0
