"""The per-recipe SVM: with many texts per recipe, working sets give the classifier the full fit gives."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from knowledge import KnowledgeBase, Recipe, classifier
from knowledge.examples import DENSE_WEIGHT
from knowledge.lexical import LexicalFeatures
from knowledge.vectors import pooled, pooled_rows

RECIPES, TEXTS = 40, 60  # texts per recipe


def _texts() -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """Recipes in sibling pairs (shared words, close sentence vectors), each text a few of its recipe's words and
    some common ones: lexical rows, sentence vectors, owners, and which units have examples."""
    rng = np.random.default_rng(7)
    owner = np.repeat(np.arange(RECIPES), TEXTS)
    words = 20 * RECIPES
    rows = []
    for unit in owner:
        own = rng.choice(np.arange(20 * unit, 20 * unit + 20), 2, replace=False)
        sibling = rng.choice(np.arange(20 * (unit ^ 1), 20 * (unit ^ 1) + 20), 2, replace=False)
        common = rng.choice(words, 3, replace=False)
        row = np.zeros(words, dtype=np.float32)
        row[np.concatenate([own, sibling, common])] = 1.0
        rows.append(row / np.linalg.norm(row))
    topics = rng.normal(size=(RECIPES // 2, 16))
    dense = topics[owner // 2] + 1.5 * rng.normal(size=(len(owner), 16))
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    return sp.csr_matrix(np.vstack(rows)), dense.astype(np.float32), owner, np.ones(RECIPES, dtype=bool)


def _picks(svm: classifier.Classifier, lexical: sp.csr_matrix, dense: np.ndarray) -> np.ndarray:
    coef, intercept, classes = svm
    scores = lexical @ coef[: lexical.shape[1]] + (dense * DENSE_WEIGHT) @ coef[lexical.shape[1] :] + intercept
    return np.asarray(classes[np.argmax(scores, axis=1)])


def test_working_sets_pick_the_recipes_the_full_fit_picks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trained on working sets, the classifier ranks texts as one fit on every text does, and the same each time."""
    lexical, dense, owner, has_examples = _texts()
    monkeypatch.setattr(classifier, "_WORKING_SHARE", 0.0)
    full = classifier.train(lexical, dense, owner, has_examples)
    monkeypatch.setattr(classifier, "_NEIGHBOURS", 4)
    monkeypatch.setattr(classifier, "_PER_NEIGHBOUR", 10)
    monkeypatch.setattr(classifier, "_SAMPLE", 100)
    monkeypatch.setattr(classifier, "_WORKING_SHARE", 0.25)  # first sets: 60 + 40 + 100 texts of 2,400
    working = classifier.train(lexical, dense, owner, has_examples)
    again = classifier.train(lexical, dense, owner, has_examples)
    assert full is not None and working is not None and again is not None
    assert working[0].shape == full[0].shape and working[0].dtype == np.float32
    agree = np.mean(_picks(working, lexical, dense) == _picks(full, lexical, dense))
    assert agree >= 0.98, agree  # the first fit alone: 0.80
    assert np.mean(_picks(working, lexical, dense) == owner) >= 0.9
    assert all(np.array_equal(a, b) for a, b in zip(working, again, strict=True))


def test_the_word_vectors_max_and_min_are_the_same_for_a_text_alone_and_among_others() -> None:
    """Texts in a batch (the SVM's training rows) get what one question gets; no known word gives zeros."""
    texts = ["how do I book a room", "", "zzqx blorf", "Thanks a lot for the ROOM!"]
    lexical = LexicalFeatures()
    lexical.fit_transform(texts, [])
    rows = pooled_rows(lexical.word_counts, lexical.vocabulary)
    assert np.allclose(rows, np.vstack([pooled(t) for t in texts]), atol=1e-6)
    assert np.allclose(np.linalg.norm(rows, axis=1), [np.sqrt(2), 0.0, 0.0, np.sqrt(2)], atol=1e-6)


def test_the_svm_reads_the_max_and_min_for_few_examples_a_recipe_only() -> None:
    """Ten examples a recipe: the max and min are SVM features; fifty: the mean alone (they would double its work)."""
    words = ["venue", "room", "library", "flyer", "poster", "promote", "week", "hour", "length", "snack", "tea"]
    rng = np.random.default_rng(3)

    def recipes(examples: int) -> list[Recipe]:
        return [
            Recipe(f"r{k}", f"Recipe {k}", "", questions=tuple(" ".join(rng.choice(words, 4)) for _ in range(examples)))
            for k in range(3)
        ]

    assert KnowledgeBase(recipes(10))._examples.pooled
    assert not KnowledgeBase(recipes(50))._examples.pooled
