"""The pairwise reranker: trained at build when there are enough examples, reorders siblings, survives pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp

from knowledge import KnowledgeBase, Recipe, load_folder, starter_recipes_dir
from knowledge.examples import RERANK_TOP
from knowledge.rerank import ACTIONS, FEATURES, Reranker, UnitWords, action_agreement, action_sides
from knowledge.vectors import word_rows

# fmt: off
TOPICS = (
    "address", "password", "pin", "email", "phone number", "username", "avatar", "nickname", "billing plan",
    "meeting room", "reading list", "study schedule", "library card", "course syllabus", "facilitator notes",
    "group chat", "signup form", "welcome message", "reminder time", "badge", "certificate", "venue booking",
    "learner survey", "attendance sheet", "calendar link", "project board", "feedback form", "session agenda",
    "volunteer roster", "donation receipt",
)
UPDATE = (
    "update my {t}", "change the {t}", "edit our {t}", "i need to modify my {t}", "set a new {t}",
    "can i replace the {t}", "please switch my {t}", "fix the {t} please", "reset my {t}", "how to change {t}",
)
CHECK = (
    "check my {t}", "show me the {t}", "view our {t}", "i want to see my {t}", "look up the {t}",
    "what is my {t}", "tell me the {t}", "where can i find the {t}", "status of my {t}", "how to look at {t}",
)
# fmt: on


def _siblings() -> list[Recipe]:
    """Two recipes per topic that differ only in the action asked about."""
    out = []
    for k, topic in enumerate(TOPICS):
        for action, templates in (("update", UPDATE), ("check", CHECK)):
            out.append(
                Recipe(
                    id=f"t{k}-{action}",
                    title=f"{action.title()} the {topic}",
                    body=f"Steps to {action} the {topic}.",
                    questions=tuple(t.format(t=topic) for t in templates),
                )
            )
    return out


@pytest.fixture(scope="module")
def siblings() -> KnowledgeBase:
    return KnowledgeBase(_siblings())


def test_a_base_with_enough_examples_trains_the_reranker(siblings: KnowledgeBase) -> None:
    """Sixty recipes with ten examples each: the mode names the reranker."""
    assert siblings.mode == "static+svm+rerank"


def test_a_small_base_keeps_the_first_stage() -> None:
    """The starter recipes have too few examples to learn a reranker from, so none is trained."""
    assert KnowledgeBase(load_folder(starter_recipes_dir()).recipes).mode == "static+svm"


def test_siblings_that_differ_in_the_action_get_the_asked_action(siblings: KnowledgeBase) -> None:
    """Unseen phrasings, reranked, still answer with the update or the check recipe of the right topic, every one."""
    asked = {}
    for k, topic in enumerate(TOPICS):
        asked[f"t{k}-update"] = f"could you help me modify the {topic}"
        asked[f"t{k}-check"] = f"could you help me look at the {topic}"
    got = {expected: siblings.answer(question) for expected, question in asked.items()}
    tops = {expected: answer.best.recipe.id if answer.best else None for expected, answer in got.items()}
    assert tops == {expected: expected for expected in asked}


def test_off_topic_questions_are_declined_with_the_reranker(siblings: KnowledgeBase) -> None:
    """The reranked confidence still declines what no recipe covers."""
    for question in ("what is the capital of france", "recommend a good pizza topping"):
        assert siblings.answer(question).best is None, question


def test_a_pickled_base_answers_exactly_the_same(siblings: KnowledgeBase) -> None:
    """The index (reranker included) survives pickling, as the start-up cache stores it."""
    copy = pickle.loads(pickle.dumps(siblings))
    for question in ("update the badge", "where is my certificate", "what is the capital of france"):
        assert copy.search(question, 5) == siblings.search(question, 5), question


def test_reranker_learns_which_feature_decides() -> None:
    """A feature that alone tells right from wrong gets the weight: its candidates score higher."""
    rng = np.random.default_rng(1)
    features = rng.normal(size=(400, 3))
    labels = features[:, 1] + 0.3 * rng.normal(size=400) > 0.5
    model = Reranker.fit(features, labels)
    assert model is not None
    logits = model.logits(np.asarray([[0.0, 2.0, 0.0], [0.0, -2.0, 0.0]]))
    assert logits[0] > 2.0 and logits[1] < -2.0
    assert Reranker.fit(features, np.zeros(400, dtype=bool)) is None


def test_action_words_agree_or_oppose() -> None:
    """'Update' in the question agrees with an update recipe and opposes a check recipe; 'why' opposes 'how'."""
    pair = next(k for k, sides in enumerate(ACTIONS) if "update" in sides[0])
    asked = action_sides(frozenset({"why", "update", "pin"}))
    why = next(k for k, sides in enumerate(ACTIONS) if "why" in sides[0])
    assert asked == {2 * pair, 2 * why}
    update_unit = np.zeros(2 * len(ACTIONS), dtype=bool)
    update_unit[2 * pair] = True
    check_unit = np.zeros(2 * len(ACTIONS), dtype=bool)
    check_unit[[2 * pair + 1, 2 * why + 1]] = True
    assert action_agreement(asked, update_unit) == (1.0, 0.0)
    assert action_agreement(asked, check_unit) == (0.0, 2.0)


def test_word_features_favour_the_unit_that_uses_the_question_words() -> None:
    """Coverage is the IDF share of the question's words a unit uses; likelihood is higher where they are frequent."""
    counts = sp.csr_matrix(np.asarray([[3, 0, 1], [0, 2, 1]], dtype=np.float32))
    words = UnitWords(counts)
    cover, likelihood, _ = words.features(
        np.asarray([0, 2], dtype=np.int32), np.asarray([3.0, 1.0], dtype=np.float32), np.asarray([0, 1])
    )
    assert cover.tolist() == [1.0, 0.25]
    assert likelihood[0] > likelihood[1]


def test_soft_coverage_counts_a_word_of_like_meaning() -> None:
    """'change' in the question is nearly covered by a unit that says 'modify', not by one that says 'weather'."""
    vocabulary = ["change", "modify", "weather", "password"]
    counts = sp.csr_matrix(np.asarray([[0, 2, 0, 1], [0, 0, 2, 1]], dtype=np.float32))
    words = UnitWords(counts, word_rows(vocabulary))
    cover, _, soft = words.features(
        np.asarray([0, 3], dtype=np.int32), np.asarray([1.0, 1.0], dtype=np.float32), np.asarray([0, 1])
    )
    assert cover.tolist() == [0.5, 0.5]  # neither uses 'change' itself
    assert soft[0] > soft[1] > 0.5


def test_the_candidates_classifier_tells_the_siblings_apart(siblings: KnowledgeBase) -> None:
    """With the SVM trained too, a classifier over the few best candidates' own texts puts the badge recipe that
    does what is asked above its sibling, and scores nothing outside the reranked few."""
    examples = siblings._examples
    assert examples is not None and examples.svm is not None
    update, check = siblings._index["t19-update"], siblings._index["t19-check"]
    for question, right, wrong in (("edit the badge", update, check), ("what does my badge say", check, update)):
        dense = siblings.encoder.encode(question)[0]
        stage = examples.first_stage(question, dense, np.zeros(len(siblings.recipes), dtype=np.float32))
        assert stage.local[right] > stage.local[wrong]
        assert np.count_nonzero(stage.local) <= RERANK_TOP


def test_every_feature_is_named_and_weighed(siblings: KnowledgeBase) -> None:
    """The trained model has one weight per named feature, plus its bias."""
    reranker = siblings._examples.reranker
    assert reranker is not None and len(reranker.weights) == len(FEATURES) + 1
