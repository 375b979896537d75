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

The first stage's five best units with examples are then reordered by a pairwise reranker
(:mod:`knowledge.rerank`), trained at index build on held-out example questions when the base has enough of them
(at least 200); its log-odds are the raw score their confidence is calibrated from. Past the SVM's budget the
reranker still runs, so the candidates are still told apart by their words and actions.

The SVM learns only from units with example questions. Units without (imported docs pages and sections) are scored
by :class:`knowledge.ranking.DocsIndex` instead, and the two ranked lists are merged by confidence; one page is
shown once (the best of the page and its sections). Contrast words ("first"/"last"...) count for every unit.

rapidfuzz then catches a question that is (nearly) a recipe's title or one of its example questions, typos
included: that recipe goes first, with the match ratio as its confidence if that is higher.

The raw score is mapped to a confidence in 0..1 by a logistic curve per kind of unit (reranked units with
examples: the reranker's log-odds, fitted on CLINC150's validation split; without a reranker: the fused score; docs:
both docs dev sets; ``benchmarks/kb_quality.py --calibrate``), placed so that answers given at 0.5 are right about
90% of the time. Below the threshold the bot declines and offers the plausible
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
from knowledge.rerank import ACTIONS, Reranker, UnitWords, action_agreement, action_sides
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
    ("static", "rerank"): (0.25, 1.0),  # reranker log-odds centre, CLINC150 val K=10 even questions
    ("semantic", "rerank"): (0.25, 1.0),  # not refitted: the [semantic] extra is not installed here
    ("static", "docs"): (0.36, 20.0),  # both docs dev sets, even questions: precision 0.8-1.0 at 0.5 on odd ones
    ("semantic", "examples"): (0.38, 9.0),
    ("semantic", "docs"): (0.45, 17.0),  # not refitted yet: the [semantic] extra was not installed here
}
# A question this close to a recipe's title or an example question (rapidfuzz ratio on normalised text) is taken as
# asking for it; only the best-ranked candidates are compared, which keeps big knowledge bases fast.
_PHRASE_MATCH = 92.0
_FUZZY_CANDIDATES = 50
_VOTERS = 5  # nearest texts whose units get a vote in the reranker's features
RERANK_TOP = 5  # how many of the first stage's best candidates the reranker reorders
_RERANK_UNITS = 200  # recipes sampled to train the reranker on (its features are relative: a sample does)
_RERANK_QUESTIONS = 800  # held-out questions asked of them at most
_RERANK_KEEP = 20  # example questions kept per recipe in the rebuilt base (keeps the build quick at any size)
_RERANK_ASK = 10  # held-out example questions asked per recipe
_RERANK_MIN_QUESTIONS = 200  # held-out in-scope questions needed before a reranker is trained at all
_RERANK_UNSEEN = 0.2  # share of the sampled recipes left out, so their questions stand for out-of-scope ones


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
class _Stage:
    """The first stage's view of one question: its features and per-unit scores."""

    dense: npt.NDArray[np.float32]
    terms: npt.NDArray[np.int32]
    weights: npt.NDArray[np.float32]
    query: npt.NDArray[np.float32]  # the lexical features as a dense row
    rank: npt.NDArray[np.float32]  # ordering score: centroid plus classifier margin
    raw: npt.NDArray[np.float32]  # closeness plus part of the lead: the confidence's input without a reranker
    lead: npt.NDArray[np.float32]
    margin: npt.NDArray[np.float32]
    meaning: npt.NDArray[np.float32]  # sentence-vector closeness to each centroid
    words: npt.NDArray[np.float32]  # TF-IDF closeness to each centroid
    near: npt.NDArray[np.float32]  # units x (meaning, words) closeness to the nearest text (best ten only)


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
        *,
        rerank: bool = True,
        svm: bool = True,
    ) -> None:
        self.threshold = threshold
        self._options = (rerank, svm)
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
        self._reranker: Reranker | None = None
        if self.recipes:
            self._build()

    def __len__(self) -> int:
        return len(self.recipes)

    @property
    def mode(self) -> str:
        """Which ranking is in use, for logs and ``kb eval``: encoder name, plus ``+svm`` when it is trained."""
        return (
            self.encoder.name
            + ("+svm" if self._svm is not None else "")
            + ("+rerank" if self._reranker is not None else "")
        )

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
        self._word_columns = len(self._lexical.vocabulary)
        n = len(self.recipes)
        self._unit_words = _unit_words(self._lexical.word_counts[: len(short)], np.asarray(short_owner), n)
        self._lexical.release()
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
        self._actions = np.zeros((n, 2 * len(ACTIONS)), dtype=bool)
        for i, r in enumerate(self.recipes):
            self._actions[i, list(action_sides(frozenset(words_of(" ".join((r.title, *r.questions))))))] = True
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
        if self._options[0]:
            self._train_reranker()

    def _train_reranker(self) -> None:
        """Fit the reranker on held-out example questions of a knowledge base rebuilt from the other half."""
        units = [i for i in np.flatnonzero(self._has_examples) if len(self.recipes[i].questions) >= 2]
        if len(units) < 5:
            return
        rng = np.random.default_rng(0)
        picked = rng.permutation(units)[:_RERANK_UNITS]
        unseen = max(1, int(len(picked) * _RERANK_UNSEEN))
        kept: list[Recipe] = []
        asked: list[tuple[str, str | None]] = []
        for k, i in enumerate(picked):
            recipe = self.recipes[i]
            if k < unseen:  # left out: its questions are out of scope for the rebuilt base
                asked += [(q, None) for q in recipe.questions[:4]]
            else:
                kept.append(replace(recipe, questions=recipe.questions[0::2][:_RERANK_KEEP]))
                asked += [(q, recipe.id) for q in recipe.questions[1::2][:_RERANK_ASK]]
        if sum(right is not None for _, right in asked) < _RERANK_MIN_QUESTIONS:
            return  # too few to learn from: a small base keeps the first stage's order and confidence
        if len(asked) > _RERANK_QUESTIONS:
            asked = [asked[k] for k in sorted(rng.choice(len(asked), _RERANK_QUESTIONS, replace=False))]
        half = KnowledgeBase(kept, encoder=self.encoder, rerank=False, svm=self._svm is not None)
        features, labels = half._pairs(asked)
        self._reranker = Reranker.fit(features, labels)

    def _pairs(self, asked: list[tuple[str, str | None]]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """Question x candidate features of the first stage's best few, and whether each is the right answer."""
        features, labels = [], []
        with _blas().limit(limits=1, user_api="blas"):
            for question, right in asked:
                dense = self.encoder.encode(question)[0]
                penalty = self._contrast(question)
                stage = self._first_stage(question, dense, penalty)
                order = [int(i) for i in _finite(stage.rank, _top(stage.rank, RERANK_TOP))]
                if not order:
                    continue
                features.append(self._pair_features(stage, question, order))
                labels += [self.recipes[i].id == right for i in order]
        if not features:
            return np.zeros((0, 0)), np.zeros(0, dtype=bool)
        return np.vstack(features), np.asarray(labels, dtype=bool)

    @staticmethod
    def _confidence(log_odds: float) -> float:
        """A confidence in 0..1 from calibrated log-odds."""
        return 1.0 / (1.0 + math.exp(-log_odds))

    def _train_classifier(self, lexical: sp.csr_matrix, dense: npt.NDArray[np.float32], owner: np.ndarray) -> None:
        """The linear SVM over the recipes that have example questions (it learns from examples, not prose)."""
        classes = np.flatnonzero(self._has_examples)
        n = len(classes)
        features = lexical.shape[1] + dense.shape[1]
        if n < 2:
            return
        if n * features > _SVM_BUDGET or not self._options[1]:
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
        """The best units with example questions: the first stage's candidates, reranked when a reranker is trained."""
        stage = self._first_stage(question, dense, penalty)
        rank, raw = stage.rank, stage.raw
        # A question that is (nearly) a candidate's title or example question, typos included, asks for it.
        candidates = _finite(rank, _top(rank, _FUZZY_CANDIDATES))
        phrases = [(int(i), p) for i in candidates if penalty[i] <= 0 for p in self._phrases[i]]
        match = process.extractOne(
            utils.default_process(question), [p for _, p in phrases], scorer=fuzz.ratio, score_cutoff=_PHRASE_MATCH
        )
        named = phrases[match[2]][0] if match is not None else -1
        order = list(_finite(rank, _top(rank, max(limit, RERANK_TOP))))
        scores = self._scored(stage, question, order)
        if named >= 0:
            order = [named, *(i for i in order if i != named)]
            scores.setdefault(named, float(raw[named]))
        hits = []
        for i in order[:limit]:
            confidence = self._confidence(scores[i])
            if i == named and match is not None:
                confidence = max(confidence, match[1] / 100.0)
            hits.append(Hit(self.recipes[i], round(confidence, 4), round(scores[i], 4)))
        return hits

    def _first_stage(self, question: str, dense: npt.NDArray[np.float32], penalty: np.ndarray) -> _Stage:
        """Centroid closeness plus the classifier's margin for every unit; nearest texts for the best ten."""
        lexical = normalize(self._lexical.transform_one(question))
        # The question's lexical features as (columns, weights): summing the posting rows of just those columns is
        # much faster than a sparse-by-sparse product on big knowledge bases.
        terms, weights = lexical.indices, lexical.data
        meaning = self._dense_centroids @ dense
        words = self._lexical_centroids[terms].T @ weights
        centroid = _MEANING * meaning + (1 - _MEANING) * words
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
        near_meaning, near_words = self._rows_dense[rows] @ dense, self._rows_lexical[rows] @ query
        cuts = np.concatenate([[0], np.cumsum(ends - starts)[:-1]])
        fused = _MEANING * near_meaning + (1 - _MEANING) * near_words
        nearest = np.maximum.reduceat(fused, cuts)
        raw[best] = (1 - _NEAREST) * centroid[best] + _NEAREST * (nearest - penalty[best])
        # A recipe that stands clear of the others is a safer answer than one in a tie: add part of the lead.
        top_two = np.sort(raw[best])[-2:] if len(best) > 1 else np.array([0.0, float(raw[best[0]])])
        lead = raw - np.where(raw < top_two[1], top_two[1], top_two[0])
        near = np.zeros((len(raw), 3), dtype=np.float32)
        near[best, 0] = np.maximum.reduceat(near_meaning, cuts)
        near[best, 1] = np.maximum.reduceat(near_words, cuts)
        # Votes: which units the nearest few texts belong to (a k-nearest-neighbour view of the same rows).
        voters = np.repeat(best, ends - starts)[_top(fused, _VOTERS)]
        np.add.at(near[:, 2], voters, 1.0 / _VOTERS)
        return _Stage(dense, terms, weights, query, rank, raw + _LEAD * lead, lead, margin, meaning, words, near)

    def _scored(self, stage: _Stage, question: str, order: list[int]) -> dict[int, float]:
        """Each candidate's log-odds of being right; the reranked few are put in the reranker's order.

        The first stage's calibrated log-odds and the reranker's are averaged: the reranker learns from a base
        rebuilt with half the examples, so on its own it grows overconfident as recipes get more of them.
        """
        middle, slope = _CALIBRATION[(self.encoder.name, "examples")]
        scores = {i: slope * (float(stage.raw[i]) - middle) for i in order}
        reranked = order[:RERANK_TOP]
        if self._reranker is None or not reranked:
            return scores
        logits = self._reranker.logits(self._pair_features(stage, question, reranked))
        centre = _CALIBRATION[(self.encoder.name, "rerank")][0]
        blended = {i: 0.5 * (scores[i] + float(v) - centre) for i, v in zip(reranked, logits, strict=True)}
        floor = min(blended.values())
        for i in order[RERANK_TOP:]:  # past the reranked few: never above them
            scores[i] = min(scores[i], floor)
        scores.update(blended)
        by_reranker = dict(zip(reranked, logits, strict=True))
        order[: len(reranked)] = sorted(reranked, key=lambda i: -by_reranker[i])
        return scores

    def _pair_features(self, stage: _Stage, question: str, units: list[int]) -> npt.NDArray[np.float64]:
        """Question x candidate features (see :data:`knowledge.rerank.FEATURES`)."""
        picked = np.asarray(units)
        titles = self._row_start[picked]
        title_meaning = self._rows_dense[titles] @ stage.dense
        title_words = self._rows_lexical[titles] @ stage.query
        in_words = stage.terms[stage.terms < self._word_columns]
        idf = stage.weights[: len(in_words)]
        cover, likelihood = self._unit_words.features(in_words, idf, picked)
        sides = action_sides(frozenset(words_of(question)))
        agreement = np.asarray([action_agreement(sides, self._actions[i]) for i in units])
        first = stage.rank[picked]
        asked = utils.default_process(question)
        spelled = np.asarray(
            [max((fuzz.token_sort_ratio(asked, p) for p in self._phrases[i]), default=0.0) / 100 for i in units]
        )
        return np.column_stack(
            [
                stage.raw[picked],
                first - first.max(),
                stage.lead[picked],
                np.arange(len(units)),
                stage.margin[picked],
                stage.meaning[picked],
                stage.near[picked, 0],
                title_meaning,
                stage.words[picked],
                stage.near[picked, 1],
                stage.near[picked, 2],
                title_words,
                cover,
                cover - cover.mean(),
                likelihood,
                likelihood - likelihood.max(),
                spelled,
                spelled - spelled.max(),
                agreement[:, 0],
                agreement[:, 1],
            ]
        ).astype(np.float64)

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


def _unit_words(counts: sp.csr_matrix, owner: npt.NDArray[np.intp], n: int) -> UnitWords:
    """Per unit, the word columns its short texts use and how often (for the reranker's word features)."""
    membership = sp.csr_matrix((np.ones(len(owner), dtype=np.float32), (owner, np.arange(len(owner)))), (n, len(owner)))
    used = (membership @ counts).tocsr()
    used.sum_duplicates()
    used.sort_indices()
    return UnitWords(used.astype(np.float32))


def _id_words(recipe_id: str) -> str:
    """``circles/meeting-length#notes`` -> ``circles meeting length notes``: ids are often the best keywords."""
    return re.sub(r"[/#_\-.]+", " ", recipe_id)


@functools.cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()
