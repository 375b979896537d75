"""The numpy stand-ins give exactly what the scikit-learn pieces they replace on the answer path give."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as SKLEARN_STOP_WORDS
from sklearn.preprocessing import normalize as sklearn_normalize

from knowledge.standins import ENGLISH_STOP_WORDS, normalize


def test_stop_words_are_scikit_learns() -> None:
    """Same 318 words, so docs ranking keeps the same content words."""
    assert ENGLISH_STOP_WORDS == SKLEARN_STOP_WORDS and len(ENGLISH_STOP_WORDS) == 318


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_rows_normalized_as_scikit_learn_does(dtype: type) -> None:
    """Random CSR rows, with an empty row and an explicit zero row, come out bit for bit the same."""
    rng = np.random.default_rng(0)
    matrix = sp.random(50, 300, density=0.05, random_state=1, format="csr", dtype=dtype)
    matrix = sp.vstack([matrix, sp.csr_matrix((1, 300), dtype=dtype)]).tocsr()
    matrix.data *= rng.uniform(0.1, 40, len(matrix.data)).astype(dtype)
    matrix.data[matrix.indptr[3] : matrix.indptr[4]] = 0  # a row whose stored values are zeros
    assert matrix.indptr[4] > matrix.indptr[3]
    ours, theirs = normalize(matrix), sklearn_normalize(matrix)
    assert isinstance(ours, sp.csr_matrix) and ours.dtype == theirs.dtype == dtype
    np.testing.assert_array_equal(ours.toarray(), theirs.toarray())
    assert matrix.data.max() > 1.0  # the input is left as it was


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_rows_normalized_as_scikit_learn_does(dtype: type) -> None:
    """Dense rows, including an all-zero one, come out the same and in the same dtype."""
    matrix = np.random.default_rng(2).normal(size=(40, 128)).astype(dtype)
    matrix[7] = 0
    ours, theirs = normalize(matrix), sklearn_normalize(matrix)
    assert ours.dtype == theirs.dtype == dtype
    np.testing.assert_array_equal(ours, theirs)
    assert not np.shares_memory(ours, matrix)


def test_sparse_rows_normalized_in_place_on_request() -> None:
    """``copy=False`` scales the given matrix itself (a big index's build keeps one copy of its features)."""
    matrix = sp.random(20, 50, density=0.2, random_state=3, format="csr", dtype=np.float32)
    matrix.data *= 7
    out = normalize(matrix, copy=False)
    assert np.shares_memory(out.data, matrix.data)
    np.testing.assert_allclose(sp.linalg.norm(matrix, axis=1)[matrix.getnnz(axis=1) > 0], 1.0, rtol=1e-6)
