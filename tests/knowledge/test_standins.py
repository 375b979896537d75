"""The numpy stand-ins give exactly what the scikit-learn pieces they replace on the answer path give."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as SKLEARN_STOP_WORDS
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize as sklearn_normalize

from knowledge.lexical import _char_grams, words_of
from knowledge.ranking import content_words
from knowledge.standins import ENGLISH_STOP_WORDS, count_terms, normalize, tfidf_rows

TEXTS = [
    "How big should a learning circle be? How big is too big?",
    "Choosing a venue: libraries, cafes and community centres",
    "",  # no terms: an empty row
    "the of and",  # function words only: no content words
    "Facilitators don't need to be experts; learners' questions lead the circle's weekly meetings.",
    "circle circle circle venue",
]


def _same(ours: sp.csr_matrix, theirs: sp.spmatrix) -> bool:
    theirs = sp.csr_matrix(theirs)
    return (
        ours.shape == theirs.shape
        and ours.dtype == theirs.dtype
        and np.array_equal(ours.indptr, theirs.indptr)
        and np.array_equal(ours.indices, theirs.indices)  # entry order within rows included
        and np.array_equal(ours.data, theirs.data)
    )


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


@pytest.mark.parametrize("analyzer", [words_of, _char_grams])
def test_term_counts_are_count_vectorizers(analyzer: object) -> None:
    """Same vocabulary and the same matrix, entry for entry."""
    vectorizer = CountVectorizer(analyzer=analyzer, dtype=np.float32)
    theirs = vectorizer.fit_transform(TEXTS)
    ours, vocabulary = count_terms(TEXTS, analyzer)  # type: ignore[arg-type]
    assert vocabulary == vectorizer.vocabulary_ and list(vocabulary) == list(vectorizer.get_feature_names_out())
    assert _same(ours, theirs)


def test_tfidf_rows_are_tfidf_vectorizers() -> None:
    """Sublinear TF-IDF in float32: same rows, vocabulary and IDF, bit for bit."""
    vectorizer = TfidfVectorizer(analyzer=content_words, sublinear_tf=True, dtype=np.float32)
    theirs = vectorizer.fit_transform(TEXTS)
    ours, vocabulary, idf = tfidf_rows(TEXTS, content_words)
    assert vocabulary == vectorizer.vocabulary_
    assert idf.dtype == vectorizer.idf_.dtype and np.array_equal(idf, vectorizer.idf_)
    assert _same(ours, theirs)


def test_no_terms_at_all_is_an_error_as_in_scikit_learn() -> None:
    with pytest.raises(ValueError):
        count_terms(["", "!!"], words_of)
