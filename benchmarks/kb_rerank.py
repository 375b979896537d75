"""What the reranker adds over the first stage on CLINC150 val, and what each of its features is worth (in-process).

    python benchmarks/kb_rerank.py [--k 10] [--ablate]

Builds the set as ``benchmarks/kb_quality.py`` does (``make_kb.py``), then asks every in-scope question of the
knowledge base twice, with and without the reranker, and prints:

- top-1 of the first stage and after reranking, and how often the right recipe is in the first stage's top five
  (the most reranking can reach);
- how many questions the reranker puts right that the first stage had wrong (fixed), and the other way (broken);
- with ``--ablate``: top-1 when the reranker is trained without each feature in turn, on the training pairs the
  build uses, and its out-of-scope AUROC (top log-odds, in-scope against out-of-scope questions). A feature whose
  removal costs nothing is not pulling its weight. These two figures rank the candidates by the reranker alone
  (no exact-phrase match), so they differ a little from ``kb eval``'s.

Tune on CLINC150 train/val only (see ../shared/bench/README.md).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge import KnowledgeBase, load_folder
from knowledge.evaluate import EvalQuestion, auroc, read_questions
from knowledge.rerank import FEATURES, Reranker
from knowledge.vectors import make_encoder

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
_RANK = FEATURES.index("rank")


def _build(k: str, work: Path) -> tuple[Path, list[EvalQuestion]]:
    out = work / f"clinc-k{k}"
    command = [sys.executable, str(BENCH / "make_kb.py"), "--k", k, "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    return out / "recipes", read_questions(out / "questions.jsonl")


def _orders(kb: KnowledgeBase, questions: list[EvalQuestion]) -> list[list[str]]:
    return [[h.recipe.id for h in kb.search(q.q, limit=5)] for q in questions]


def _compare(plain: KnowledgeBase, reranked: KnowledgeBase, questions: list[EvalQuestion]) -> None:
    inside = [q for q in questions if q.expect]
    first, second = _orders(plain, inside), _orders(reranked, inside)
    was = np.asarray([bool(o) and o[0] in q.expect for o, q in zip(first, inside, strict=True)])
    now = np.asarray([bool(o) and o[0] in q.expect for o, q in zip(second, inside, strict=True)])
    within = np.mean([any(i in q.expect for i in o) for o, q in zip(first, inside, strict=True)])
    print(f"first stage top-1 {was.mean():.4f}; reranked {now.mean():.4f}; right in its top 5 {within:.4f}")
    print(f"reranker fixed {int((now & ~was).sum())}, broke {int((was & ~now).sum())} of {len(inside)} questions")


def _scores(
    model: Reranker | None, features: npt.NDArray[np.float64], labels: npt.NDArray[np.bool_], inside: np.ndarray
) -> tuple[float, float]:
    """Top-1 over in-scope questions and out-of-scope AUROC of each question's best log-odds; ``features`` hold one
    row per candidate, question by question, and the rank column (last) tells where each question starts."""
    if model is None:
        return 0.0, 0.0
    group = np.cumsum(features[:, -1] == 0) - 1
    features = features[:, :-1]
    logits = model.logits(features)
    order = np.lexsort((-logits, group))
    best = order[np.r_[True, group[order][1:] != group[order][:-1]]]
    right = labels[best] & inside
    top1 = float(right.sum() / inside.sum())
    return top1, auroc(list(logits[best][inside].tolist()), list(logits[best][~inside].tolist()))


def _ablate(kb: KnowledgeBase, questions: list[EvalQuestion]) -> None:
    pairs = kb.reranker_pairs()
    if pairs is None:
        print("too few example questions to train a reranker")
        return
    train, labels = pairs
    rows, answers, flags = [], [], []
    for q in questions:  # one at a time: a question without candidates gives no rows and is left out
        features, right = kb._pairs([(q.q, q.expect[0] if q.expect else None)])
        if len(right):
            rows.append(features)
            answers.append(right)
            flags.append(bool(q.expect))
    features, right, inside = np.vstack(rows), np.concatenate(answers), np.asarray(flags)
    print("| without | top-1 | AUROC |\n|---|---|---|")
    for k, name in enumerate(("(all features)", *FEATURES)):
        keep = [c for c in range(train.shape[1]) if c != k - 1]
        top1, area = _scores(Reranker.fit(train[:, keep], labels), features[:, [*keep, _RANK]], right, inside)
        print(f"| {name} | {top1:.4f} | {area:.3f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", default="10", help="example questions per recipe: 5, 10, ... or all")
    parser.add_argument("--semantic-model", default="off", help="as the setting: off (default), auto, or a model")
    parser.add_argument("--ablate", action="store_true", help="retrain without each feature in turn")
    args = parser.parse_args()
    if not (BENCH / "make_kb.py").exists():
        sys.exit(f"{BENCH} not found: this benchmark needs ../shared/bench beside the project")
    encoder = make_encoder(args.semantic_model)
    with tempfile.TemporaryDirectory() as tmp:
        folder, questions = _build(args.k, Path(tmp))
        recipes = load_folder(folder).recipes
    reranked = KnowledgeBase(recipes, encoder=encoder)
    print(f"clinc-k{args.k}: {len(recipes)} recipes, {len(questions)} questions, mode {reranked.mode}")
    _compare(KnowledgeBase(recipes, encoder=encoder, rerank=False), reranked, questions)
    if args.ablate:
        _ablate(reranked, questions)


if __name__ == "__main__":
    main()
