"""The index build's memory-saving paths give what the plain scipy/scikit-learn ones give."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from knowledge import KnowledgeBase, Recipe, examples, lexical
from knowledge.lexical import LexicalFeatures, words_of
from knowledge.ranking import contrast_penalty
from knowledge.standins import normalize

SHORT = [
    "How big should a learning circle be?",
    "how big how big is a circle",  # a pair twice in one text
    "group size for circles",
    "venue",  # one word: no pairs
    "Choosing a venue, a big venue",
    "",
]
BODIES = ["A long body about venues and libraries.", "Circles meet weekly at the library."]


def _reference(short: list[str], bodies: list[str]) -> sp.csr_matrix:
    """The three blocks as scikit-learn's vectorizers and scipy's hstack give them."""
    n = len(short) + len(bodies)
    words = CountVectorizer(analyzer=words_of, dtype=np.float32)
    counts = words.fit_transform(itertools.chain(short, bodies)).tocsr()
    pairs = CountVectorizer(
        analyzer=lambda t: [f"{a} {b}" for a, b in itertools.pairwise(words_of(t))], dtype=np.float32
    ).fit_transform(short)
    pairs.resize((n, pairs.shape[1]))
    per_word = CountVectorizer(analyzer=lexical._char_grams, dtype=np.float32).fit_transform(
        words.get_feature_names_out()
    )
    short_counts = counts[: len(short)]
    short_counts.resize((n, counts.shape[1]))
    blocks = [counts.copy(), pairs, (short_counts @ per_word).tocsr()]
    return sp.hstack([lexical._tfidf(b)[0] for b in blocks], format="csr")


def test_lexical_rows_are_the_vectorizers_rows_bit_for_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pairs counted from word columns, n-grams weighed a slice at a time: the same matrix, entry order included."""
    monkeypatch.setattr(lexical, "_ROWS_AT_ONCE", 3)  # several slices, one of them partly bodies
    rows = LexicalFeatures().fit_transform(SHORT, BODIES)
    expected = _reference(SHORT, BODIES)
    assert rows.shape == expected.shape
    assert np.array_equal(rows.indptr, expected.indptr) and np.array_equal(rows.indices, expected.indices)
    assert np.array_equal(rows.data, expected.data)


def test_a_question_finds_its_word_pairs_by_their_word_columns() -> None:
    features = LexicalFeatures()
    rows = features.fit_transform(SHORT, BODIES)
    for i, text in enumerate(SHORT[:5]):
        assert np.allclose(features.transform_one(text).toarray(), rows[i].toarray(), atol=1e-6), text
    # "big venue" is a known pair of known words, "venue big" is not; unknown words break no pair lookup.
    known, unknown = features.transform_one("big venue zzz"), features.transform_one("venue big zzz")
    assert known.nnz == unknown.nnz + 1
    assert features.transform_one("zzz qqq").nnz == 0


def test_postings_are_the_transposed_unit_centroids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built a few units at a time, the postings equal ``normalize(membership @ rows).T`` exactly."""
    monkeypatch.setattr(examples, "_UNITS_AT_ONCE", 2)
    rows = normalize(LexicalFeatures().fit_transform(SHORT, BODIES), copy=False)
    owner = np.asarray([0, 0, 1, 2, 2, 4, 1, 2])  # unit 3 has no texts
    membership = sp.csr_matrix((np.ones(len(owner), dtype=np.float32), (owner, np.arange(len(owner)))), (5, 8))
    postings = examples._postings(membership, rows)
    expected = normalize(membership @ rows).T.tocsr()
    assert postings.shape == expected.shape
    assert np.array_equal(postings.indptr, expected.indptr) and np.array_equal(postings.indices, expected.indices)
    assert np.array_equal(postings.data, expected.data)


def test_without_the_svm_the_candidates_are_told_apart_by_their_own_texts() -> None:
    """Past the SVM's budget a classifier over the best candidates' texts gives each of them a margin."""
    recipes = [
        Recipe(
            id="update", title="Update a meeting", body="", questions=("change the meeting time", "move our meeting")
        ),
        Recipe(id="check", title="Check a meeting", body="", questions=("when is the meeting", "see meeting time")),
        Recipe(id="venue", title="Find a venue", body="", questions=("where can we meet", "library rooms")),
    ]
    kb = KnowledgeBase(recipes, svm=False, rerank=False)
    assert kb.mode == "static"
    index = kb._examples
    assert index is not None
    question = "move the meeting time"
    stage = index.first_stage(question, kb.encoder.encode(question)[0], contrast_penalty(question, kb._sides))
    assert stage.margin[0] > 0 > stage.margin[1] and stage.margin[0] > stage.margin[2]
    assert kb.search(question, 1)[0].recipe.id == "update"
