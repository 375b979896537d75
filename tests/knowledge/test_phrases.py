"""Phrase evidence for the docs confidence: a unit that says the question's words together counts more."""

from __future__ import annotations

import numpy as np

from knowledge import KnowledgeBase, Recipe
from knowledge.ranking import DocsIndex, content_words

TEXTS = [
    "Facilitators read each learning journal after the meeting and answer it.",
    "Learning happens in the meeting. Keep a journal of the venue bookings.",
    "Tent and rope for the camp.",
]


def _index() -> DocsIndex:
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(len(TEXTS), 8)).astype(np.float32)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    return DocsIndex(TEXTS, np.arange(len(TEXTS)), dense, len(TEXTS))


def test_a_unit_with_the_pair_has_evidence_one_with_the_words_apart_has_none() -> None:
    evidence = _index().phrases.evidence(content_words("who reads the learning journals?"))
    assert evidence[0] > 0
    assert evidence[1] == 0 and evidence[2] == 0


def test_one_question_and_many_at_once_agree() -> None:
    phrases = _index().phrases
    questions = [content_words(q) for q in ("learning journal", "camp tent and rope", "hello there", "")]
    many = phrases.evidence_many(questions)
    assert np.allclose(many, np.vstack([phrases.evidence(q) for q in questions]), atol=1e-6)


def test_a_held_out_row_loses_its_pairs() -> None:
    index = _index()
    question = content_words("learning journal")
    held = index.held_out({0: "Facilitators answer after the meeting."}, index.dense)
    assert index.phrases.evidence(question)[0] > 0
    assert held.phrases.evidence(question)[0] == 0


def test_the_pair_in_order_is_surer_than_the_same_words_in_another_order() -> None:
    """Same words, so the same scores and order; only the question that says "learning journal" has the pair."""
    pages = [
        Recipe(id="journals", title="Journals", body=TEXTS[0], links=("https://x/journals",)),
        Recipe(id="venues", title="Venues", body=TEXTS[1], links=("https://x/venues",)),
        Recipe(id="camp", title="Camp", body=TEXTS[2], links=("https://x/camp",)),
    ]
    kb = KnowledgeBase(pages)
    together, apart = kb.search("who reads each learning journal"), kb.search("who reads each journal, learning")
    assert [h.recipe.id for h in together] == [h.recipe.id for h in apart]
    assert together[0].recipe.id == "journals"
    assert together[0].raw > apart[0].raw


def test_the_lexical_share_weighs_words_against_meaning() -> None:
    """All words: the unit that uses the question's words wins; all meaning: the unit whose vector the question has."""
    texts = ["Book the library meeting room for every week.", "Flyers at the desk bring new learners along."]
    dense = np.eye(2, 4, dtype=np.float32)
    for share, winner in ((1.0, 0), (0.0, 1)):
        index = DocsIndex(texts, np.arange(2), dense, 2, lexical=share)
        scores = index.scores(index.query("library meeting room"), dense[1])
        assert int(np.argmax(scores)) == winner, share
