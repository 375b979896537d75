"""``communitybot ask``: answer one question and exit."""

from __future__ import annotations

import argparse
import json

from bot.main.commands import Subparsers, argtypes
from bot.settings import Settings

__all__ = ["add_parser", "main"]


def add_parser(sub: Subparsers) -> None:
    """Add ``ask`` and its options."""
    ask = sub.add_parser("ask", help="answer one question and exit")
    # The words as typed, quoted or not: `communitybot ask how big is a circle` asks "how big is a circle".
    ask.add_argument("question", nargs="+", type=argtypes.question, help="the question (quotes optional)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Print the answer (or the suggestions); exit 1 if there is no answer."""
    question = " ".join(args.question)
    # No database (answering one question learns nothing) and no app: only what answering needs is imported.
    from knowledge.cache import IndexCache, build_index
    from knowledge.docs import readable
    from knowledge.sources import sources_of
    from knowledge.vectors import make_encoder

    cache = IndexCache(settings.data_dir / "kb-cache")
    encoder = make_encoder(settings.semantic_model, cache.folder)
    kb = build_index(sources_of(settings), threshold=settings.answer_threshold, encoder=encoder, cache=cache).kb
    answer = kb.answer(question)
    if args.json:
        best = answer.best
        print(
            json.dumps(
                {
                    "answered": best is not None,
                    "id": best.recipe.id if best else None,
                    "title": best.recipe.title if best else None,
                    "score": best.score if best else None,
                    "text": readable(best.recipe.body, best.recipe.title) if best else None,
                    "passage": readable(best.passage) if best and best.passage else None,
                    "link": best.recipe.link if best else None,
                    "suggestions": [
                        {"id": h.recipe.id, "title": h.recipe.title, "score": h.score} for h in answer.suggestions
                    ],
                },
                indent=2,
            )
        )
    elif answer.best is not None:
        recipe = answer.best.recipe
        # A docs section shows the passage that answers, as in chat; "Read more" links to the whole section.
        print(f"{recipe.title}\n\n{readable(answer.best.passage or recipe.body, recipe.title)}")
        if recipe.link:
            print(f"\nRead more: {recipe.link}")
    else:
        print("I'm not sure I know the answer to that.")
        for hit in answer.suggestions:
            print(f"  did you mean: {hit.recipe.title} ({hit.recipe.id})")
    return 0 if answer.best is not None else 1
