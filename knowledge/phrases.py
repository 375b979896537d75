"""Phrase evidence for the docs confidence: the question's pairs of adjacent content words found in a unit.

A docs unit's score (:class:`knowledge.ranking.DocsIndex`) counts words one at a time, so a wrong page that shares
two of the question's words apart ("learning" here, "journal" there) can look as sure as the right page that says
"learning journal". Pairs of adjacent content words (function words dropped, stemmed: "submit my learning journals"
gives "submit learn", "learn journal") are scored like the words, TF-IDF over each row, as the best row and the
centroid of each unit, a section partly by its page; the result is added to the score the confidence is read from,
not to the one the ranking is read from: it says how sure an answer is, not which answer (measured as a ranking signal
too, it took a question from Mozilla and gave one to P2PU).

Docs dev sets (right top answers against wrong and off-topic ones, AUROC of the raw confidence): P2PU 0.869 -> 0.90,
Mozilla 0.902 -> 0.92; the figures after refitting the curve are in :data:`knowledge.examples.CALIBRATION`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from knowledge.standins import normalize

__all__ = ["PHRASE_WEIGHT", "Phrases"]

Query = tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]

PHRASE_WEIGHT = 0.3  # share of the phrase evidence added to a docs unit's score for its confidence


class Phrases:
    """The rows' pair TF-IDF (sublinear term frequency, smoothed IDF, rows of unit length), and each unit's phrase
    evidence for a question. A pair is known by its two words' columns in ``vocabulary`` (``first * words + second``,
    kept sorted in a number array): no strings, since a big handbook has hundreds of thousands of pairs.

    Args:
        words: each row's content words (stemmed), rows in :class:`knowledge.ranking.DocsIndex` order.
        vocabulary: every content word of the rows -> its column.
        membership: units x rows; ``owner``: each row's unit.
        starts: the first row of each unit that has rows; ``units``: the units that have rows.
        usable: per row, whether it may be a unit's best row.
        parent: each unit's page unit; ``page_weight``: the share of a section's evidence that is its page's.
        best_row: the share of the best row (the rest is the centroid).
    """

    def __init__(
        self,
        words: Sequence[Sequence[str]],
        vocabulary: dict[str, int],
        membership: sp.csr_matrix,
        owner: npt.NDArray[np.intp],
        starts: npt.NDArray[np.intp],
        units: npt.NDArray[np.intp],
        usable: npt.NDArray[np.bool_],
        parent: npt.NDArray[np.intp],
        page_weight: float,
        best_row: float,
    ) -> None:
        self._words = vocabulary
        self._membership, self._owner, self._starts = membership, owner, starts
        self._units, self._usable = units, usable
        self._parent, self._page_weight, self._best_row = parent, page_weight, best_row
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        ids = np.fromiter(map(vocabulary.__getitem__, chain.from_iterable(words)), np.int64, int(lengths.sum()))
        starts_at = np.cumsum(lengths) - lengths
        within = np.ones(max(len(ids) - 1, 0), dtype=bool)  # a pair does not run from one row into the next
        within[starts_at[(starts_at > 0) & (starts_at < len(ids))] - 1] = False
        where = np.repeat(np.arange(len(words)), lengths)[:-1][within]
        keys = (ids[:-1] * len(vocabulary) + ids[1:])[within]
        self._keys, columns = np.unique(keys, return_inverse=True)
        counts = sp.csr_matrix(
            (np.ones(len(where), dtype=np.float32), (where, columns)), shape=(len(words), len(self._keys))
        )
        counts.sum_duplicates()
        df = np.bincount(counts.indices, minlength=len(self._keys)).astype(np.float32)
        self._idf = (np.log((len(words) + 1) / (df + 1)) + 1).astype(np.float32)
        counts.data = (np.log(counts.data) + 1) * self._idf[counts.indices]
        self._set_rows(counts)

    def _pairs(self, words: Sequence[str]) -> npt.NDArray[np.int64]:
        """The keys of the adjacent pairs of ``words`` whose words both have columns."""
        ids = np.asarray([self._words.get(w, -1) for w in words], dtype=np.int64)
        first, second = ids[:-1], ids[1:]
        known = (first >= 0) & (second >= 0)
        return first[known] * len(self._words) + second[known]

    def _set_rows(self, rows: sp.csr_matrix) -> None:
        rows = normalize(rows.astype(np.float32), copy=False)
        self._rows = rows.T.tocsr()  # pairs x rows
        self._centroids = normalize(self._membership @ rows, copy=False).T.tocsr()

    def query(self, words: Sequence[str]) -> Query:
        """A question's pairs (from its content words) that some row uses, as (columns, unit-length weights)."""
        keys, counts = np.unique(self._pairs(words), return_counts=True)
        at = np.minimum(np.searchsorted(self._keys, keys), max(len(self._keys) - 1, 0))
        found = self._keys[at] == keys if len(self._keys) else np.zeros(len(keys), dtype=bool)
        terms = at[found].astype(np.intp)
        weights = (np.log(counts[found]) + 1).astype(np.float32) * self._idf[terms]
        norm = float(np.linalg.norm(weights)) or 1.0
        return terms, (weights / norm).astype(np.float32)

    def evidence(self, words: Sequence[str]) -> npt.NDArray[np.float32]:
        """Each unit's phrase evidence for a question (its content words); 0 where it has none. As
        :meth:`evidence_many` computes it, from the posting lists of the question's few pairs alone."""
        terms, weights = self.query(words)
        if not len(terms):
            return np.zeros(self._membership.shape[0], dtype=np.float32)
        rows = _postings(self._rows, terms, weights)
        hit = np.flatnonzero(rows * self._usable)
        best = np.zeros(self._membership.shape[0], dtype=np.float32)
        np.maximum.at(best, self._owner[hit], rows[hit])
        out = (1 - self._best_row) * _postings(self._centroids, terms, weights) + self._best_row * best
        mixed: npt.NDArray[np.float32] = ((1 - self._page_weight) * out + self._page_weight * out[self._parent]).astype(
            np.float32
        )
        return mixed

    def evidence_many(self, questions: Sequence[Sequence[str]]) -> npt.NDArray[np.float32]:
        """:meth:`evidence` for many questions at once: questions x units."""
        asked = self._asked([self.query(words) for words in questions], np.arange(len(questions)), len(questions))
        rows = np.where(self._usable, (asked @ self._rows).toarray(), 0.0)
        best = np.maximum.reduceat(rows, self._starts, axis=1) if rows.shape[1] else rows
        out = (1 - self._best_row) * (asked @ self._centroids).toarray()
        out[:, self._units] += self._best_row * best
        mixed: npt.NDArray[np.float32] = (
            (1 - self._page_weight) * out + self._page_weight * out[:, self._parent]
        ).astype(np.float32)
        return mixed

    def held_out(self, changed: dict[int, list[str]]) -> Phrases:
        """A copy whose rows ``changed`` hold the words given instead (vocabulary and IDF kept)."""
        out = copy.copy(self)
        rows = self._rows.T.tocsr()
        picked = np.asarray(sorted(changed), dtype=np.intp)
        keep = np.ones(rows.shape[0], dtype=np.float32)
        keep[picked] = 0.0
        replaced = self._asked([self.query(changed[int(r)]) for r in picked], picked, rows.shape[0])
        out._set_rows(sp.diags(keep) @ rows + replaced)
        return out

    def _asked(self, queries: list[Query], at: npt.NDArray[np.intp], n: int) -> sp.csr_matrix:
        """``queries`` (see :meth:`query`) as the rows ``at`` of an ``n`` x pairs matrix."""
        data = np.concatenate([np.zeros(0, dtype=np.float32), *(w for _, w in queries)])
        terms = np.concatenate([np.zeros(0, dtype=np.intp), *(t for t, _ in queries)])
        where = np.repeat(at, [len(t) for t, _ in queries])
        return sp.csr_matrix((data, (where, terms)), shape=(n, self._rows.shape[0]))


def _postings(
    matrix: sp.csr_matrix, terms: npt.NDArray[np.intp], weights: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """``weights`` @ the rows ``terms`` of ``matrix``, read straight from their posting lists (a few rows of a
    matrix with hundreds of thousands: scipy's row indexing costs more than the sums)."""
    spans = list(zip(matrix.indptr[terms], matrix.indptr[terms + 1], weights, strict=True))
    columns = np.concatenate([matrix.indices[a:b] for a, b, _ in spans])
    values = np.concatenate([matrix.data[a:b] * w for a, b, w in spans])
    return np.bincount(columns, weights=values, minlength=matrix.shape[1]).astype(np.float32)
