"""The retrieval layer: features, confidence, decline with suggestions, typos, learned examples, big and tiny bases."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from knowledge import KnowledgeBase, Recipe, classifier, load_folder, starter_recipes_dir
from knowledge.evaluate import EvalQuestion, evaluate
from knowledge.lexical import LexicalFeatures
from knowledge.vectors import StaticEncoder, is_word, make_encoder


@pytest.fixture(scope="module")
def starter() -> KnowledgeBase:
    return KnowledgeBase(load_folder(starter_recipes_dir()).recipes)


def recipe(rid: str, title: str, *questions: str, body: str = "") -> Recipe:
    return Recipe(id=rid, title=title, body=body or title, questions=questions)


def test_a_question_is_featurised_exactly_as_the_same_text_in_the_index() -> None:
    """The fast single-question path gives the row the index built for the same short text."""
    lexical = LexicalFeatures()
    short = ["How big should a learning circle be?", "group size for circles", "Choosing a venue"]
    rows = lexical.fit_transform(short, ["A long body about venues and libraries."])
    for i, text in enumerate(short):
        assert np.allclose(lexical.transform_one(text).toarray(), rows[i].toarray(), atol=1e-6), text


def test_word_vectors_place_synonyms_closer_than_unrelated_words() -> None:
    """The shipped static vectors carry meaning: 'meeting' is nearer 'session' than 'banana'."""
    encoder = StaticEncoder()
    for word, near in (("meeting", "session"), ("class", "lesson")):
        this, close, far = (encoder.encode(w)[0] for w in (word, near, "banana"))
        assert float(this @ close) > float(this @ far) + 0.2, word
    assert not encoder.encode("zzqx").any()  # no known word: a zero vector, not an error


def test_word_vectors_cover_words_outside_the_models_vocabulary() -> None:
    """Words the model splits into pieces, inflections and negations have vectors; a clitic form has none of its own."""
    encoder = StaticEncoder()
    for word, near in (("delete", "remove"), ("calories", "nutrition"), ("ounces", "pounds")):
        this, close, far = (encoder.encode(w)[0] for w in (word, near, "banana"))
        assert this.any() and float(this @ close) > float(this @ far) + 0.2, word
    assert encoder.encode("doesn't").any() and not np.array_equal(encoder.encode("doesn't"), encoder.encode("does"))
    assert not encoder.encode("what's").any()


def test_added_words_count_in_short_texts_and_questions_but_not_in_body_passages() -> None:
    """'delete' (a word the model splits) moves a title's vector and a question's, but not a body passage's."""
    texts = ["delete the account", "delete the account"]
    counts = sp.csr_matrix(np.ones((2, 3), dtype=np.float32))
    fitted, rows = StaticEncoder().fitted(texts, counts, ["delete", "the", "account"], short=1)
    without, _ = StaticEncoder().fitted(["the account"], sp.csr_matrix(np.ones((1, 2))), ["the", "account"])
    np.testing.assert_allclose(rows[1], without.encode("the account")[0], atol=1e-6)
    assert float(rows[0] @ rows[1]) < 0.999
    np.testing.assert_allclose(fitted.encode("delete the account")[0], rows[0], atol=1e-6)


def test_confidence_is_high_for_covered_questions_and_low_for_off_topic(starter: KnowledgeBase) -> None:
    covered = starter.search("how many people should join a learning circle", 1)[0]
    off_topic = starter.search("what is the capital of france", 1)[0]
    assert covered.recipe.id == "circles/group-size" and covered.score >= 0.5
    assert off_topic.score < 0.5 and 0.0 <= off_topic.score <= 1.0


def test_a_question_in_words_the_recipes_never_use_is_declined(starter: KnowledgeBase) -> None:
    """ "What is kubernetes?" shares only "what is" with "What is a learning circle?": declined, where a typo in a
    covered question is still answered."""
    assert starter.answer("what is kubernetes").best is None
    assert starter.answer("what is docker?").best is None
    assert starter.answer("what is a xyzzy").best is None
    assert starter.answer("where can I find a plumber").best is None
    hit = starter.answer("what is a learning circle").best
    assert hit is not None and hit.recipe.id == "circles/what-is-a-learning-circle"
    typo = starter.answer("how do i promot my circle").best
    assert typo is not None and typo.recipe.id == "recruiting/promotion"


def test_typos_and_inflections_of_known_words_are_not_unknown() -> None:
    """The unknown share weighs only words the base never uses, in any form it could mean."""
    lexical = LexicalFeatures()
    lexical.fit_transform(["how big should a learning circle be", "people drop out"], ["Circles meet weekly."])
    assert lexical.unknown_share(["lerning", "cirlce", "dropping", "circles"]) == 0.0
    assert lexical.unknown_share(["kubernetes"]) == 1.0
    assert lexical.unknown_share(["where", "can", "i", "find", "a", "kubernetes"]) == 1.0  # function words don't count
    assert 0.3 < lexical.unknown_share(["learning", "kubernetes"]) < 0.7
    assert lexical.unknown_share([]) == 0.0


def test_misspelt_words_are_read_as_the_words_of_the_knowledge_base(starter: KnowledgeBase) -> None:
    """ "venu" is the venue the recipes talk about (it answered the promotion recipe before); a real word they never
    use, a number, a clitic or a short word stay as typed."""
    hit = starter.answer("how do i find a venu").best
    assert hit is not None and hit.recipe.id == "space/choosing-a-venue"
    lexical = LexicalFeatures()
    lexical.fit_transform(["find a venue", "search for courses", "the 12th meeting"], ["Facilitators meet weekly."])
    assert lexical.corrected("Find a Venu, serach", is_word) == "find a venue, search"
    assert lexical.corrected("Where's a plumber for the 10th?", is_word) == "Where's a plumber for the 10th?"
    assert lexical.corrected("a fizzle", is_word) == "a fizzle"  # two edits from "file": too far for six letters
    assert lexical.corrected("the facilitater", is_word) == "the facilitators"  # two edits: fine for eleven letters


def test_a_message_with_several_questions_answers_each(starter: KnowledgeBase) -> None:
    """Each question of the message gets its answer when sure; one question alone has no "also"."""
    answer = starter.answer("how do I promote my circle and how do i find a venue and how long should meetings be")
    assert answer.best is not None
    answered = [answer.best.recipe.id, *(h.recipe.id for h in answer.also)]
    assert sorted(answered) == ["circles/meeting-length", "recruiting/promotion", "space/choosing-a-venue"]
    assert starter.answer("how do I add and remove members").also == ()
    declined_first = starter.answer("what is the weather? and how do i find a venue")
    assert declined_first.best is not None and declined_first.best.recipe.id == "space/choosing-a-venue"


def test_declined_questions_still_suggest_up_to_three_recipes(starter: KnowledgeBase) -> None:
    """A near miss keeps up to three suggestions, most likely first; an off-topic question gets none."""
    answer = starter.answer("fewer people show up each week")
    assert answer.best is None
    assert "facilitation/attendance" in [h.recipe.id for h in answer.suggestions]
    assert 1 <= len(answer.suggestions) <= 3
    assert [h.score for h in answer.suggestions] == sorted((h.score for h in answer.suggestions), reverse=True)
    assert starter.answer("who won the football game").suggestions == ()


def test_threshold_decides_between_answer_and_decline() -> None:
    recipes = load_folder(starter_recipes_dir()).recipes
    question = "ways to advertise our study group"
    strict, lenient = KnowledgeBase(recipes, threshold=0.999), KnowledgeBase(recipes, threshold=0.01)
    assert strict.answer(question).best is None and strict.answer(question).suggestions
    best = lenient.answer(question).best
    assert best is not None and best.recipe.id == "recruiting/promotion"


def test_near_exact_title_with_typos_wins(starter: KnowledgeBase) -> None:
    hit = starter.search("How big shuold a lerning circle be", 1)[0]
    assert hit.recipe.id == "circles/group-size" and hit.score >= 0.9


def test_learned_examples_teach_a_new_phrasing() -> None:
    recipes = [
        recipe("a", "Meeting spaces", "where can we meet", "how to book a library room"),
        recipe("b", "Finding courses", "where are free courses", "which course should we use"),
        recipe("c", "Group size", "how many learners", "how big should a group be"),
    ]
    odd = "our cohort needs somewhere quiet on tuesdays"
    before = KnowledgeBase(recipes).search(odd, 1)[0]
    after = KnowledgeBase(recipes, learned={"a": [odd]}).search(odd, 1)[0]
    assert after.recipe.id == "a" and after.score == 1.0
    assert before.score < after.score


@pytest.mark.parametrize("count", [1, 2, 3])
def test_tiny_knowledge_bases_work(count: int) -> None:
    """One recipe (no classifier), two (a binary classifier), three: all rank and score without errors."""
    recipes = [
        recipe("venue", "Choosing a venue", "where can we meet"),
        recipe("size", "Group size", "how many learners"),
        recipe("courses", "Finding courses", "where are free courses"),
    ][:count]
    kb = KnowledgeBase(recipes)
    hits = kb.search("where can we meet", 3)
    assert hits[0].recipe.id == "venue" and len(hits) == count
    assert kb.search("?!", 3) == [] and KnowledgeBase([]).search("anything") == []


def test_recipes_without_words_do_not_break_the_index() -> None:
    kb = KnowledgeBase([Recipe(id="x", title="???", body="!!!"), recipe("y", "Group size", "how many learners")])
    assert kb.search("how many learners", 1)[0].recipe.id == "y"


def test_large_bases_fall_back_to_centroids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the classifier's memory budget the index uses centroids alone, and still ranks sensibly."""
    monkeypatch.setattr(classifier, "BUDGET", 0)
    kb = KnowledgeBase(load_folder(starter_recipes_dir()).recipes)
    assert kb.mode == "static"
    assert kb.search("how many people should be in a learning circle", 1)[0].recipe.id == "circles/group-size"
    assert KnowledgeBase(load_folder(starter_recipes_dir()).recipes[:5]).mode == "static"


def test_default_install_uses_static_vectors_with_a_classifier(starter: KnowledgeBase) -> None:
    if importlib.util.find_spec("sentence_transformers") is None:
        assert make_encoder("auto").name == "static"
    assert make_encoder("off").name == "static" and starter.mode == "static+svm"


def test_naming_a_model_without_the_extra_is_a_config_error() -> None:
    if importlib.util.find_spec("sentence_transformers") is not None:
        pytest.skip("sentence-transformers is installed here")
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match="semantic_model"):
        make_encoder("all-MiniLM-L6-v2")


@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None, reason="the [semantic] extra is not installed"
)
def test_semantic_encoder_joins_the_same_fusion() -> None:
    kb = KnowledgeBase(load_folder(starter_recipes_dir()).recipes, encoder=make_encoder("auto"))
    assert kb.mode == "semantic+svm"
    assert kb.search("how many people should be in a learning circle", 1)[0].recipe.id == "circles/group-size"


def test_index_rows_are_grouped_per_recipe(starter: KnowledgeBase) -> None:
    """Each recipe's texts are contiguous, so nearest-text scores belong to the right recipe."""
    index = starter._examples
    assert index is not None
    starts = index._row_start
    assert starts[0] == 0 and np.all(np.diff(starts) >= 1)
    assert starts[-1] == index._rows_dense.shape[0] == index._rows_lexical.shape[0]
    assert isinstance(index._rows_lexical, sp.csr_matrix)


def test_kb_eval_reports_every_required_field(tmp_path: Path) -> None:
    """`kb eval --json` on a small question file: fields present, fractions in 0..1, details written."""
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"q": "how many people should be in a learning circle", "expect": ["circles/group-size"]})
        + "\n"
        + json.dumps({"q": "what is the capital of france", "expect": []})
        + "\n"
    )
    details = tmp_path / "details.jsonl"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "kb",
            "eval",
            "--kb",
            str(starter_recipes_dir()),
            "--questions",
            str(questions),
            "--json",
            "--details",
            str(details),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(result.stdout)
    for key in ("in_scope_top1", "in_scope_answered_correct", "oos_recall"):
        assert summary[key] == 1.0, key
    semantic = importlib.util.find_spec("sentence_transformers") is not None
    assert summary["n_in_scope"] == 1 and summary["n_oos"] == 1
    assert summary["mode"] == ("semantic+svm" if semantic else "static+svm")
    assert summary["p99_ms"] >= summary["p50_ms"] > 0 and summary["index_build_s"] > 0
    rows = [json.loads(line) for line in details.read_text().splitlines()]
    assert rows[0]["answered"] == "circles/group-size" and rows[1]["answered"] is None


def test_kb_eval_counts_a_declined_question_whose_right_recipe_is_offered(starter: KnowledgeBase) -> None:
    """Declined with the right recipe among the suggestions counts as offered; declined without it, or answered
    right, does not."""
    questions = [
        EvalQuestion("fewer people show up each week", ("facilitation/attendance",)),  # declined, offered
        EvalQuestion("fewer people show up each week", ("courses/licensing",)),  # declined, not offered
        EvalQuestion("how many people should be in a learning circle", ("circles/group-size",)),  # answered
        EvalQuestion("who won the football game", ()),
    ]
    summary, _ = evaluate(starter, questions, 0.0)
    assert summary["n_in_scope"] == 3
    assert summary["in_scope_declined_right_offered"] == pytest.approx(1 / 3)
