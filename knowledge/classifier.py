"""The first stage's per-recipe linear classifier, trained at index build on the recipes' texts.

A linear SVM, one class per recipe with example questions, so that the words that tell two recipes apart weigh
more than the words they share:

- **full** (while recipes x features stays under :data:`BUDGET`): scikit-learn's ``LinearSVC`` over every lexical
  feature and the sentence vector, each recipe against all the others;
- **local** (past it: one-vs-rest over all recipes costs recipes x texts, minutes at 10,000 recipes, and its dense
  coefficients would take gigabytes): each recipe against the recipes it is most easily confused with only (its
  nearest by sentence-vector centroid), over the single-word and word-pair features its own texts use. The same
  loss (squared hinge, L2, C = 1) is minimised for all recipes at once with L-BFGS over the sparse coefficients.
  At 10,000 recipes it adds about 20 MiB and a second or two to the build, and its margins are on the full SVM's
  scale, so the reranker and the calibration read them the same way.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from knowledge.examples import DENSE_WEIGHT, Classifier
from knowledge.standins import normalize

__all__ = ["BUDGET", "train", "train_local"]

log = logging.getLogger(__name__)

BUDGET = 10_000_000
"""Recipes x features of the full SVM's coefficient matrix above which the local one is trained instead."""
_NEIGHBOURS = 5  # recipes each recipe is trained against in the local SVM
_TEXTS = 6  # short texts per recipe the local SVM learns from (its title, id words, first example questions)
_RANDOM = 10  # classes drawn at random the local SVM also trains each class against (one text each)
_EPOCHS = 10  # passes of the local SVM's coordinate descent over its examples
_DIAGONAL = 0.5  # 1 / (2 C), C = 1: the squared hinge's term in the dual


def train(
    lexical: sp.csr_matrix,
    dense: npt.NDArray[np.float32],
    owner: npt.NDArray[np.intp],
    has_examples: npt.NDArray[np.bool_],
    short: tuple[int, int],
    *,
    local: bool = False,
) -> Classifier | None:
    """The classifier over the units that have example questions (it learns from examples, not prose), or None.

    Args:
        lexical: every text's lexical features.
        dense: every text's sentence vector.
        owner: the unit of each text.
        has_examples: per unit, whether it has example questions.
        short: how many texts are short ones (they come first), and how many columns the single-word and word-pair
            blocks take (they come first).
        local: train the local SVM whatever the size.
    """
    classes = np.flatnonzero(has_examples)
    n = len(classes)
    features = lexical.shape[1] + dense.shape[1]
    if n < 2:
        return None
    if local or n * features > BUDGET:
        log.info("knowledge base: %d recipes x %d features; training the local SVM", n, features)
        return train_local(lexical, dense, owner, classes, *short)
    from sklearn.exceptions import ConvergenceWarning  # only building needs scikit-learn (0.5 s to import)
    from sklearn.svm import LinearSVC

    rows = np.flatnonzero(has_examples[owner])
    svm = LinearSVC(C=1.0, max_iter=2000)
    with warnings.catch_warnings():  # stopping at max_iter still leaves a usable model
        warnings.simplefilter("ignore", ConvergenceWarning)
        svm.fit(sp.hstack([lexical[rows], sp.csr_matrix(dense[rows] * DENSE_WEIGHT)]).tocsr(), owner[rows])
    coef = svm.coef_.astype(np.float32)
    intercept = svm.intercept_.astype(np.float32)
    if n == 2:  # a binary SVM has one row: positive means the second recipe
        coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    return coef.T.copy(), intercept, classes


def train_local(
    lexical: sp.csr_matrix,
    dense: npt.NDArray[np.float32],
    owner: npt.NDArray[np.intp],
    classes: npt.NDArray[np.intp],
    n_short: int,
    columns: int,
) -> Classifier:
    """The local SVM (see the module's docstring): coefficients as a sparse ``columns x classes`` matrix.

    Solved in the dual by coordinate descent, as liblinear solves ``LinearSVC``: one example at a time per class,
    every class at once (a class's coefficients are its own, so their updates never meet).
    """
    table = _training_texts(owner[:n_short], classes)  # classes x texts, -1 where a class has fewer
    texts = table[table >= 0]
    rows, cols, values = _restricted(lexical, texts, columns)
    lengths = np.bincount(rows, minlength=len(texts))
    starts = np.cumsum(lengths) - lengths
    position = np.full(int(table.max(initial=0)) + 1, -1, dtype=np.intp)
    position[texts] = np.arange(len(texts))
    # The coefficients a class may use: the columns its own training texts use.
    owners = np.repeat(np.arange(len(classes)), (table >= 0).sum(axis=1))
    keys = np.unique(owners[rows].astype(np.int64) * columns + cols)
    members = np.column_stack([np.arange(len(classes)), _neighbours(dense, owner, classes)])
    # Every text of the class and of the classes it is most easily confused with; then one text each of a few
    # classes drawn at random, so that words common to the whole base do not count for the class.
    rng = np.random.default_rng(0)
    drawn = (np.arange(len(classes))[:, None] + rng.integers(1, len(classes), (len(classes), _RANDOM))) % len(classes)
    picks = [(members[:, j], np.full(len(classes), i)) for j in range(members.shape[1]) for i in range(_TEXTS)]
    picks += [(drawn[:, j], rng.integers(0, _TEXTS, len(classes))) for j in range(_RANDOM)]
    slots = []
    for k, (member, i) in enumerate(picks):
        j = 0 if k < _TEXTS else 1
        if True:
            text = table[member, i]
            cls = np.flatnonzero(text >= 0)
            size = lengths[position[text[cls]]]
            seg = np.repeat(np.arange(len(cls)), size)
            entry = np.arange(len(seg)) + np.repeat(starts[position[text[cls]]] - (np.cumsum(size) - size), size)
            wanted = cls[seg].astype(np.int64) * columns + cols[entry]
            at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
            hit = keys[at] == wanted
            x = values[entry[hit]]
            square = np.bincount(seg[hit], weights=x * x, minlength=len(cls)) + 1.0 + _DIAGONAL
            slots.append(_Slot(cls, 1.0 if j == 0 else -1.0, square, at[hit].astype(np.int32), x, seg[hit]))
    w, b = _dual_descent(slots, len(keys), len(classes))
    coef = sp.csr_matrix((w.astype(np.float32), (keys % columns, keys // columns)), shape=(columns, len(classes)))
    return coef, b.astype(np.float32), classes


@dataclass(frozen=True)
class _Slot:
    """One example per class (the i-th text of the class or of one of its neighbours), for one descent step."""

    classes: npt.NDArray[np.intp]
    label: float  # +1: the class's own text; -1: a neighbour's
    square: npt.NDArray[np.float64]  # the example's squared length (with the intercept) plus the dual's diagonal
    at: npt.NDArray[np.int32]  # the coefficients the example's entries meet
    x: npt.NDArray[np.float32]
    seg: npt.NDArray[np.intp]  # which class each entry belongs to (index into ``classes``)


def _dual_descent(
    slots: list[_Slot], n_weights: int, n_classes: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Coefficients and intercepts (the intercept is a feature of value 1, regularised as liblinear does)."""
    w = np.zeros(n_weights)
    b = np.zeros(n_classes)
    alphas = [np.zeros(len(slot.classes)) for slot in slots]
    for _ in range(_EPOCHS):
        for alpha, slot in zip(alphas, slots, strict=True):
            score = np.bincount(slot.seg, weights=w[slot.at] * slot.x, minlength=len(alpha)) + b[slot.classes]
            grad = slot.label * score - 1.0 + _DIAGONAL * alpha
            new = np.maximum(alpha - grad / slot.square, 0.0)
            step = (new - alpha) * slot.label
            alpha[:] = new
            w[slot.at] += step[slot.seg] * slot.x
            b[slot.classes] += step
    return w, b


def _training_texts(short_owner: npt.NDArray[np.intp], classes: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """The short texts the local SVM learns from: per class, its first few (-1 where it has fewer)."""
    index = np.full(max(int(short_owner.max(initial=0)), int(classes.max(initial=0))) + 1, -1, dtype=np.intp)
    index[classes] = np.arange(len(classes))
    order = np.argsort(short_owner, kind="stable")
    grouped = short_owner[order]
    rank = np.arange(len(order)) - np.searchsorted(grouped, grouped)  # place among its unit's texts
    keep = (rank < _TEXTS) & (index[grouped] >= 0)
    table = np.full((len(classes), _TEXTS), -1, dtype=np.intp)
    table[index[grouped[keep]], rank[keep]] = order[keep]
    return table


def _restricted(
    lexical: sp.csr_matrix, texts: npt.NDArray[np.intp], columns: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """The entries of ``texts``' rows in the first ``columns`` columns: (position in ``texts``, column, value)."""
    picked = lexical[texts]
    rows = np.repeat(np.arange(len(texts)), np.diff(picked.indptr))
    inside = picked.indices < columns
    return rows[inside], picked.indices[inside].astype(np.int64), picked.data[inside]


def _neighbours(
    dense: npt.NDArray[np.float32], owner: npt.NDArray[np.intp], classes: npt.NDArray[np.intp]
) -> npt.NDArray[np.intp]:
    """Per class, the classes with the closest sentence-vector centroids (class indices, closest first)."""
    n = int(owner.max(initial=0)) + 1
    membership = sp.csr_matrix((np.ones(len(owner), dtype=np.float32), (owner, np.arange(len(owner)))), (n, len(owner)))
    centroids = normalize(membership @ dense)[classes].astype(np.float32)
    k = min(_NEIGHBOURS, len(classes) - 1)
    out = np.empty((len(classes), k), dtype=np.intp)
    for start in range(0, len(classes), 512):
        similar = centroids[start : start + 512] @ centroids.T
        similar[np.arange(similar.shape[0]), np.arange(start, start + similar.shape[0])] = -np.inf
        out[start : start + 512] = np.argpartition(-similar, k - 1, axis=1)[:, :k]
    return out
