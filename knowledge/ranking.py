"""Scoring for units without example questions (imported documentation), contrast words for every unit, and the
ranking pieces both kinds share (hits, passages, merging ranked lists).

A docs unit (a page or one of its sections) is indexed as its rows: title (heading path), id words, summary and body
passages. Its score fuses two signals, each as a centroid over the rows and as the best single row (the passage that
matches best, so a long page is not judged by its mean):

- **lexical**: TF-IDF over content words (sublinear term frequency, each row of unit length, so long passages do not
  win by length). Function words are left out, since a question's "how do I" would otherwise pull it towards any
  heading phrased as a question; contrast words (first/last, before/after, not...) are kept;
- **meaning**: the sentence vectors the main index computed for the same rows.

Confidence: a unit's raw score on the docs scale is its score plus its lead over the mean of the best five other
pages (:class:`Rivals`), calibrated by the ``docs`` rows of :data:`knowledge.examples.CALIBRATION` with the middle
fitted to the handbook (:mod:`knowledge.selfcheck`, which scores its pseudo-questions in batches with
:meth:`DocsIndex.scores_many` against :meth:`DocsIndex.held_out`). A declined question offers docs candidates down to
:data:`PLAUSIBLE_DOCS`.

Contrast words: a question that says "last" is not answered by a unit about the "first" one. A unit whose short texts
(title, examples, summary) use one side of a contrast and never the other loses points against a question that asks
for the other side.
"""

from __future__ import annotations

import copy
import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from knowledge.lexical import words_of
from knowledge.loader import Recipe
from knowledge.passages import blocks, joined, passages, questions_of, sentences_of
from knowledge.phrases import PHRASE_WEIGHT, Phrases
from knowledge.standins import ENGLISH_STOP_WORDS, normalize, tfidf_rows

__all__ = [
    "CONTRASTS",
    "LEXICAL_SHARE",
    "PLAUSIBLE_DOCS",
    "DocsIndex",
    "Hit",
    "Query",
    "Rivals",
    "contrast_penalty",
    "contrast_sides",
    "joined",
    "merge",
    "passages",
    "questions_of",
    "sentences_of",
]

Query = tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]

# Pairs of words that ask for opposite things; each word also stands for its listed forms.
CONTRASTS: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (frozenset({"first", "beginning", "initial", "kickoff"}), frozenset({"last", "final", "closing"})),
    (
        frozenset({"start", "starting", "begin", "beginning", "opening"}),
        frozenset({"end", "ending", "finish", "wrap", "closing"}),
    ),
    (frozenset({"before"}), frozenset({"after"})),
    (frozenset({"online", "virtual", "remote"}), frozenset({"person", "physical", "venue"})),
)
_NEGATIONS = frozenset({"not", "no", "never", "without", "don't", "doesn't", "can't", "cannot", "won't"})
_KEEP = frozenset().union(*(a | b for a, b in CONTRASTS), _NEGATIONS)
# "does"/"did"/"doing" are function words the stop list lacks (stemmed, "does" would become the topic "doe").
_STOP = (frozenset(ENGLISH_STOP_WORDS) | {"does", "did", "doing"}) - _KEEP
# A clitic ("what's", "i'm", "learners'") is not part of the word's topic; negations keep theirs ("don't").
_CLITIC = re.compile(r"'(?:s|m|re|ve|ll|d)?$")
# Share of lexical closeness in a docs score (the rest is meaning), by encoder. [semantic], docs dev sets top-1 P2PU /
# Mozilla: 0.5: 0.800 / 0.883; 0.4: 0.825 / 0.917 (0.35-0.45, best row 0.4-0.5: 0.812-0.825 / 0.900-0.917).
LEXICAL_SHARE = {"static": 0.5, "semantic": 0.4}
_HUB_SAMPLE = 1000  # texts that stand in for questions when measuring how much of a hub each unit is
_HUB_K = 10  # a unit's hubness: its mean closeness to the stand-in questions it is nearest to
HUB_WEIGHT = 0.2  # hubness taken off each unit's score (CSLS, Conneau et al. 2018)
PAGE_WEIGHT = 0.5  # share of a section's score that is its page's: pages rank, sections pick the passage
_BEST_ROW = 0.45  # share of the best row in a unit's score (the rest is its centroid)
_SHOW_WHOLE = 700  # a body up to this many characters is shown whole; longer ones show their best passage
_WINDOW = 4  # sentences shown around the best match
DOCS_LEAD = 1.0  # share of a docs unit's lead over its rivals added to its raw confidence score
_RIVALS = 5  # the best units of this many other pages are a docs unit's rivals
_RIVAL_UNITS = 24  # best units looked at beyond those shown, to find the rival pages (sections share pages)
# Below this confidence a declined question's docs candidates are not offered as suggestions. Lower than for units
# with examples since the docs curve is placed for 90% precision at 0.5: at 0.1, as many declined dev-set questions
# get their right page among the suggestions as at 0.2 before the refit, and as few off-topic ones get any.
PLAUSIBLE_DOCS = 0.1
_CONTRAST_PENALTY = 0.15  # taken off a unit that is on the other side of a contrast the question makes
_CONTRAST_BONUS = 0.1  # given to a unit on the side the question asks for


@dataclass(frozen=True)
class Hit:
    """A recipe and how sure the search is that it answers the question (``score``, 0..1).

    ``raw`` is the uncalibrated fused score, kept for evaluation and calibration. ``passage`` is, for a docs unit,
    the few sentences of its body that best match the question (None when the whole body is short enough to show).
    """

    recipe: Recipe
    score: float
    raw: float = 0.0
    passage: str | None = None


def merge(first: list[Hit], second: list[Hit]) -> list[Hit]:
    """Two ranked lists as one: each keeps its order, the more confident head goes next."""
    out: list[Hit] = []
    i = j = 0
    while i < len(first) or j < len(second):
        if j >= len(second) or (i < len(first) and first[i].score >= second[j].score):
            out.append(first[i])
            i += 1
        else:
            out.append(second[j])
            j += 1
    return out


@functools.lru_cache(maxsize=1 << 16)  # a build stems the same words thousands of times
def stem(word: str) -> str:
    """A light English stem, so "learners", "journals" and "planning" meet "learner", "journal" and "plan"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    return word


def content_words(text: str, stemmed: bool = True) -> list[str]:
    """The words of ``text`` that carry its topic, stemmed unless asked not to."""
    words = [w if w in _NEGATIONS else _CLITIC.sub("", w) for w in words_of(text)]
    words = [w for w in words if w and w not in _STOP]
    return [stem(w) for w in words] if stemmed else words


def best_sentences(text: str, question: str, title: str = "", window: int = _WINDOW) -> str:
    """Two to ``window`` sentences of ``text`` around the one that bears most on ``question``, within one heading's
    block (an FAQ's answer does not run on into the next question's), the block's heading first in bold unless the
    unit's ``title`` (its heading path) ends with it.

    A sentence bears on the question by the content words they share; its block heading's words count half.
    """
    parts = blocks(text)
    sentences = [(k, s) for k, (_, block) in enumerate(parts) for s in block]
    if len(sentences) <= window:
        return text.strip()
    asked = set(content_words(question))
    heading_overlap = [len(asked & set(content_words(heading or ""))) / 2 for heading, _ in parts]
    overlap = [len(asked & set(content_words(s))) + heading_overlap[k] for k, s in sentences]
    best = int(np.argmax(overlap))
    block = sentences[best][0]
    first = next(i for i, (k, _) in enumerate(sentences) if k == block)
    last = first + len(parts[block][1])  # one past the block's last sentence
    start = max(first, min(best - 1, last - window))
    end = min(start + window, last)
    while end - start > 2 and sum(len(s) for _, s in sentences[start:end]) > _SHOW_WHOLE:
        if end - 1 - best >= best - start:  # drop the sentence farther from the best one
            end -= 1
        else:
            start += 1
    shown = joined([s for _, s in sentences[start:end]])
    heading = parts[block][0]
    return f"**{heading}**\n{shown}" if heading and not title.endswith(heading) else shown


def contrast_sides(text: str) -> frozenset[int]:
    """Which sides of which contrasts ``text`` takes: ``2 * pair + side`` for each contrast word it uses."""
    words = set(words_of(text))
    return frozenset(2 * k + s for k, pair in enumerate(CONTRASTS) for s in (0, 1) if words & pair[s])


def contrast_penalty(question: str, sides: npt.NDArray[np.bool_]) -> npt.NDArray[np.float32]:
    """Per unit (``sides``: units x the contrast sides its short texts take, see :func:`contrast_sides`): a penalty
    for being on the other side of a contrast the question makes, a bonus (negative) for being on its side."""
    penalty = np.zeros(len(sides), dtype=np.float32)
    for side in contrast_sides(question):
        penalty[sides[:, side ^ 1] & ~sides[:, side]] = _CONTRAST_PENALTY
        penalty[sides[:, side] & ~sides[:, side ^ 1]] -= _CONTRAST_BONUS
    return penalty


@dataclass(frozen=True)
class Rivals:
    """The pages (by their unit) among a question's best units and their best scores, best first; ``page`` is every
    unit's page."""

    pages: npt.NDArray[np.intp]
    scores: npt.NDArray[np.float32]
    page: npt.NDArray[np.intp]

    def raw(self, unit: int, scores: npt.NDArray[np.float32]) -> float:
        """The raw confidence of ``unit`` on the docs scale: its score plus its lead over the mean of the best few
        other pages.

        The mean, not the runner-up alone: handbooks repeat themselves (a page in two folders, old and new
        versions), and a right answer's copy must not cancel its lead. On both docs dev sets the AUROC of right
        against wrong or off-topic answers rose from 0.86 to 0.87-0.90.
        """
        score = float(scores[unit])
        best = self.scores[self.pages != self.page[unit]][:_RIVALS]
        return score + DOCS_LEAD * (score - float(best.mean())) if len(best) else score


class DocsIndex:
    """Lexical and meaning scores for the units without examples.

    Args:
        texts: every row's text.
        owner: the unit (index into the knowledge base) of each row, in ascending order.
        dense: every row's sentence vector (unit length), as the main index computed it.
        n_units: how many units the knowledge base has in all (units without rows here score ``-inf``).
        parent, is_passage: each unit's page (itself for a page), which rows are body passages (None: all).
        lexical: the share of lexical closeness in a score (:data:`LEXICAL_SHARE` of the encoder).

    Attributes ``texts``, ``owner`` and ``dense`` are the rows as given (read them, do not change them).
    """

    def __init__(
        self,
        texts: Sequence[str],
        owner: npt.NDArray[np.intp],
        dense: npt.NDArray[np.float32],
        n_units: int,
        parent: npt.NDArray[np.intp] | None = None,
        is_passage: npt.NDArray[np.bool_] | None = None,
        lexical: float = LEXICAL_SHARE["static"],
    ) -> None:
        self._parent = parent
        self._lexical = lexical
        self.texts = list(texts)
        self._is_passage = np.ones(len(texts), dtype=bool) if is_passage is None else is_passage
        has_passage = np.zeros(n_units, dtype=bool)
        has_passage[owner[self._is_passage]] = True
        self._no_passage = ~has_passage[owner]  # units with no body: their best row may be any row
        words = [content_words(t) for t in texts]
        try:
            rows, self._vocabulary, self._idf = tfidf_rows(words, list)
            rows = normalize(rows, copy=False)
        except ValueError:  # nothing but function words
            rows = sp.csr_matrix((len(texts), 1), dtype=np.float32)
            self._vocabulary = {}
            self._idf = np.ones(1, dtype=np.float32)
        self.owner = owner
        self._units, self._starts = np.unique(owner, return_index=True)
        self._n = n_units
        self._membership = membership = sp.csr_matrix(
            (np.ones(len(owner), dtype=np.float32), (owner, np.arange(len(owner)))), (n_units, len(owner))
        )
        self._rows = rows.T.tocsr()  # terms x rows: a question's few terms pick a few posting rows
        self.dense = dense
        self._centroids = normalize(membership @ rows, copy=False).T.tocsr()
        self._page = np.arange(n_units) if parent is None else parent
        self._dense_centroids = normalize(membership @ dense).astype(np.float32)
        self._hub = self._hubness(rows, dense) if HUB_WEIGHT else np.zeros(n_units, dtype=np.float32)
        usable = self._is_passage | self._no_passage
        at = (membership, owner, self._starts, self._units, usable, self._page)
        self.phrases = Phrases(words, self._vocabulary, *at, PAGE_WEIGHT, _BEST_ROW)

    def _hubness(self, rows: sp.csr_matrix, dense: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """How close each unit is to the texts of other units on average over its nearest ones (CSLS-style)."""
        m = rows.shape[0]
        pick = np.random.default_rng(0).choice(m, size=min(m, _HUB_SAMPLE), replace=False)
        sims = self._lexical * (rows[pick] @ self._centroids).toarray() + (1 - self._lexical) * (
            dense[pick] @ self._dense_centroids.T
        )
        sims[np.arange(len(pick)), self.owner[pick]] = -np.inf  # a unit's own text does not count
        k = min(_HUB_K, len(pick))
        top = -np.partition(-sims, k - 1, axis=0)[:k]
        hub: npt.NDArray[np.float32] = np.where(np.isfinite(top), top, 0).mean(axis=0).astype(np.float32)
        return hub

    def query(self, question: str) -> Query:
        """The question's content-word TF-IDF, as (columns, unit-length weights)."""
        counts = Counter(w for w in content_words(question) if w in self._vocabulary)
        terms = np.asarray([self._vocabulary[w] for w in counts], dtype=np.intp)
        weights = np.asarray([1 + math.log(c) for c in counts.values()], dtype=np.float32) * self._idf[terms]
        norm = float(np.linalg.norm(weights)) or 1.0
        return terms, (weights / norm).astype(np.float32)

    def passage(
        self, unit: int, query: Query, question: str, dense: npt.NDArray[np.float32], title: str = ""
    ) -> str | None:
        """The sentences of ``unit``'s body (titled ``title``) around its best match with ``question``; None if the
        body is short."""
        k = int(np.searchsorted(self._units, unit))
        if k >= len(self._units) or self._units[k] != unit:
            return None
        start = int(self._starts[k])
        end = int(self._starts[k + 1]) if k + 1 < len(self._starts) else len(self.owner)
        rows = [r for r in range(start, end) if self._is_passage[r]]
        if not rows or sum(len(self.texts[r]) for r in rows) <= _SHOW_WHOLE:
            return None
        terms, weights = query
        lexical = self._rows[terms][:, rows].T @ weights if len(terms) else np.zeros(len(rows), dtype=np.float32)
        fused = self._lexical * lexical + (1 - self._lexical) * (self.dense[rows] @ dense)
        return best_sentences(self.texts[rows[int(np.argmax(fused))]], question, title)

    def scores(self, query: Query, dense: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Each unit's score for a question (its :meth:`query` and sentence vector); ``-inf`` for other units."""
        lexical_rows = np.zeros(len(self.owner), dtype=np.float32)
        lexical_centroid = np.zeros(self._n, dtype=np.float32)
        terms, weights = query
        if len(terms):
            lexical_rows = self._rows[terms].T @ weights
            lexical_centroid = self._centroids[terms].T @ weights
        return self._fused(lexical_rows, lexical_centroid, self.dense @ dense, self._dense_centroids @ dense)

    def confidence_scores(
        self, question: str, scores: npt.NDArray[np.float32], exclude: npt.NDArray[np.bool_], n: int
    ) -> tuple[npt.NDArray[np.float32], Rivals]:
        """``scores`` (see :meth:`scores`) plus the question's phrase evidence (:mod:`knowledge.phrases`): what a
        unit's confidence is read from; and its rivals among the best ``n`` by them, units ``exclude`` left out."""
        sure = (scores + PHRASE_WEIGHT * self.phrases.evidence(content_words(question))).astype(np.float32)
        return sure, self.ranking(np.where(exclude, -np.inf, sure).astype(np.float32), n)[1]

    def scores_many(self, queries: Sequence[Query], dense: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """:meth:`scores` for many questions at once (``dense``: one sentence vector a row): questions x units."""
        asked = self._as_rows(queries, np.arange(len(queries)), len(queries))
        # Questions x terms by terms x rows, so that each question's scores are one contiguous row.
        lexical_rows = (asked @ self._rows).toarray()
        lexical_centroid = (asked @ self._centroids).toarray()
        return self._fused(lexical_rows, lexical_centroid, dense @ self.dense.T, dense @ self._dense_centroids.T)

    def _fused(
        self,
        lexical_rows: npt.NDArray[np.float32],
        lexical_centroid: npt.NDArray[np.float32],
        dense_rows: npt.NDArray[np.float32],
        dense_centroid: npt.NDArray[np.float32],
    ) -> npt.NDArray[np.float32]:
        """Units' scores from their rows' and centroids' closeness (the last axis; one question a row when 2-D)."""
        rows = self._lexical * lexical_rows + (1 - self._lexical) * dense_rows
        # The best row is a body passage: a heading phrased like a question must not stand in for an answer.
        rows = np.where(self._is_passage | self._no_passage, rows, -np.inf)
        best = np.maximum.reduceat(rows, self._starts, axis=-1) if rows.shape[-1] else rows
        centroid = self._lexical * lexical_centroid + (1 - self._lexical) * dense_centroid
        units = self._units
        out = np.full((*rows.shape[:-1], self._n), -np.inf, dtype=np.float32)
        out[..., units] = (1 - _BEST_ROW) * centroid[..., units] + _BEST_ROW * best - HUB_WEIGHT * self._hub[units]
        if self._parent is not None:  # a section is read within its page: part of its score is the page's
            out = (1 - PAGE_WEIGHT) * out + PAGE_WEIGHT * out[..., self._parent]
        return out

    def rows_with(self, text: str) -> list[int]:
        """The rows whose text holds ``text`` verbatim (looked for only in the rows that use its rarest word)."""
        terms = self.query(text)[0]
        if not len(terms):
            return [r for r, t in enumerate(self.texts) if text in t]
        rarest = int(terms[np.argmax(self._idf[terms])])
        postings = self._rows.indices[self._rows.indptr[rarest] : self._rows.indptr[rarest + 1]]
        return [int(r) for r in np.sort(postings) if text in self.texts[r]]

    def held_out(self, changed: dict[int, str], dense: npt.NDArray[np.float32]) -> DocsIndex:
        """A copy whose rows ``changed`` read as given (``dense``: all rows' vectors); vocabulary and hubs kept."""
        out = copy.copy(self)
        picked = np.asarray(sorted(changed), dtype=np.intp)
        keep = np.ones(len(self.owner), dtype=np.float32)
        keep[picked] = 0.0
        replaced = self._as_rows([self.query(changed[int(r)]) for r in picked], picked, len(self.owner))
        rows = sp.diags(keep) @ self._rows.T.tocsr() + replaced
        out.texts = [changed.get(r, t) for r, t in enumerate(self.texts)]
        out._rows = rows.T.tocsr().astype(np.float32)
        out._centroids = normalize(self._membership @ rows, copy=False).T.tocsr().astype(np.float32)
        out.dense = dense
        out.phrases = self.phrases.held_out({r: content_words(t) for r, t in changed.items()})
        out._dense_centroids = normalize(self._membership @ dense).astype(np.float32)
        return out

    def _as_rows(self, queries: Sequence[Query], at: npt.NDArray[np.intp], n: int) -> sp.csr_matrix:
        """``queries`` (see :meth:`query`) as the rows ``at`` of an ``n`` x terms matrix."""
        data = np.concatenate([w for _, w in queries]) if queries else np.zeros(0, dtype=np.float32)
        terms = np.concatenate([t for t, _ in queries]) if queries else np.zeros(0, dtype=np.intp)
        where = np.repeat(at, [len(t) for t, _ in queries])
        return sp.csr_matrix((data, (where, terms)), shape=(n, self._rows.shape[0]))

    def ranking(self, scores: npt.NDArray[np.float32], n: int) -> tuple[npt.NDArray[np.intp], Rivals]:
        """The best ``n`` units by ``scores`` (best first), and the pages of the best ``n`` + a few more units with
        their best scores, enough to find each unit's rival pages."""
        k = n + _RIVAL_UNITS
        order = np.argpartition(-scores, k)[:k] if k < len(scores) else np.arange(len(scores))
        order = order[np.argsort(-scores[order], kind="stable")]
        order = order[np.isfinite(scores[order])]
        _, first = np.unique(self._page[order], return_index=True)
        first.sort()  # each page's first (best) unit, best page first
        return order[:n], Rivals(self._page[order[first]], scores[order[first]], self._page)
