"""Find the recipe that answers a question.

Two signals, fused: BM25 over each recipe's fields (example questions and title count most), and rapidfuzz
similarity to the closest example question or title (catches typos and near-exact phrasings). The fused score is
the confidence in 0..1; below the threshold the bot declines and offers suggestions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from knowledge.loader import Recipe

__all__ = ["Answer", "Hit", "KnowledgeBase", "tokens"]

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "it",
        "my",
        "your",
        "our",
        "their",
        "me",
        "us",
        "them",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "when",
        "where",
        "why",
        "can",
        "could",
        "should",
        "would",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "have",
        "has",
        "had",
        "there",
        "here",
        "about",
        "into",
        "as",
        "if",
        "so",
        "not",
        "no",
        "any",
        "some",
        "get",
        "just",
        "than",
        "then",
        "also",
        "very",
    ]
)
# Field weights: how much a query word found in that field counts.
_FIELDS = (("questions", 3.0), ("title", 2.5), ("tags", 1.5), ("summary", 1.0), ("body", 0.5))
_K1, _B = 1.2, 0.75
# How many lexical candidates get a fuzzy comparison when many recipes share the query's words.
_CANDIDATES = 100


def tokens(text: str) -> list[str]:
    """Lower-case content words of ``text``, with a light plural strip."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


@dataclass(frozen=True)
class Hit:
    """A recipe and how sure the search is that it answers the question (0..1)."""

    recipe: Recipe
    score: float


@dataclass(frozen=True)
class Answer:
    """The best hit if it clears the threshold, else None; ``suggestions`` are the runners-up."""

    question: str
    best: Hit | None
    suggestions: tuple[Hit, ...]


class KnowledgeBase:
    """An in-memory index over recipes.

    Args:
        recipes: the recipes to search.
        threshold: confidence at or above which an answer is given.
    """

    def __init__(
        self, recipes: Sequence[Recipe], threshold: float = 0.62, learned: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self.threshold = threshold
        # Learned examples (questions people confirmed a recipe answers) join the recipe's own example questions.
        learned = learned or {}
        self.recipes = [
            replace(r, questions=(*r.questions, *learned[r.id])) if learned.get(r.id) else r for r in recipes
        ]
        self.by_id = {r.id: r for r in self.recipes}
        self._postings: dict[str, list[tuple[int, float]]] = {}
        self._lengths: list[float] = []
        df: Counter[str] = Counter()
        for recipe in self.recipes:
            weighted: dict[str, float] = {}
            for name, weight in _FIELDS:
                for word in tokens(_field_text(recipe, name)):
                    weighted[word] = weighted.get(word, 0.0) + weight
            for word, tf in weighted.items():
                self._postings.setdefault(word, []).append((len(self._lengths), tf))
            self._lengths.append(sum(weighted.values()))
            df.update(weighted.keys())
        n = max(len(self.recipes), 1)
        self._idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}
        self._avg_len = (sum(self._lengths) / n) or 1.0
        self._phrases: list[str] = []
        self._phrase_owner: list[int] = []
        self._phrase_span: list[tuple[int, int]] = []
        for i, recipe in enumerate(self.recipes):
            start = len(self._phrases)
            for phrase in (recipe.title, *recipe.questions):
                self._phrases.append(" ".join(tokens(phrase)))
                self._phrase_owner.append(i)
            self._phrase_span.append((start, len(self._phrases)))

    def __len__(self) -> int:
        return len(self.recipes)

    def search(self, question: str, limit: int = 5) -> list[Hit]:
        """The ``limit`` best recipes for ``question``, best first."""
        query = tokens(question)
        if not query or not self.recipes:
            return []
        lexical = self._bm25(query)
        top_lexical = max(lexical.values(), default=0.0)
        joined = " ".join(query)
        fuzzy: dict[int, float] = {}
        if len(lexical) > _CANDIDATES:
            # Fuzzy-compare only with the phrases of the best lexical candidates: keeps big knowledge bases fast.
            candidates = sorted(lexical, key=lexical.__getitem__, reverse=True)[:_CANDIDATES]
            for i in candidates:
                start, end = self._phrase_span[i]
                fuzzy[i] = max(fuzz.token_sort_ratio(joined, p) for p in self._phrases[start:end]) / 100.0
        else:
            # Few or no word matches (typos, tiny knowledge base): compare with every phrase.
            for _, sim, idx in process.extract(joined, self._phrases, scorer=fuzz.token_sort_ratio, limit=limit * 8):
                owner = self._phrase_owner[idx]
                fuzzy[owner] = max(fuzzy.get(owner, 0.0), sim / 100.0)
        # Normalise BM25 by what the query would score against a perfect match of itself.
        ceiling = sum(self._idf.get(w, 0.0) for w in set(query)) * (_K1 + 1) or 1.0
        scores = {}
        for i in set(lexical) | set(fuzzy):
            lex = lexical.get(i, 0.0)
            relative = lex / top_lexical if top_lexical else 0.0
            scores[i] = 0.45 * min(lex / ceiling * 1.6, 1.0) + 0.35 * fuzzy.get(i, 0.0) + 0.2 * relative
        best = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:limit]
        return [Hit(self.recipes[i], round(min(s, 1.0), 4)) for i, s in best]

    def answer(self, question: str) -> Answer:
        """The best recipe if it is confident enough, and up to three suggestions either way."""
        hits = self.search(question, limit=4)
        if hits and hits[0].score >= self.threshold:
            return Answer(question, hits[0], tuple(hits[1:4]))
        return Answer(question, None, tuple(hits[:3]))

    def _bm25(self, query: Iterable[str]) -> dict[int, float]:
        scores: dict[int, float] = {}
        for word in set(query):
            idf = self._idf.get(word)
            if idf is None:
                continue
            for i, tf in self._postings[word]:
                norm = _K1 * (1 - _B + _B * self._lengths[i] / self._avg_len)
                scores[i] = scores.get(i, 0.0) + idf * tf * (_K1 + 1) / (tf + norm)
        return scores


def _field_text(recipe: Recipe, name: str) -> str:
    if name == "questions":
        return " ".join(recipe.questions)
    if name == "tags":
        return " ".join(recipe.tags)
    value = getattr(recipe, name)
    assert isinstance(value, str)
    return value
