"""What a reranker over the five best docs pages can reach on the docs dev sets (in-process; a negative result).

    python benchmarks/kb_docs_rerank.py [--pseudo 300] [--drop 0.3]

Docs units have no example questions, so the reranker of units with examples (:mod:`knowledge.rerank`) cannot be
trained on them. This measures the alternative proposed for issue #14 item 3 / #21 item 1: a logistic regression
over question x candidate features of the five best pages, trained at index build on *pseudo-questions* drawn from
the handbook itself. For each docs set (imported with its base URL, as ``knowledge_dirs`` does) it prints:

- the first stage's top-1 and how often the right page is in its top five (the most reranking can reach);
- top-1 after reranking with weights fitted on the set's own pseudo-questions (a sentence of a passage with a share
  of its words dropped, that passage taken out of every unit of its page before the index is rebuilt, the other
  top candidates as negatives), and with the other set's pseudo-question weights (transfer to an unseen handbook);
- for comparison, top-1 with weights fitted on the other set's *real* dev questions, and leave-one-out on the set's
  own: a bound on what these features can add even with real questions to learn from.

Features per candidate: its raw docs score, gap to the best and rank; whether it is a section, its depth and length;
the IDF-weighted share of the question's content words in its title and id, its text and its page's text, each also
minus the best other candidate's; meaning closeness to its title and to its nearest passage.
Tune on the dev sets only (see ../shared/bench/README.md).

Measured at the default settings (static vectors, ``--drop 0.3``; 179 and 109 pseudo-questions):

    | set                     | top-1 | right in top 5 | pseudo, own | pseudo, other | real, other | real, LOO |
    | p2pu-handbook           | 0.650 | 0.863          | 0.613       | 0.575         | 0.662       | 0.625     |
    | mozilla-open-leadership | 0.850 | 0.933          | 0.800       | 0.783         | 0.767       | 0.850     |

No variant beat the first stage on both sets with the handbook's own weights: no words dropped (0.613 / 0.783) or
half of them (0.650 / 0.800), headings instead of sentences as pseudo-questions (0.512 / 0.650), fewer features,
or moving a candidate up only when the reranker is surer of it by 1-2 log-odds (at best unchanged). Even weights
fitted on real questions do not help: the right page is mostly in the top five, but what would lift it is meaning
the static vectors miss ("how do i get the word out" for the page on finding participants), not a feature here.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge import KnowledgeBase, Recipe, load_folder
from knowledge.evaluate import EvalQuestion, read_questions
from knowledge.ranking import content_words, passages, sentences_of
from knowledge.rerank import Reranker
from knowledge.vectors import Encoder, make_encoder

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
CORPORA = BENCH.parent / "corpora"
SETS = {
    "p2pu-handbook": ("https://docs.p2pu.org/", "handbook-dev.jsonl"),
    "mozilla-open-leadership": (
        "https://mozilla.github.io/open-leadership-training-series/",
        "mozilla-open-leadership-dev.jsonl",
    ),
}
TOP = 5
Group = tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]


def _page(unit_id: str) -> str:
    return unit_id.split("#", 1)[0]


class Features:
    """Question x candidate features over one knowledge base's docs units."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.encoder: Encoder = kb.encoder
        units = kb.recipes
        self.words = {r.id: set(content_words(f"{r.title} {r.body}")) for r in units}
        self.title = {r.id: set(content_words(f"{r.title} {re.sub(r'[/#_-]+', ' ', r.id)}")) for r in units}
        self.page_words: dict[str, set[str]] = {}
        for r in units:
            self.page_words.setdefault(_page(r.id), set()).update(self.words[r.id])
        frequency = Counter(w for r in units for w in self.words[r.id])
        self.idf = {w: math.log(len(units) / n) + 1 for w, n in frequency.items()}
        self._vectors: dict[str, npt.NDArray[np.float32]] = {}

    def _passage_vectors(self, unit: Recipe) -> npt.NDArray[np.float32]:
        if unit.id not in self._vectors:
            texts = passages(unit.body) or [unit.title]
            self._vectors[unit.id] = np.vstack([self.encoder.encode(t)[0] for t in texts])
        return self._vectors[unit.id]

    def group(self, question: str, right: set[str]) -> Group:
        """The five best pages' features for ``question``, and which of them are right."""
        hits = self.kb.search(question, limit=TOP)
        asked = set(content_words(question))
        weights = {w: self.idf.get(w, 0.0) for w in asked}
        total = sum(weights.values()) or 1.0
        dense = self.encoder.encode(question)[0]
        rows = []
        for rank, hit in enumerate(hits):
            unit = hit.recipe
            rows.append(
                [
                    hit.raw,
                    hit.raw - hits[0].raw,
                    rank,
                    float("#" in unit.id),
                    _page(unit.id).count("/"),
                    math.log1p(len(unit.body)),
                    sum(v for w, v in weights.items() if w in self.title[unit.id]) / total,
                    sum(v for w, v in weights.items() if w in self.words[unit.id]) / total,
                    sum(v for w, v in weights.items() if w in self.page_words[_page(unit.id)]) / total,
                    float(self.encoder.encode(unit.title)[0] @ dense),
                    float((self._passage_vectors(unit) @ dense).max()),
                ]
            )
        features = np.asarray(rows, dtype=np.float64).reshape(len(rows), 11)
        relative = [
            features[:, c] - np.asarray([np.delete(features[:, c], k).max(initial=0.0) for k in range(len(rows))])
            for c in (6, 7, 8)
        ]
        labels = np.asarray([_page(h.recipe.id) in right for h in hits], dtype=bool)
        return np.hstack([features, np.asarray(relative).T.reshape(len(rows), 3)]), labels


def pseudo_groups(kb: KnowledgeBase, count: int, drop: float) -> list[Group]:
    """Pseudo-questions from the handbook itself, asked of it rebuilt without the passage each was drawn from."""
    rng = np.random.default_rng(0)
    pages = [r for r in kb.recipes if "#" not in r.id]
    held: dict[str, list[str]] = {}  # page id -> the paragraphs taken out (one a round, one always left)
    asked: list[tuple[str, set[str]]] = []
    for page in rng.permutation(len(pages)).tolist() * 4:  # up to four rounds over the pages
        recipe, taken = pages[page], held.get(pages[page].id, [])
        paragraphs = [p for p in re.split(r"\n\s*\n", recipe.body) if len(p) >= 80 and not p.lstrip().startswith("#")]
        paragraphs = [p for p in paragraphs if p not in taken]
        if len(paragraphs) < 2 or len(asked) >= count:
            continue
        paragraph = paragraphs[int(rng.integers(len(paragraphs)))]
        sentences = [s for s in sentences_of(paragraph) if 6 <= len(s.split()) <= 40]
        if not sentences:
            continue
        words = sentences[int(rng.integers(len(sentences)))].split()
        question = " ".join(w for w in words if rng.random() >= drop)
        if len(content_words(question)) >= 2:
            held[recipe.id] = [*taken, paragraph]
            copies = {p.id for p in pages if paragraph in p.body}  # handbooks repeat pages: a copy is right too
            asked.append((question, copies | {recipe.id}))
    rebuilt = []
    for r in kb.recipes:
        for paragraph in held.get(_page(r.id), []):
            r = replace(r, body=r.body.replace(paragraph, ""))
        rebuilt.append(r)
    features = Features(KnowledgeBase(rebuilt, encoder=kb.encoder))
    return [features.group(q, right) for q, right in asked]


def top1(groups: list[Group], model: Reranker | None = None) -> float:
    """Top-1 over ``groups`` in the first stage's order, or reordered by ``model``."""
    right = 0
    for features, labels in groups:
        if len(labels):
            right += bool(labels[0 if model is None else int(np.argmax(model.logits(features)))])
    return right / len(groups)


def fit(groups: list[Group]) -> Reranker | None:
    """The reranker fitted on the groups whose right page is among the candidates."""
    useful = [g for g in groups if g[1].any()]
    return Reranker.fit(np.vstack([f for f, _ in useful]), np.concatenate([y for _, y in useful]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pseudo", type=int, default=300, help="pseudo-questions per handbook at most")
    parser.add_argument("--drop", type=float, default=0.3, help="share of a pseudo-question's words dropped")
    parser.add_argument("--semantic-model", default="off", help="as the setting: off (default), auto, or a model")
    args = parser.parse_args()
    if not CORPORA.exists():
        sys.exit(f"{CORPORA} not found: this benchmark needs ../shared beside the project")
    encoder = make_encoder(args.semantic_model)
    dev: dict[str, list[Group]] = {}
    pseudo: dict[str, Reranker | None] = {}
    for name, (base_url, question_file) in SETS.items():
        kb = KnowledgeBase(load_folder(CORPORA / name, base_url=base_url).recipes, encoder=encoder)
        questions: list[EvalQuestion] = [q for q in read_questions(BENCH / question_file) if q.expect]
        features = Features(kb)
        dev[name] = [features.group(q.q, set(q.expect)) for q in questions]
        groups = pseudo_groups(kb, args.pseudo, args.drop)
        pseudo[name] = fit(groups)
        print(f"{name}: {len(groups)} pseudo-questions, first stage top-1 on them {top1(groups):.3f}")
    print("| set | top-1 | right in top 5 | pseudo, own | pseudo, other | real, other | real, leave-one-out |")
    print("|---|---|---|---|---|---|---|")
    for name, groups in dev.items():
        other = next(o for o in dev if o != name)
        within = float(np.mean([g[1].any() for g in groups]))
        loo = sum(
            bool(g[1][int(np.argmax(m.logits(g[0])))])
            for k, g in enumerate(groups)
            if (m := fit(groups[:k] + groups[k + 1 :]))
        )
        print(
            f"| {name} | {top1(groups):.3f} | {within:.3f} | {top1(groups, pseudo[name]):.3f} | "
            f"{top1(groups, pseudo[other]):.3f} | {top1(groups, fit(dev[other])):.3f} | {loo / len(groups):.3f} |"
        )


if __name__ == "__main__":
    main()
