"""The first stage's per-recipe linear classifier, trained at index build on the recipes' texts.

A linear SVM (one class per recipe with example questions, one-vs-rest, squared hinge, C = 1) over the lexical
features and the sentence vector, so that the words that tell two recipes apart weigh more than the words they share.
Its coefficient matrix is recipes x features floats: it is trained while that stays under :data:`BUDGET`.

liblinear stops after :data:`MAX_ITER` passes: at 150 recipes x 100 examples most of its time was spent converging
further (about 85 passes) on a ranking that no longer moved.

With many texts per recipe, each recipe's binary SVM is trained on a working set instead of on every text: at the
solution only the texts inside the margin count (the squared hinge of the others is zero), and at 150 recipes x 100
examples those are about 300 of 15,450 per recipe. A first fit on the recipe's texts, random texts of its nearest
recipes and a weighted random sample of the rest (about 1,000 texts) finds which texts fall inside the margin; the
second fit, on the recipe's texts and every text inside the first fit's margin (about 1,800), is the classifier.
Measured on CLINC150 with 100 examples per recipe, against one fit on every text (2 cores shared with other jobs,
load 3.5, medians of 5 alternated builds): this SVM 11.7 -> 2.8 s CPU, the whole build (with the reranker's held-out
base) 14.1 -> 5.0 s CPU, 20.6 -> 6.7 s wall. The primal objective over all texts is 30.3 either way (converged: 30.0),
and ``benchmarks/kb_quality.py`` gives top-1 0.945, answered right 0.901, off-topic declined 0.900, AUROC 0.969
(one fit: 0.945, 0.900, 0.900, 0.969). Bases whose first working sets would hold more than a quarter of the texts
(CLINC150 with 5 or 10 examples, the reranker's held-out bases) get the one fit: their classifier is unchanged.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from knowledge.examples import DENSE_WEIGHT, POOLED_WEIGHT, Classifier
from knowledge.vectors import Matrix, pooled_rows

__all__ = ["BUDGET", "MAX_ITER", "POOL_TEXTS", "fits", "pooled_features", "train"]

log = logging.getLogger(__name__)

BUDGET = 10_000_000
"""Recipes x features of the full SVM's coefficient matrix above which it is not trained."""
MAX_ITER = 10
"""liblinear passes at most. CLINC150 val with the whole build (benchmarks/kb_quality.py, seed 0): top-1 K=5 0.803,
K=10 0.860, K=all 0.945, off-topic declined 0.92/0.92/0.90, against 0.803, 0.860, 0.944 and 0.91/0.91/0.90 run to
convergence."""
POOL_TEXTS = 40
"""The SVM reads the word vectors' max and min (:data:`knowledge.examples.POOLED_WEIGHT`) when the units with examples
have at most this many texts each on average: few-shot bases, where they help. With 100 examples a recipe they doubled
the SVM's work (150 x 100 build 3.1-3.4 -> 5.8-6.4 s, idle 2 cores) for top-1 0.950 -> 0.952."""
# The first working set of each recipe: its own texts, _PER_NEIGHBOUR x _NEIGHBOURS random texts of its _NEIGHBOURS
# nearest recipes (centroid cosine), and _SAMPLE random texts of the others standing for all of them (weight: others
# / sample). Sizes barely matter (objective 30.3-30.5 from 500 to 1,600 first texts; choosing the neighbours' texts
# closest to the recipe instead of at random: no better); they trade first-fit texts for second-fit ones.
_NEIGHBOURS = 30
_PER_NEIGHBOUR = 20
_SAMPLE = 300
# Working sets are used when the first ones would hold at most this share of the texts. CPU of one fit against
# working sets: 4,950 texts of 150 recipes 2.5 -> 1.6 s; 2,760 of 120 (a held-out base) 0.8 -> 0.95 s; 1,950 of 150
# (10 examples each) 0.6 -> 1.0 s.
_WORKING_SHARE = 0.25


def train(
    lexical: sp.csr_matrix,
    dense: npt.NDArray[np.float32],
    owner: npt.NDArray[np.intp],
    has_examples: npt.NDArray[np.bool_],
    pooled: npt.NDArray[np.float32] | None = None,
) -> Classifier | None:
    """The classifier over the units that have example questions (it learns from examples, not prose), or None.

    Args:
        lexical: every text's lexical features.
        dense: every text's sentence vector.
        owner: the unit of each text.
        has_examples: per unit, whether it has example questions.
        pooled: more features of the texts of units with examples, in text order
            (:func:`knowledge.vectors.pooled_rows`), or None.
    """
    classes = np.flatnonzero(has_examples)
    n = len(classes)
    features = lexical.shape[1] + dense.shape[1] + (0 if pooled is None else pooled.shape[1])
    if n < 2:
        return None
    if not fits(n, features):
        log.info("knowledge base: %d recipes x %d features, over the SVM budget: per-question classifier", n, features)
        return None
    from sklearn.exceptions import ConvergenceWarning  # only building needs scikit-learn (0.5 s to import)

    rows = np.flatnonzero(has_examples[owner])
    blocks = [lexical[rows], sp.csr_matrix(dense[rows] * DENSE_WEIGHT)]
    if pooled is not None:
        blocks.append(sp.csr_matrix(pooled * POOLED_WEIGHT))
    x = sp.hstack(blocks).tocsr()
    label = np.searchsorted(classes, owner[rows])
    first = len(rows) / n + min(_NEIGHBOURS, n - 1) * _PER_NEIGHBOUR + _SAMPLE  # a first working set's size at most
    with warnings.catch_warnings():  # stopping at max_iter still leaves a usable model
        warnings.simplefilter("ignore", ConvergenceWarning)
        if first > _WORKING_SHARE * len(rows):
            coef, intercept = _one_vs_rest(x, label, n)
        else:
            coef, intercept = _working_sets(x.astype(np.float64), label, n)
    return coef.astype(np.float32), intercept.astype(np.float32), classes


def pooled_features(
    counts: sp.csr_matrix,
    vocabulary: Sequence[str],
    owner: npt.NDArray[np.intp],
    has_examples: npt.NDArray[np.bool_],
    n_short: int,
    widths: tuple[int, int],
    wanted: bool | None = None,
) -> Matrix | None:
    """The max and min features :func:`train` takes (texts of units with examples, in text order), or None: not
    ``wanted`` (None: when those units have :data:`POOL_TEXTS` texts each or fewer), or over the budget.

    Args:
        counts, vocabulary: every text's word counts and the words (the lexical layer's).
        n_short: how many texts are short ones (titles, examples...): body passages, after them, get zeros.
        widths: the lexical features' and the sentence vector's widths (the max and the min are each as wide).
    """
    classes = int(has_examples.sum())
    rows = np.flatnonzero(has_examples[owner])
    few = wanted if wanted is not None else len(rows) <= POOL_TEXTS * classes
    if not few or not fits(classes, widths[0] + 3 * widths[1]):
        return None
    out = np.zeros((len(rows), 2 * widths[1]), dtype=np.float32)
    short = rows < n_short  # the max and min of a body passage's many words say little
    out[short] = pooled_rows(counts[rows[short]], vocabulary)
    return out


def fits(classes: int, features: int) -> bool:
    """Whether an SVM over ``classes`` recipes and ``features`` features is within :data:`BUDGET`."""
    return classes * features <= BUDGET


def _svc() -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(C=1.0, max_iter=MAX_ITER, random_state=0)  # the same index from the same recipes


def _one_vs_rest(x: sp.csr_matrix, label: npt.NDArray[np.intp], n: int) -> tuple[np.ndarray, np.ndarray]:
    """One fit on every text: coefficients (features x classes) and intercepts."""
    svm = _svc()
    svm.fit(x, label)
    coef, intercept = svm.coef_, svm.intercept_
    if n == 2:  # a binary SVM has one row: positive means the second recipe
        coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    return np.ascontiguousarray(coef.T), intercept


def _working_sets(x: sp.csr_matrix, label: npt.NDArray[np.intp], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each recipe's binary SVM fitted on a first working set, then on its texts and every text inside the first
    fit's margin: coefficients (features x classes) and intercepts."""
    x.sum_duplicates()  # canonical: its row slices are too (see _binary)
    coef = np.zeros((x.shape[1], n))
    intercept = np.zeros(n)
    first = _first_sets(x, label, n)
    for c, (picked, weight) in enumerate(first):
        coef[:, c], intercept[c] = _binary(x, picked, label[picked] == c, weight)
    margins = x @ coef + intercept
    mine = label[:, None] == np.arange(n)[None, :]
    inside = mine | (np.where(mine, margins, -margins) < 1)
    log.debug(
        "SVM working sets: %d texts, %.0f then %.0f a recipe on average",
        len(label),
        np.mean([len(picked) for picked, _ in first]),
        inside.sum() / n,
    )
    for c in range(n):
        picked = np.flatnonzero(inside[:, c])
        if (label[picked] != c).any():  # else every other text is already outside the margin: the first fit stands
            coef[:, c], intercept[c] = _binary(x, picked, label[picked] == c, None)
    return coef, intercept


def _first_sets(
    x: sp.csr_matrix, label: npt.NDArray[np.intp], n: int
) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]]:
    """Per recipe, the texts of its first working set and their weights."""
    order = np.argsort(label, kind="stable")
    bounds = np.searchsorted(label[order], np.arange(n + 1))
    texts = [order[bounds[c] : bounds[c + 1]] for c in range(n)]
    members = sp.csr_matrix((np.ones(len(label)), (label, np.arange(len(label)))), shape=(n, len(label)))
    centroids = (members @ x).tocsr()
    similarity = (centroids @ centroids.T).toarray()
    norms = np.sqrt(np.diag(similarity))
    similarity /= np.outer(norms, norms)
    np.fill_diagonal(similarity, -np.inf)
    rng = np.random.default_rng(0)  # the same index from the same recipes
    sets = []
    for c in range(n):
        near = np.argsort(-similarity[c], kind="stable")[:_NEIGHBOURS]
        candidates = np.concatenate([texts[k] for k in near]) if len(near) else label[:0]
        hard = np.sort(rng.choice(candidates, min(len(near) * _PER_NEIGHBOUR, len(candidates)), replace=False))
        nearby = np.zeros(n, dtype=bool)
        nearby[near] = True
        nearby[c] = True
        others = np.flatnonzero(~nearby[label])
        sample = np.sort(rng.choice(others, min(_SAMPLE, len(others)), replace=False))
        picked = np.concatenate([texts[c], hard, sample])
        weight = np.ones(len(picked))
        weight[len(picked) - len(sample) :] = len(others) / max(len(sample), 1)
        sets.append((picked, weight))
    return sets


def _binary(
    x: sp.csr_matrix, picked: npt.NDArray[np.intp], positive: npt.NDArray[np.bool_], weight: np.ndarray | None
) -> tuple[np.ndarray, float]:
    """One recipe's SVM on some texts: coefficients and intercept."""
    part = x[picked]
    part.has_canonical_format = True  # rows of a canonical matrix: spares scikit-learn a sort per fit (0.5 s in all)
    svm = _svc()
    svm.fit(part, positive.astype(np.int8), sample_weight=weight)
    return svm.coef_[0], float(svm.intercept_[0])
