"""The docs confidence curve fitted to the handbook at hand: deterministic, bounded, cached with the index."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from knowledge import KnowledgeBase, Recipe
from knowledge.cache import IndexCache
from knowledge.examples import CALIBRATION
from knowledge.ranking import DocsIndex
from knowledge.selfcheck import MAX_SHIFT, fitted_middle

# fmt: off
WORDS = [
    "garden", "soil", "seed", "water", "compost", "harvest", "tomato", "bean", "shovel", "fence", "rain", "sun",
    "library", "meeting", "room", "chair", "table", "poster", "flyer", "volunteer", "budget", "grant", "donor",
    "recipe", "kitchen", "oven", "bread", "flour", "yeast", "salt", "butter", "market", "stall", "price", "ticket",
    "river", "boat", "paddle", "bridge", "trail", "map", "compass", "tent", "camp", "fire", "wood", "rope", "knot",
    "guitar", "song", "choir", "concert", "stage", "light", "sound", "camera", "photo", "print", "frame", "wall",
]
# fmt: on


def _handbook(pages: int = 20, seed: int = 0) -> list[Recipe]:
    """Pages of a planted handbook: each page has its own topic words, mixed with words every page uses."""
    rng = random.Random(seed)
    common = WORDS[:12]
    out = []
    for p in range(pages):
        topic = rng.sample(WORDS[12:], 6)

        def sentence(topic: list[str] = topic) -> str:
            words = rng.choices(topic, k=6) + rng.choices(common, k=4)
            rng.shuffle(words)
            return " ".join(words).capitalize() + "."

        body = "\n\n".join(" ".join(sentence() for _ in range(5)) for _ in range(4))
        out.append(Recipe(id=f"page-{p}", title=" ".join(topic[:3]).title(), body=body))
    return out


def test_handbook_gets_the_same_bounded_curve_at_every_build() -> None:
    """The docs curve's middle is fitted to the handbook, the same at each build, and no further than the bound
    from the shipped one (this planted handbook's pages are so unlike each other that its fit runs into it)."""
    shipped = CALIBRATION[("static", "docs")]
    first, second = KnowledgeBase(_handbook()), KnowledgeBase(_handbook())
    assert first._docs_curve == second._docs_curve
    middle, slope = first._docs_curve
    assert slope == shipped[1]
    assert middle == pytest.approx(shipped[0] + MAX_SHIFT)
    question = "where do I put the compost and water for the tomato seeds"
    assert [h.score for h in first.search(question)] == [h.score for h in second.search(question)]


def test_recipes_with_examples_keep_the_shipped_curve() -> None:
    """A knowledge base of recipes only (nothing to quiz) keeps the shipped docs curve."""
    kb = KnowledgeBase([Recipe(id="venue", title="Venue", body="Find a room.", questions=("where do we meet",))])
    assert kb._docs_curve == CALIBRATION[("static", "docs")]


def test_a_handbook_too_small_to_quiz_keeps_the_shipped_curve() -> None:
    """With too few sentences for a fit, the shipped middle stands."""
    kb = KnowledgeBase(_handbook(pages=2))
    assert kb._docs_curve == CALIBRATION[("static", "docs")]


def test_fitted_middle_is_where_right_and_wrong_answers_balance() -> None:
    """The fitted middle lies between the scores of wrong and right answers, and moves with them."""
    points = [(0.2, False)] * 10 + [(0.4, True)] * 10
    assert fitted_middle(points, 20.0) == pytest.approx(0.3, abs=1e-6)
    shifted = [(s + 0.05, ok) for s, ok in points]
    assert fitted_middle(shifted, 20.0) == pytest.approx(0.35, abs=1e-6)


def test_held_out_rows_no_longer_match_their_own_words() -> None:
    """A question made of a held-out sentence's words scores its unit lower once the sentence is cut out."""
    texts = ["Guitar songs for the choir concert on stage.", "Bread needs flour, yeast and salt.", "Tent and rope."]
    owner = np.arange(3)
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(3, 8)).astype(np.float32)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    index = DocsIndex(texts, owner, dense, 3)
    query = index.query("bread flour yeast salt")
    question = np.zeros(8, dtype=np.float32)
    held = index.held_out({1: "Tent and rope."}, dense)
    assert held.scores(query, question)[1] < index.scores(query, question)[1]
    assert index.rows_with("Bread needs flour") == [1]


def test_fitted_curve_is_kept_with_the_cached_index(tmp_path: Path) -> None:
    """An index loaded from the cache answers with the curve fitted when it was built."""
    kb = KnowledgeBase(_handbook())
    cache = IndexCache(tmp_path / "kb-cache")
    cache.put("k" * 64, kb, [], kb.encoder)
    loaded = cache.get("k" * 64, kb.encoder)
    assert loaded is not None
    assert loaded.kb._docs_curve == kb._docs_curve
