"""Scoring for units with example questions: the first stage (centroids, classifier margin, nearest texts), the
reranker's question x candidate features, and the calibrated confidence of the few best candidates.

See :mod:`knowledge.search` for how these scores are fused with the docs scores into one ranked list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from rapidfuzz import fuzz, process, utils

from knowledge.lexical import LexicalFeatures, words_of
from knowledge.loader import Recipe
from knowledge.ranking import Hit
from knowledge.rerank import ACTIONS, Reranker, UnitWords, action_agreement, action_sides
from knowledge.standins import normalize
from knowledge.vectors import pooled

__all__ = [
    "CALIBRATION",
    "DENSE_WEIGHT",
    "LEAD",
    "PHRASE_MATCH",
    "POOLED_WEIGHT",
    "RERANK_TOP",
    "Classifier",
    "ExampleIndex",
    "Stage",
    "finite",
    "top",
]

# Fusion weights, chosen on CLINC150's train/val splits (never its test split).
_MEANING = 0.7  # share of the sentence-vector similarity in the centroid score (the rest is TF-IDF)
_NEAREST = 0.3  # share of the nearest text's similarity in the confidence (the rest is the centroid's)
_NEAREST_CANDIDATES = 10  # how many of the best-ranked recipes get the nearest-text comparison
LEAD = 0.5  # share of a recipe's lead over the runner-up added to its confidence
DENSE_WEIGHT = 1.5  # how loud the sentence vector is next to the TF-IDF features in the SVM
# How loud the static word vectors' max and min (knowledge.vectors.pooled) are in the SVM, beside the mean: static
# encoder, example questions and titles, few texts a recipe (classifier.POOL_TEXTS). CLINC150 val K = 5 / 10, 0 -> 1.5:
# top-1 0.819 -> 0.825, 0.874 -> 0.877; answered right 0.666 -> 0.675, 0.785 -> 0.790; off-topic declined 0.90 ->
# 0.91, 0.90 -> 0.89; AUROC 0.915 -> 0.919, 0.937 -> 0.940. Weights 1.0 and 2.0, or the max alone: within 0.003.
# With [semantic] they cost off-topic declined at K = 10 (0.93 -> 0.90) for top-1 0.928 -> 0.930: not used there.
POOLED_WEIGHT = 1.5
# Without a reranker (a base too small to train one), a question whose content words are mostly ones the base never
# uses ("what is kubernetes" against learning-circle recipes: "what is" matches a recipe's title) loses confidence:
# _UNKNOWN per unit of share above _UNKNOWN_SHARE (LexicalFeatures.unknown_share; a typo or an inflection of a word
# it uses counts as that word). On the starter recipes it declines "what is kubernetes / docker / a xyzzy", "where
# can I find a plumber", "how do I use git rebase"; typos and "dropping" for "drop" are still answered. CLINC150 val
# with the reranker switched off, to stand for such a base (K=5 / K=10), no penalty -> this one: answered right
# 0.672 -> 0.658 / 0.769 -> 0.761, off-topic declined 0.86 -> 0.88 / 0.86 -> 0.87, precision 0.865 -> 0.868 /
# 0.900 -> 0.902, AUROC 0.894 -> 0.889 / 0.927 -> 0.921. Counting function words too (share 0.35, the rule before)
# measured the same within a question or two but answered "where can I find a plumber" (plumber was one word in
# six). With a reranker, which learns confidence from held-out questions, it is not applied (as a reranker feature
# it moved K=5 precision 0.905 -> 0.896).
_UNKNOWN = 1.0
_UNKNOWN_SHARE = 0.6
# Logistic calibration of the raw score, per ranking mode: confidence = 1 / (1 + exp(-slope * (raw - middle))).
CALIBRATION = {
    ("static", "examples"): (0.58, 9.0),
    ("static", "rerank"): (0.25, 1.0),  # reranker log-odds centre, CLINC150 val K=10 even questions
    # [semantic], the static centre kept: CLINC150 val precision 0.947 / 0.957 / 0.975 and off-topic declined 0.94 /
    # 0.93 / 0.89 at K = 5 / 10 / all (kall leaves no room to answer more).
    ("semantic", "rerank"): (0.25, 1.0),
    # Docs (raw: score plus lead over the mean of five rival pages, ranking.Rivals, read with phrase evidence,
    # knowledge.phrases): placed where the answers given on each docs dev set are right >= 90%. The lowest such middle
    # is 0.45 (P2PU binds: 0.902); 0.46 keeps P2PU above its 0.914 before phrase evidence (0.923, answered right 0.450;
    # Mozilla 0.955, 0.700). Each handbook moves the middle by up to 0.06 at build (knowledge.selfcheck; Mozilla: 0.40).
    ("static", "docs"): (0.46, 20.0),
    ("semantic", "examples"): (0.38, 9.0),
    # [semantic] docs (all-MiniLM-L6-v2, lexical share 0.4, phrase evidence read): the lowest middle at which the
    # answers given on both docs dev sets together are right >= 90% (P2PU 0.879, Mozilla 0.923, off-topic declined
    # 0.95 / 0.933). P2PU alone stays at 0.86-0.88 from 0.30 to 0.40: its wrong answers are as sure as its right ones.
    ("semantic", "docs"): (0.33, 15.0),
}
# A question this close to a recipe's title or an example question (rapidfuzz ratio on normalised text) is taken as
# asking for it; only the best-ranked candidates are compared, which keeps big knowledge bases fast.
PHRASE_MATCH = 92.0
_FUZZY_CANDIDATES = 50
_VOTERS = 5  # nearest texts whose units get a vote in the reranker's features
RERANK_TOP = 5  # how many of the first stage's best candidates the reranker reorders
# Without the SVM (past its budget), a least-squares classifier over the best candidates' own texts, trained per
# question: its ridge, and its share in the ordering score (CLINC150 val K=10: first stage top-1 0.797 -> 0.834).
_RIDGE = 0.3
_CANDIDATES_WEIGHT = 0.1
_CANDIDATE_TEXTS = 24  # texts per candidate it learns from at most (title and id words first, then examples)
# The same classifier as a reranker feature beside the SVM, over the reranked few and their first 12 texts each
# (CLINC150 val K=all, 24 texts -> 12: top-1 0.950 either way, answered right 0.900 -> 0.907; K=10 0.875 -> 0.874).
_RERANK_TEXTS = 12
_UNITS_AT_ONCE = 256  # units whose centroids are computed at a time while building (bounds the temporaries)


# The classifier: coefficients (features x classes), intercepts, and the units the classes stand for.
Classifier = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Stage:
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
    local: npt.NDArray[np.float32]  # score of a classifier over the best ten's own texts (best ten only)


class ExampleIndex:
    """The first stage and the reranker's features over every unit's short texts and passages.

    Args:
        recipes: the knowledge base's units.
        has_examples: per unit, whether it was written with example questions.
        lexical: the fitted lexical features (for turning a question into features).
        rows: every text's lexical features (unit length), in ``owner`` order.
        dense: every text's sentence vector (unit length).
        owner: the unit of each text.
        unit_words: each unit's word counts over its short texts.
        encoder_name: ``static`` or ``semantic``: which calibration applies.
        phrases: per unit, its title and example questions, normalised for fuzzy matching.
    """

    def __init__(
        self,
        recipes: Sequence[Recipe],
        has_examples: npt.NDArray[np.bool_],
        lexical: LexicalFeatures,
        rows: sp.csr_matrix,
        dense: npt.NDArray[np.float32],
        owner: npt.NDArray[np.intp],
        unit_words: UnitWords,
        encoder_name: str,
        phrases: list[list[str]],
    ) -> None:
        n = len(recipes)
        self.recipes = recipes
        self._has_examples = has_examples
        self._lexical = lexical
        self._word_columns = lexical.word_columns
        self._short_columns = lexical.short_columns
        self._unit_words = unit_words
        self._encoder_name = encoder_name
        self._phrases = phrases
        self.svm: Classifier | None = None
        self.reranker: Reranker | None = None
        membership = sp.csr_matrix(
            (np.ones(len(owner), dtype=np.float32), (owner, np.arange(len(owner)))), (n, len(owner))
        )
        self._lexical_centroids = _postings(membership, rows)
        self._dense_centroids = normalize(membership @ dense).astype(np.float32)
        # Each recipe's own rows, for the nearest-text similarity of the best candidates: ``_grouped`` lists the
        # rows unit by unit (no reordered copy of the features: at 10,000 recipes that copy alone is 200 MiB).
        self._grouped = np.argsort(owner, kind="stable")
        self._rows_lexical = rows
        self._rows_dense = dense
        self._row_start = np.searchsorted(owner[self._grouped], np.arange(n + 1))
        self._actions = np.zeros((n, 2 * len(ACTIONS)), dtype=bool)
        for i, r in enumerate(recipes):
            self._actions[i, list(action_sides(frozenset(words_of(" ".join((r.title, *r.questions))))))] = True

    @property
    def pooled(self) -> bool:
        """Whether the SVM reads the word vectors' max and min (:func:`knowledge.vectors.pooled`) too."""
        return self.svm is not None and len(self.svm[0]) > self._lexical.width + self._rows_dense.shape[1]

    def hits(self, question: str, dense: npt.NDArray[np.float32], penalty: np.ndarray, limit: int) -> list[Hit]:
        """The best units with example questions: the first stage's candidates, reranked when a reranker is trained."""
        stage = self.first_stage(question, dense, penalty)
        rank, raw = stage.rank, stage.raw
        # A question that is (nearly) a candidate's title or example question, typos included, asks for it.
        candidates = finite(rank, top(rank, _FUZZY_CANDIDATES))
        phrases = [(int(i), p) for i in candidates if penalty[i] <= 0 for p in self._phrases[i]]
        match = process.extractOne(
            utils.default_process(question), [p for _, p in phrases], scorer=fuzz.ratio, score_cutoff=PHRASE_MATCH
        )
        named = phrases[match[2]][0] if match is not None else -1
        order = list(finite(rank, top(rank, max(limit, RERANK_TOP))))
        scores = self._scored(stage, question, order)
        if named >= 0:
            order = [named, *(i for i in order if i != named)]
            scores.setdefault(named, float(raw[named]))
        hits = []
        for i in order[:limit]:
            confidence = _confidence(scores[i])
            if i == named and match is not None:
                confidence = max(confidence, match[1] / 100.0)
            hits.append(Hit(self.recipes[i], round(confidence, 4), round(scores[i], 4)))
        return hits

    def first_stage(self, question: str, dense: npt.NDArray[np.float32], penalty: np.ndarray) -> Stage:
        """Centroid closeness plus the classifier's margin for every unit; nearest texts for the best ten."""
        lexical = normalize(self._lexical.transform_one(question))
        # The question's lexical features as (columns, weights): summing the posting rows of just those columns is
        # much faster than a sparse-by-sparse product on big knowledge bases.
        terms, weights = lexical.indices, lexical.data
        meaning = self._dense_centroids @ dense
        words = self._lexical_centroids[terms].T @ weights
        centroid = _MEANING * meaning + (1 - _MEANING) * words
        margin = np.zeros_like(centroid)
        if self.svm is not None:
            coef, intercept, classes = self.svm
            width, end = self._lexical.width, self._lexical.width + len(dense)
            margin[classes] = coef[terms].T @ weights + coef[width:end].T @ (dense * DENSE_WEIGHT) + intercept
            if len(coef) > end:  # trained on the word vectors' max and min too
                margin[classes] += coef[end:].T @ (pooled(question) * POOLED_WEIGHT)
        centroid -= penalty
        rank = np.where(self._has_examples, margin + centroid - penalty, -np.inf).astype(np.float32)
        # Confidence rests on closeness: to the recipe as a whole (centroid) and to its nearest text, which keeps
        # short questions against long recipes from looking far away.
        raw = centroid.copy()
        best = finite(rank, top(rank, _NEAREST_CANDIDATES))
        starts, ends = self._row_start[best], self._row_start[best + 1]
        rows = self._grouped[np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])]
        query = np.zeros(self._lexical.width, dtype=np.float32)
        query[terms] = weights
        near_meaning, near_words = self._rows_dense[rows] @ dense, self._rows_lexical[rows] @ query
        cuts = np.concatenate([[0], np.cumsum(ends - starts)[:-1]])
        fused = _MEANING * near_meaning + (1 - _MEANING) * near_words
        nearest = np.maximum.reduceat(fused, cuts)
        local = np.zeros_like(centroid)
        if self.svm is None and len(best) > 1:  # told apart by a classifier over the candidates alone
            local[best] = self._candidates_model(rows, ends - starts, near_meaning, query)
            margin[best] = local[best]
            rank[best] += _CANDIDATES_WEIGHT * local[best]
        elif len(best) > 1:  # the same over the reranker's few, for its features
            few = min(len(best), RERANK_TOP)
            end = int((ends - starts)[:few].sum())
            local[best[:few]] = self._candidates_model(
                rows[:end], (ends - starts)[:few], near_meaning[:end], query, _RERANK_TEXTS
            )
        raw[best] = (1 - _NEAREST) * centroid[best] + _NEAREST * (nearest - penalty[best])
        # A recipe that stands clear of the others is a safer answer than one in a tie: add part of the lead.
        top_two = np.sort(raw[best])[-2:] if len(best) > 1 else np.array([0.0, float(raw[best[0]])])
        lead = raw - np.where(raw < top_two[1], top_two[1], top_two[0])
        near = np.zeros((len(raw), 3), dtype=np.float32)
        near[best, 0] = np.maximum.reduceat(near_meaning, cuts)
        near[best, 1] = np.maximum.reduceat(near_words, cuts)
        # Votes: which units the nearest few texts belong to (a k-nearest-neighbour view of the same rows).
        voters = np.repeat(best, ends - starts)[top(fused, _VOTERS)]
        np.add.at(near[:, 2], voters, 1.0 / _VOTERS)
        return Stage(dense, terms, weights, query, rank, raw + LEAD * lead, lead, margin, meaning, words, near, local)

    def _candidates_model(
        self,
        rows: npt.NDArray[np.intp],
        sizes: npt.NDArray[np.intp],
        near_meaning: npt.NDArray[np.float32],
        query: npt.NDArray[np.float32],
        texts: int = _CANDIDATE_TEXTS,
    ) -> npt.NDArray[np.float64]:
        """Per candidate, the score of a least-squares classifier trained on the candidates' own texts (the first
        ``texts`` of each: the cost grows with the cube of their number)."""
        place = np.arange(len(rows)) - np.repeat(np.cumsum(sizes) - sizes, sizes)  # a text's place in its unit
        kept = place < texts
        rows, near_meaning = rows[kept], near_meaning[kept]
        sizes = np.minimum(sizes, texts)
        # Single words and word pairs only (character n-grams are nine tenths of the entries and add little
        # here), over just the columns these texts use: a transpose over all 400,000 columns is most of the cost.
        lexical = self._rows_lexical[rows]
        inside = lexical.indices < self._short_columns
        per_row = np.bincount(np.repeat(np.arange(len(rows)), np.diff(lexical.indptr))[inside], minlength=len(rows))
        used, columns = np.unique(lexical.indices[inside], return_inverse=True)
        indptr = np.concatenate([[0], np.cumsum(per_row)])
        lexical = sp.csr_matrix((lexical.data[inside], columns.ravel(), indptr), shape=(len(rows), len(used)))
        near_words = lexical @ query[used]
        dense = self._rows_dense[rows]
        gram = (lexical @ lexical.T).toarray() + DENSE_WEIGHT**2 * (dense @ dense.T) + 1.0
        gram[np.diag_indices_from(gram)] += _RIDGE
        targets = -np.ones((len(rows), len(sizes)))
        targets[np.arange(len(rows)), np.repeat(np.arange(len(sizes)), sizes)] = 1.0
        alpha: npt.NDArray[np.float64] = np.linalg.solve(gram, targets)
        return np.asarray((near_words + DENSE_WEIGHT**2 * near_meaning + 1.0) @ alpha, dtype=np.float64)

    def _scored(self, stage: Stage, question: str, order: list[int]) -> dict[int, float]:
        """Each candidate's log-odds of being right; the reranked few are put in the reranker's order.

        The first stage's calibrated log-odds and the reranker's are averaged: the reranker learns from a base
        rebuilt with half the examples, so on its own it grows overconfident as recipes get more of them.
        """
        middle, slope = CALIBRATION[(self._encoder_name, "examples")]
        scores = {i: slope * (float(stage.raw[i]) - middle) for i in order}
        reranked = order[:RERANK_TOP]
        if self.reranker is None or not reranked:  # a small base: a question mostly in words it never uses is off
            unknown = slope * _UNKNOWN * max(0.0, self._lexical.unknown_share(words_of(question)) - _UNKNOWN_SHARE)
            return {i: score - unknown for i, score in scores.items()}
        logits = self.reranker.logits(self.pair_features(stage, question, reranked))
        centre = CALIBRATION[(self._encoder_name, "rerank")][0]
        blended = {i: 0.5 * (scores[i] + float(v) - centre) for i, v in zip(reranked, logits, strict=True)}
        floor = min(blended.values())
        for i in order[RERANK_TOP:]:  # past the reranked few: never above them
            scores[i] = min(scores[i], floor)
        scores.update(blended)
        by_reranker = dict(zip(reranked, logits, strict=True))
        order[: len(reranked)] = sorted(reranked, key=lambda i: -by_reranker[i])
        return scores

    def pair_features(self, stage: Stage, question: str, units: list[int]) -> npt.NDArray[np.float64]:
        """Question x candidate features (see :data:`knowledge.rerank.FEATURES`)."""
        picked = np.asarray(units)
        titles = self._grouped[self._row_start[picked]]
        title_meaning = self._rows_dense[titles] @ stage.dense
        title_words = self._rows_lexical[titles] @ stage.query
        in_words = stage.terms[stage.terms < self._word_columns]
        idf = stage.weights[: len(in_words)]
        cover, likelihood, soft = self._unit_words.features(in_words, idf, picked)
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
                stage.local[picked],
                stage.local[picked] - stage.local[picked].max(),
                stage.margin[picked] - stage.margin[picked].max(),
                soft,
                soft - soft.mean(),
            ]
        ).astype(np.float64)


def _postings(membership: sp.csr_matrix, rows: sp.csr_matrix) -> sp.csr_matrix:
    """The units' lexical centroids (``membership @ rows``, rows of unit length) transposed: features x units, so
    that a question's terms pick their rows.

    ``.T.tocsr()`` of the whole holds two copies (210 MiB at 10,000 recipes), so the centroids are computed a slice
    of units at a time, twice: once to count each feature's units, then to put them in place.
    """
    n, width = membership.shape[0], rows.shape[1]
    slices = [(a, min(a + _UNITS_AT_ONCE, n)) for a in range(0, n, _UNITS_AT_ONCE)]
    counts = np.zeros(width, dtype=np.int64)
    for a, b in slices:
        counts += np.bincount((membership[a:b] @ rows).indices, minlength=width)
    indptr = np.zeros(width + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    index = np.int32 if max(n, int(indptr[-1])) < np.iinfo(np.int32).max else np.int64
    indices = np.empty(int(indptr[-1]), dtype=index)
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    cursor = indptr[:-1].copy()  # where each feature's next unit goes
    for a, b in slices:
        part = normalize(membership[a:b] @ rows, copy=False).T.tocsr()  # features x these units
        taken = np.diff(part.indptr)
        where = np.repeat(cursor - part.indptr[:-1], taken) + np.arange(part.nnz)
        indices[where] = part.indices + a
        data[where] = part.data
        cursor += taken
    return sp.csr_matrix((data, indices, indptr.astype(index)), shape=(width, n))


def _confidence(log_odds: float) -> float:
    """A confidence in 0..1 from calibrated log-odds."""
    return 1.0 / (1.0 + math.exp(-log_odds))


def finite(scores: npt.NDArray[np.float32], order: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """``order`` without the units that are not in the running (score ``-inf``)."""
    return order[np.isfinite(scores[order]) | (scores[order] > 0)]


def top(scores: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.intp]:
    """Indices of the ``k`` highest scores, highest first."""
    if k < len(scores):
        part = np.argpartition(-scores, k)[:k]
        return part[np.argsort(-scores[part])]
    return np.argsort(-scores)
