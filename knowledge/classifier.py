"""The first stage's per-recipe linear classifier, trained at index build on the recipes' texts.

A linear SVM (one class per recipe with example questions) over the lexical features and the sentence vector, so
that the words that tell two recipes apart weigh more than the words they share. Its coefficient matrix is recipes
x features floats: it is trained while that stays under :data:`BUDGET`.

liblinear stops after :data:`MAX_ITER` passes: at 150 recipes x 100 examples most of its time was spent converging
further (about 85 passes) on a ranking that no longer moved.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from knowledge.examples import DENSE_WEIGHT, Classifier

__all__ = ["BUDGET", "MAX_ITER", "train"]

log = logging.getLogger(__name__)

BUDGET = 10_000_000
"""Recipes x features of the full SVM's coefficient matrix above which it is not trained."""
MAX_ITER = 10
"""liblinear passes at most. CLINC150 val with the whole build (benchmarks/kb_quality.py, seed 0): top-1 K=5 0.803,
K=10 0.860, K=all 0.945, off-topic declined 0.92/0.92/0.90, against 0.803, 0.860, 0.944 and 0.91/0.91/0.90 run to
convergence."""


def train(
    lexical: sp.csr_matrix,
    dense: npt.NDArray[np.float32],
    owner: npt.NDArray[np.intp],
    has_examples: npt.NDArray[np.bool_],
) -> Classifier | None:
    """The classifier over the units that have example questions (it learns from examples, not prose), or None.

    Args:
        lexical: every text's lexical features.
        dense: every text's sentence vector.
        owner: the unit of each text.
        has_examples: per unit, whether it has example questions.
    """
    classes = np.flatnonzero(has_examples)
    n = len(classes)
    features = lexical.shape[1] + dense.shape[1]
    if n < 2:
        return None
    if n * features > BUDGET:
        log.info("knowledge base: %d recipes x %d features, over the SVM budget: per-question classifier", n, features)
        return None
    from sklearn.exceptions import ConvergenceWarning  # only building needs scikit-learn (0.5 s to import)
    from sklearn.svm import LinearSVC

    rows = np.flatnonzero(has_examples[owner])
    svm = LinearSVC(C=1.0, max_iter=MAX_ITER, random_state=0)  # the same index from the same recipes
    with warnings.catch_warnings():  # stopping at max_iter still leaves a usable model
        warnings.simplefilter("ignore", ConvergenceWarning)
        svm.fit(sp.hstack([lexical[rows], sp.csr_matrix(dense[rows] * DENSE_WEIGHT)]).tocsr(), owner[rows])
    coef = svm.coef_.astype(np.float32)
    intercept = svm.intercept_.astype(np.float32)
    if n == 2:  # a binary SVM has one row: positive means the second recipe
        coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    return coef.T.copy(), intercept, classes
