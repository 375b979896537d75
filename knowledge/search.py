"""Find the recipe that answers a question, and say how sure we are.

Each recipe becomes a few short texts (its title, each example question, its summary and tags) and its body.
Three signals are fused:

- **Lexical** (:mod:`knowledge.lexical`): TF-IDF over words, word pairs and character n-grams, compared with
  each recipe's centroid.
- **Meaning**: sentence vectors (:mod:`knowledge.vectors`: distilled static word vectors by default, a
  sentence-transformers model with the ``[semantic]`` extra), compared with each recipe's centroid.
- **Discrimination**: a linear SVM trained at index build on the same features, one class per recipe, so that
  the words that tell two recipes apart weigh more than the words they share. It is trained while the model stays
  small (recipes x features under a budget); very large knowledge bases use the centroids alone.

The SVM learns only from units with example questions. Units without (imported docs pages and sections) are scored
by :class:`knowledge.ranking.DocsIndex` instead, and the two ranked lists are merged by confidence; one page is
shown once (the best of the page and its sections). Contrast words ("first"/"last"...) count for every unit.

rapidfuzz then catches a question that is (nearly) a recipe's title or one of its example questions, typos
included: that recipe goes first, with the match ratio as its confidence if that is higher.

The fused score is mapped to a confidence in 0..1 by a logistic curve per kind of unit (with examples: CLINC150's
validation split; docs: both docs dev sets; ``benchmarks/kb_quality.py --calibrate``), placed so that answers
given at 0.5 are right about 90% of the time. Below the threshold the bot declines and offers the plausible
candidates as suggestions.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from rapidfuzz import fuzz, process, utils
from threadpoolctl import ThreadpoolController

from knowledge.lexical import LexicalFeatures, words_of
from knowledge.loader import Recipe
from knowledge.ranking import (
    _CONTRAST_BONUS,
    _CONTRAST_PENALTY,
    CONTRASTS,
    DocsIndex,
    Hit,
    contrast_sides,
    merge,
    passages,
)
from knowledge.standins import normalize
from knowledge.vectors import Encoder, StaticEncoder

__all__ = ["Answer", "Hit", "KnowledgeBase", "passages", "tokens"]

log = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Short words that carry no topic; only used to key and group logged questions (the ranker weighs words by IDF).
# fmt: off
_STOP = frozenset(
    [
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "is", "are",
        "was", "were", "be", "been", "being", "do", "does", "did", "i", "you", "we", "they", "he", "she", "it", "my",
        "your", "our", "their", "me", "us", "them", "this", "that", "these", "those", "what", "which", "who", "whom",
        "how", "when", "where", "why", "can", "could", "should", "would", "will", "shall", "may", "might", "must",
        "have", "has", "had", "there", "here", "about", "into", "as", "if", "so", "not", "no", "any", "some", "get",
        "just", "than", "then", "also", "very",
    ]
)
# fmt: on
# Fusion weights, chosen on CLINC150's train/val splits (never its test split).
_MEANING = 0.7  # share of the sentence-vector similarity in the centroid score (the rest is TF-IDF)
_NEAREST = 0.3  # share of the nearest text's similarity in the confidence (the rest is the centroid's)
_NEAREST_CANDIDATES = 10  # how many of the best-ranked recipes get the nearest-text comparison
_LEAD = 0.5  # share of a recipe's lead over the runner-up added to its confidence
_DENSE_WEIGHT = 1.5  # how loud the sentence vector is next to the TF-IDF features in the SVM
# The SVM's coefficient matrix is recipes x features floats: above this many, use the centroids alone.
_SVM_BUDGET = 10_000_000
_KEEP_SURE = 0.95  # an example-unit answer this sure (a near-exact example match) skips the docs-style check
_PLAUSIBLE = 0.2  # below this confidence a declined question's candidates are not offered as suggestions
# Logistic calibration of the raw score, per ranking mode: confidence = 1 / (1 + exp(-slope * (raw - middle))).
_CALIBRATION = {
    ("static", "examples"): (0.58, 9.0),
    ("static", "docs"): (0.36, 20.0),  # both docs dev sets, even questions: precision 0.8-1.0 at 0.5 on odd ones
    ("semantic", "examples"): (0.38, 9.0),
    ("semantic", "docs"): (0.45, 17.0),  # not refitted yet: the [semantic] extra was not installed here
}
# A question this close to a recipe's title or an example question (rapidfuzz ratio on normalised text) is taken as
# asking for it; only the best-ranked candidates are compared, which keeps big knowledge bases fast.
_PHRASE_MATCH = 92.0
_FUZZY_CANDIDATES = 50


def tokens(text: str) -> list[str]:
    """Lower-case content words of ``text``, with a light plural strip (for grouping logged questions)."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


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
        learned: extra example questions per recipe id (from feedback), added to the recipe's own.
        encoder: sentence vectors; the static word vectors when not given.
    """

    def __init__(
        self,
        recipes: Sequence[Recipe],
        threshold: float = 0.5,
        learned: Mapping[str, Sequence[str]] | None = None,
        encoder: Encoder | None = None,
    ) -> None:
        self.threshold = threshold
        learned = learned or {}
        # A unit is scored by its kind as written: docs that learned a question from feedback stay docs.
        self._has_examples = np.asarray([bool(r.questions) for r in recipes], dtype=bool)
        self.recipes = [
            replace(r, questions=(*r.questions, *learned[r.id])) if learned.get(r.id) else r for r in recipes
        ]
        self.by_id = {r.id: r for r in self.recipes}
        self.encoder = encoder or StaticEncoder()
        self._svm: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._docs: DocsIndex | None = None
        if self.recipes:
            self._build()

    def __len__(self) -> int:
        return len(self.recipes)

    @property
    def mode(self) -> str:
        """Which ranking is in use, for logs and ``kb eval``: encoder name, plus ``+svm`` when it is trained."""
        return self.encoder.name + ("+svm" if self._svm is not None else "")

    def _build(self) -> None:
        short: list[str] = []
        short_owner: list[int] = []
        bodies: list[str] = []  # passages
        body_owner: list[int] = []
        for i, recipe in enumerate(self.recipes):
            for text in (recipe.title, _id_words(recipe.id), *recipe.questions, recipe.summary, " ".join(recipe.tags)):
                if text.strip():
                    short.append(text)
                    short_owner.append(i)
            for passage in passages(recipe.body):
                bodies.append(passage)
                body_owner.append(i)
        texts = short + bodies
        owner = np.asarray(short_owner + body_owner)
        self._lexical = LexicalFeatures()
        lexical = normalize(self._lexical.fit_transform(short, bodies))
        self.encoder, dense = self.encoder.fitted(texts, self._lexical.word_counts, self._lexical.vocabulary)
        self._lexical.release()
        n = len(self.recipes)
        membership = sp.csr_matrix(
            (np.ones(len(owner), dtype=np.float32), (owner, np.arange(len(owner)))), (n, len(owner))
        )
        self._lexical_centroids = normalize(membership @ lexical).T.tocsr()
        self._dense_centroids = normalize(membership @ dense).astype(np.float32)
        # Each recipe's own rows, contiguous, for the nearest-text similarity of the best candidates.
        grouped = np.argsort(owner, kind="stable")
        self._rows_lexical = lexical[grouped].tocsr()
        self._rows_dense = dense[grouped]
        self._row_start = np.searchsorted(owner[grouped], np.arange(n + 1))
        self._svm_or_examples = bool(self._has_examples.any())
        self._page = [r.id.split("#", 1)[0] for r in self.recipes]
        sides = [contrast_sides(" ".join((r.title, *r.questions, r.summary))) for r in self.recipes]
        self._sides = np.zeros((n, 2 * len(CONTRASTS)), dtype=bool)
        for i, taken in enumerate(sides):
            self._sides[i, list(taken)] = True
        # With docs in the index, every unit gets a docs-style score too: the common scale on which a recipe must
        # also look plausible before it beats a docs section (example questions look like any question).
        docs_rows = grouped if not self._has_examples.all() else grouped[:0]
        self._index = {r.id: i for i, r in enumerate(self.recipes)}
        pages = [self._index.get(page, i) for i, page in enumerate(self._page)]
        parent = np.asarray([p if not self._has_examples[p] else i for i, p in enumerate(pages)])
        passage_row = np.arange(len(texts)) >= len(short)
        self._docs = (
            DocsIndex(
                [texts[k] for k in docs_rows],
                owner[docs_rows],
                dense[docs_rows],
                n,
                parent,
                passage_row[docs_rows],
            )
            if len(docs_rows)
            else None
        )
        self._train_classifier(lexical, dense, owner)
        self._phrases = [[utils.default_process(p) for p in (r.title, *r.questions)] for r in self.recipes]

    def _train_classifier(self, lexical: sp.csr_matrix, dense: npt.NDArray[np.float32], owner: np.ndarray) -> None:
        """The linear SVM over the recipes that have example questions (it learns from examples, not prose)."""
        classes = np.flatnonzero(self._has_examples)
        n = len(classes)
        features = lexical.shape[1] + dense.shape[1]
        if n < 2:
            return
        if n * features > _SVM_BUDGET:
            log.info("knowledge base: %d recipes x %d features is over the SVM budget; using centroids", n, features)
            return
        from sklearn.exceptions import ConvergenceWarning  # only building needs scikit-learn (0.5 s to import)
        from sklearn.svm import LinearSVC

        rows = np.flatnonzero(self._has_examples[owner])
        svm = LinearSVC(C=1.0, max_iter=2000)
        with warnings.catch_warnings():  # stopping at max_iter still leaves a usable model
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm.fit(sp.hstack([lexical[rows], sp.csr_matrix(dense[rows] * _DENSE_WEIGHT)]).tocsr(), owner[rows])
        coef = svm.coef_.astype(np.float32)
        intercept = svm.intercept_.astype(np.float32)
        if n == 2:  # a binary SVM has one row: positive means the second recipe
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        self._svm = (coef.T.copy(), intercept, classes)

    def search(self, question: str, limit: int = 5) -> list[Hit]:
        """The ``limit`` best units for ``question``, best first, each with its confidence; one unit per page."""
        if not self.recipes or not words_of(question):
            return []
        # A question's products are small: one BLAS thread is plenty, and more fight torch's threads when a
        # sentence-transformers model runs (measured: p99 139 ms with both pools, 29 ms with BLAS on one thread).
        with _blas().limit(limits=1, user_api="blas"):
            dense = self.encoder.encode(question)[0]
            penalty = self._contrast(question)
            hits = self._example_hits(question, dense, penalty, limit * 2) if self._svm_or_examples else []
            if self._docs is not None:
                query = self._docs.query(question)
                scores = self._docs.scores(query, dense) - np.maximum(penalty, 0)
                hits = merge(self._checked(hits, scores), self._docs_hits(question, scores, limit * 2))
                if hits and not self._has_examples[self._index[hits[0].recipe.id]]:  # show the best passage
                    passage = self._docs.passage(self._index[hits[0].recipe.id], query, question, dense)
                    hits[0] = replace(hits[0], passage=passage)
        pages: set[str] = set()
        out = []
        for hit in hits:  # the best of a page and its sections stands for the page
            page = hit.recipe.id.split("#", 1)[0]
            if page not in pages:
                pages.add(page)
                out.append(hit)
        return out[:limit]

    def _contrast(self, question: str) -> npt.NDArray[np.float32]:
        """Per unit: a penalty for being on the other side of a contrast the question makes, a bonus for its side."""
        penalty = np.zeros(len(self.recipes), dtype=np.float32)
        for side in contrast_sides(question):
            penalty[self._sides[:, side ^ 1] & ~self._sides[:, side]] = _CONTRAST_PENALTY
            penalty[self._sides[:, side] & ~self._sides[:, side ^ 1]] -= _CONTRAST_BONUS
        return penalty

    def _example_hits(
        self, question: str, dense: npt.NDArray[np.float32], penalty: np.ndarray, limit: int
    ) -> list[Hit]:
        """The best units with example questions: centroid closeness plus the classifier's margin."""
        lexical = normalize(self._lexical.transform_one(question))
        # The question's lexical features as (columns, weights): summing the posting rows of just those columns is
        # much faster than a sparse-by-sparse product on big knowledge bases.
        terms, weights = lexical.indices, lexical.data
        centroid = _MEANING * (self._dense_centroids @ dense) + (1 - _MEANING) * (
            self._lexical_centroids[terms].T @ weights
        )
        margin = np.zeros_like(centroid)
        if self._svm is not None:
            coef, intercept, classes = self._svm
            width = self._lexical.width
            margin[classes] = coef[terms].T @ weights + coef[width:].T @ (dense * _DENSE_WEIGHT) + intercept
        centroid -= penalty
        rank = np.where(self._has_examples, margin + centroid - penalty, -np.inf).astype(np.float32)
        # Confidence rests on closeness: to the recipe as a whole (centroid) and to its nearest text, which keeps
        # short questions against long recipes from looking far away.
        raw = centroid.copy()
        best = _finite(rank, _top(rank, _NEAREST_CANDIDATES))
        starts, ends = self._row_start[best], self._row_start[best + 1]
        rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
        query = np.zeros(self._lexical.width, dtype=np.float32)
        query[terms] = weights
        near = _MEANING * (self._rows_dense[rows] @ dense) + (1 - _MEANING) * (self._rows_lexical[rows] @ query)
        nearest = np.maximum.reduceat(near, np.concatenate([[0], np.cumsum(ends - starts)[:-1]]))
        raw[best] = (1 - _NEAREST) * centroid[best] + _NEAREST * (nearest - penalty[best])
        # A recipe that stands clear of the others is a safer answer than one in a tie: add part of the lead.
        top_two = np.sort(raw[best])[-2:] if len(best) > 1 else np.array([0.0, float(raw[best[0]])])
        middle, slope = _CALIBRATION[(self.encoder.name, "examples")]
        candidates = _finite(rank, _top(rank, _FUZZY_CANDIDATES))
        # A question that is (nearly) a candidate's title or example question, typos included, asks for it.
        phrases = [(int(i), p) for i in candidates if penalty[i] <= 0 for p in self._phrases[i]]
        match = process.extractOne(
            utils.default_process(question), [p for _, p in phrases], scorer=fuzz.ratio, score_cutoff=_PHRASE_MATCH
        )
        named = phrases[match[2]][0] if match is not None else -1
        if named >= 0:
            rank[named] = math.inf
        hits = []
        for i in _finite(rank, _top(rank, limit)):
            rival = top_two[1] if raw[i] < top_two[1] else top_two[0]
            score = float(raw[i]) + _LEAD * (float(raw[i]) - float(rival))
            confidence = 1.0 / (1.0 + math.exp(-slope * (score - middle)))
            if i == named and match is not None:
                confidence = max(confidence, match[1] / 100.0)
            hits.append(Hit(self.recipes[i], round(confidence, 4), round(score, 4)))
        return hits

    def _checked(self, hits: list[Hit], scores: npt.NDArray[np.float32]) -> list[Hit]:
        """Units with examples, no more confident than their docs-style score allows (unless asked for by name)."""
        middle, slope = _CALIBRATION[(self.encoder.name, "docs")]
        out = []
        for hit in hits:
            if hit.score < _KEEP_SURE:
                plausible = 1.0 / (1.0 + math.exp(-slope * (float(scores[self._index[hit.recipe.id]]) - middle)))
                hit = replace(hit, score=round(min(hit.score, plausible), 4))
            out.append(hit)
        return sorted(out, key=lambda h: -h.score)

    def _docs_hits(self, question: str, scores: npt.NDArray[np.float32], limit: int) -> list[Hit]:
        """The best units without examples (docs pages and sections), each against the best unit of another page."""
        scores = np.where(self._has_examples, -np.inf, scores).astype(np.float32)
        order = _finite(scores, _top(scores, limit + 8))
        middle, slope = _CALIBRATION[(self.encoder.name, "docs")]
        # A question (nearly) the same as one a docs unit learned from feedback asks for that unit.
        asked = utils.default_process(question)
        named = {int(i): fuzz.ratio(asked, p) for i in order for p in self._phrases[i][1:]}
        hits = []
        for i in order[:limit]:
            page = self._page[i]
            rival = next((float(scores[j]) for j in order if self._page[j] != page), 0.0)
            score = float(scores[i]) + _LEAD * (float(scores[i]) - rival)
            confidence = 1.0 / (1.0 + math.exp(-slope * (score - middle)))
            if named.get(int(i), 0.0) >= _PHRASE_MATCH:
                confidence = max(confidence, named[int(i)] / 100.0)
            hits.append(Hit(self.recipes[i], round(confidence, 4), round(score, 4)))
        return sorted(hits, key=lambda h: -h.score)

    def answer(self, question: str) -> Answer:
        """The best recipe if it is confident enough, and up to three suggestions either way."""
        hits = self.search(question, limit=4)
        if hits and hits[0].score >= self.threshold:
            return Answer(question, hits[0], tuple(hits[1:4]))
        # Declined: offer close matches only when they are plausible, not three random pages for "tell me a joke".
        plausible = sorted((h for h in hits[:3] if h.score >= _PLAUSIBLE), key=lambda h: -h.score)
        return Answer(question, None, tuple(plausible))


def _finite(scores: npt.NDArray[np.float32], order: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """``order`` without the units that are not in the running (score ``-inf``)."""
    return order[np.isfinite(scores[order]) | (scores[order] > 0)]


def _top(scores: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.intp]:
    """Indices of the ``k`` highest scores, highest first."""
    if k < len(scores):
        part = np.argpartition(-scores, k)[:k]
        return part[np.argsort(-scores[part])]
    return np.argsort(-scores)


def _id_words(recipe_id: str) -> str:
    """``circles/meeting-length#notes`` -> ``circles meeting length notes``: ids are often the best keywords."""
    return re.sub(r"[/#_\-.]+", " ", recipe_id)


@functools.cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()
