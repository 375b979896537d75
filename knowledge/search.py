"""Find the recipe that answers a question, and say how sure we are.

Each recipe becomes a few short texts (its title, each example question, its summary and tags) and its body.
Three signals are fused:

- **Lexical** (:mod:`knowledge.lexical`): TF-IDF over words, word pairs and character n-grams, compared with
  each recipe's centroid.
- **Meaning**: sentence vectors (:mod:`knowledge.vectors`: distilled static word vectors by default, a
  sentence-transformers model with the ``[semantic]`` extra), compared with each recipe's centroid.
- **Discrimination**: a linear SVM trained at index build on the same features, one class per recipe, so that
  the words that tell two recipes apart weigh more than the words they share. It is trained while the model stays
  small (recipes x features under a budget, :mod:`knowledge.classifier`); past it, the ten best candidates of each
  question are told apart by a least-squares classifier over their own texts, trained on the spot.

The first stage over units with examples (:class:`knowledge.examples.ExampleIndex`) fuses these; its five best
are then reordered by a pairwise reranker (:mod:`knowledge.rerank`), trained at index build on held-out example
questions when the base has enough of them (at least 200); its log-odds are the raw score their confidence is
calibrated from. Past the SVM's budget the reranker still runs, so the candidates are still told apart by their
words and actions.

The SVM learns only from units with example questions. Units without (imported docs pages and sections) are scored
by :class:`knowledge.ranking.DocsIndex` instead, and the two ranked lists are merged by confidence; one page is
shown once (the best of the page, its sections and its word-for-word copies), and one title once. Contrast
words ("first"/"last"...) count for every unit.

rapidfuzz then catches a question that is (nearly) a recipe's title or one of its example questions, typos
included: that recipe goes first, with the match ratio as its confidence if that is higher.

The raw score is mapped to a confidence in 0..1 by a logistic curve per kind of unit
(:data:`knowledge.examples.CALIBRATION`; reranked units with examples: the reranker's log-odds, fitted on CLINC150's
validation split; without a reranker: the fused score; docs: both docs dev sets; ``benchmarks/kb_quality.py
--calibrate``), placed so that answers given at 0.5 are right about 90% of the time. The docs curve's middle is then
moved for the handbook at hand (:mod:`knowledge.selfcheck`: the handbook is quizzed with its own held-out sentences at
build); recipes beside a handbook are still held to the shipped docs curve. Below the threshold the bot declines and
offers the plausible candidates as suggestions.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, utils
from threadpoolctl import ThreadpoolController

from knowledge import classifier
from knowledge.examples import (
    CALIBRATION,
    PHRASE_MATCH,
    RERANK_TOP,
    ExampleIndex,
    finite,
    top,
)
from knowledge.lexical import LexicalFeatures, words_of
from knowledge.loader import Recipe
from knowledge.passages import joined, passages, questions_of, sentences_of
from knowledge.ranking import (
    CONTRASTS,
    LEXICAL_SHARE,
    PLAUSIBLE_DOCS,
    DocsIndex,
    Hit,
    Rivals,
    content_words,
    contrast_penalty,
    contrast_sides,
    merge,
)
from knowledge.rerank import Reranker, held_out
from knowledge.selfcheck import docs_middle
from knowledge.standins import normalize, trim_memory
from knowledge.units import pages, unit_texts, words_per_unit
from knowledge.vectors import Encoder, StaticEncoder, is_word

__all__ = ["Answer", "Hit", "KnowledgeBase", "mentions", "passages"]
Scores = npt.NDArray[np.float32]

log = logging.getLogger(__name__)

_KEEP_SURE = 0.95  # an example-unit answer this sure (a near-exact example match) skips the docs-style check
_FOLLOW_UP = 2  # sentences shown for a follow-up about an answer already given
_PLAUSIBLE = 0.2  # below this confidence a declined question's candidates are not offered as suggestions


@dataclass(frozen=True)
class Answer:
    """The best hit if it clears the threshold, else None; ``suggestions`` are the runners-up; ``also`` answers
    the other questions a message asks at once ("how big ... and how long ...?"), each as sure as ``best``."""

    question: str
    best: Hit | None
    suggestions: tuple[Hit, ...]
    also: tuple[Hit, ...] = ()


class KnowledgeBase:
    """An in-memory index over recipes.

    Args:
        recipes: the recipes to search.
        threshold: confidence at or above which an answer is given.
        learned: extra example questions per recipe id (from feedback), added to the recipe's own.
        encoder: sentence vectors; the static word vectors when not given.
        rerank, svm: whether to train the reranker and the SVM (when there are enough examples to).
        pool: whether the SVM also reads the word vectors' max and min (static encoder only); None: when the units
            with examples have few texts each (:data:`knowledge.classifier.POOL_TEXTS`).
    """

    def __init__(
        self,
        recipes: Sequence[Recipe],
        threshold: float = 0.5,
        learned: Mapping[str, Sequence[str]] | None = None,
        encoder: Encoder | None = None,
        *,
        rerank: bool = True,
        svm: bool = True,
        pool: bool | None = None,
    ) -> None:
        self.threshold = threshold
        self._options = (rerank, svm, pool)
        learned = learned or {}
        # A unit is scored by its kind as written: docs that learned a question from feedback stay docs.
        self._has_examples = np.asarray([bool(r.questions) for r in recipes], dtype=bool)
        self._authored = [len(r.questions) for r in recipes]  # the example questions before learned ones
        self.recipes = [
            replace(r, questions=(*r.questions, *learned[r.id])) if learned.get(r.id) else r for r in recipes
        ]
        self.by_id = {r.id: r for r in self.recipes}
        self.encoder = encoder or StaticEncoder()
        self._docs: DocsIndex | None = None
        self._docs_curve = CALIBRATION[(self.encoder.name, "docs")]  # fitted to the handbook at build
        self._examples: ExampleIndex | None = None
        if self.recipes:
            self._build()

    def __len__(self) -> int:
        return len(self.recipes)

    @property
    def mode(self) -> str:
        """Which ranking is in use, for logs and ``kb eval``: encoder name, plus ``+svm`` when it is trained."""
        return (
            self.encoder.name
            + ("+svm" if self._examples is not None and self._examples.svm is not None else "")
            + ("+rerank" if self._examples is not None and self._examples.reranker is not None else "")
        )

    def _build(self) -> None:
        texts, owner, n_short = unit_texts(self.recipes)
        self._lexical = LexicalFeatures()
        lexical = normalize(self._lexical.fit_transform(texts[:n_short], texts[n_short:]), copy=False)
        trim_memory()
        self.encoder, dense = self.encoder.fitted(
            texts, self._lexical.word_counts, self._lexical.vocabulary, short=n_short
        )
        n = len(self.recipes)
        pool = self._pooled(owner, n_short, (lexical.shape[1], dense.shape[1]))
        unit_words = words_per_unit(self._lexical.word_counts[:n_short], owner[:n_short], n, self._lexical.vocabulary)
        self._lexical.release()  # what follows needs neither the word counts nor the texts: 45 MiB at 10,000 recipes
        self._phrases = [[utils.default_process(p) for p in (r.title, *r.questions)] for r in self.recipes]
        self._svm_or_examples = bool(self._has_examples.any())
        self._page = pages(self.recipes, self._has_examples)
        self._index = {r.id: i for i, r in enumerate(self.recipes)}
        self._sides = np.zeros((n, 2 * len(CONTRASTS)), dtype=bool)
        for i, r in enumerate(self.recipes):
            self._sides[i, list(contrast_sides(" ".join((r.title, *r.questions, r.summary))))] = True
        self._docs = self._docs_index(texts, owner, dense, n_short)
        del texts
        trim_memory()  # the word vectors' and word counts' temporaries: 60 MiB at 10,000 recipes
        self._examples = examples = ExampleIndex(
            self.recipes,
            self._has_examples,
            self._lexical,
            lexical,
            dense,
            owner,
            unit_words,
            self.encoder.name,
            self._phrases,
        )
        trim_memory()
        if self._options[1]:
            examples.svm = classifier.train(lexical, dense, owner, self._has_examples, pool)
        del pool
        if self._options[0]:
            self._train_reranker(examples)
        trim_memory()

    def _pooled(
        self, owner: npt.NDArray[np.intp], n_short: int, widths: tuple[int, int]
    ) -> npt.NDArray[np.float32] | None:
        """The SVM's max and min features (:func:`classifier.pooled_features`): static encoder only. Before the word
        counts are released."""
        if self.encoder.name != "static" or not self._options[1]:
            return None
        counts, vocabulary = self._lexical.word_counts, self._lexical.vocabulary
        return classifier.pooled_features(
            counts, vocabulary, owner, self._has_examples, n_short, widths, self._options[2]
        )

    def _docs_index(
        self, texts: list[str], owner: npt.NDArray[np.intp], dense: npt.NDArray[np.float32], n_short: int
    ) -> DocsIndex | None:
        """With docs in the index, every unit gets a docs-style score too: the common scale on which a recipe must
        also look plausible before it beats a docs section (example questions look like any question)."""
        if self._has_examples.all():
            return None
        rows = np.argsort(owner, kind="stable")
        pages = [self._index.get(page, i) for i, page in enumerate(self._page)]
        parent = np.asarray([p if not self._has_examples[p] else i for i, p in enumerate(pages)])
        is_passage = rows >= n_short
        at = (owner[rows], dense[rows], len(self.recipes), parent, is_passage, LEXICAL_SHARE[self.encoder.name])
        docs = DocsIndex([texts[k] for k in rows], *at)
        shipped = CALIBRATION[(self.encoder.name, "docs")]
        with _blas().limit(limits=1, user_api="blas"):  # small products, as when answering
            middle = docs_middle(docs, is_passage, parent, ~self._has_examples, self.encoder, shipped)
        log.debug("knowledge base: docs confidence middle %.3f for this handbook (shipped %.3f)", middle, shipped[0])
        self._docs_curve = (middle, shipped[1])
        return docs

    def _train_reranker(self, examples: ExampleIndex) -> None:
        """Fit the reranker on held-out example questions of a knowledge base rebuilt from the other half."""
        pairs = self.reranker_pairs(svm=examples.svm is not None, pool=examples.pooled)
        if pairs is not None:
            examples.reranker = Reranker.fit(*pairs)

    def reranker_pairs(
        self, *, svm: bool = True, pool: bool | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]] | None:
        """The reranker's training pairs (see :func:`knowledge.rerank.held_out`): each held-out question's candidates'
        features and whether each is right; None with too few example questions (then the first stage's order and
        confidence stand). ``benchmarks/kb_rerank.py`` uses it to weigh features."""
        split = held_out(self.recipes, self._has_examples)
        if split is None:
            return None
        kept, asked = split
        return KnowledgeBase(kept, encoder=self.encoder, rerank=False, svm=svm, pool=pool)._pairs(asked)

    def _pairs(self, asked: list[tuple[str, str | None]]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """Question x candidate features of the first stage's best few, and whether each is the right answer."""
        features, labels = [], []
        examples = self._examples
        if examples is None:
            return np.zeros((0, 0)), np.zeros(0, dtype=bool)
        vectors = self.encoder.encode_many([question for question, _ in asked])  # one batch: torch's threads
        with _blas().limit(limits=1, user_api="blas"):
            for (question, right), dense in zip(asked, vectors, strict=True):
                penalty = contrast_penalty(question, self._sides)
                stage = examples.first_stage(question, dense, penalty)
                order = [int(i) for i in finite(stage.rank, top(stage.rank, RERANK_TOP))]
                if not order:
                    continue
                features.append(examples.pair_features(stage, question, order))
                labels += [self.recipes[i].id == right for i in order]
        if not features:
            return np.zeros((0, 0)), np.zeros(0, dtype=bool)
        return np.vstack(features), np.asarray(labels, dtype=bool)

    def search(self, question: str, limit: int = 5) -> list[Hit]:
        """The ``limit`` best units for ``question``, best first, each with its confidence; one unit per page."""
        if not self.recipes or not words_of(question):
            return []
        question = self._lexical.corrected(question, is_word)  # "venu" is the venue the recipes talk about
        # A question's products are small: one BLAS thread is plenty, and more fight torch's threads when a
        # sentence-transformers model runs (measured: p99 139 ms with both pools, 29 ms with BLAS on one thread).
        with _blas().limit(limits=1, user_api="blas"):
            dense = self.encoder.encode(question)[0]
            penalty = contrast_penalty(question, self._sides)
            examples = self._examples
            hits = examples.hits(question, dense, penalty, limit * 2) if examples and self._svm_or_examples else []
            if self._docs is not None:
                query = self._docs.query(question)
                scores = self._docs.scores(query, dense) - np.maximum(penalty, 0)
                docs = np.where(self._has_examples, -np.inf, scores).astype(np.float32)
                order, best = self._docs.ranking(docs, limit * 2)
                sure = self._docs.confidence_scores(question, scores, self._has_examples, limit * 2)
                hits = merge(self._checked(hits, *sure), self._docs_hits(question, docs, order, best, sure))
                if hits and not self._has_examples[self._index[hits[0].recipe.id]]:  # show the best passage
                    unit = self._index[hits[0].recipe.id]
                    passage = self._docs.passage(unit, query, question, dense, hits[0].recipe.title)
                    hits[0] = replace(hits[0], passage=passage)
        seen: set[str] = set()
        out = []
        # The best of a page and its sections (or of its copies) stands for the page; and of two titled alike (an
        # older and a newer version of a page), the better one: the user could not tell them apart.
        for hit in hits:
            page, title = self._page_of(hit), "title:" + hit.recipe.title.casefold()
            if page not in seen and title not in seen:
                seen.update((page, title))
                out.append(hit)
        return out[:limit]

    def written_for(self, question: str) -> str | None:
        """The recipe whose title or own example question (one its author wrote, not one learned from feedback)
        ``question`` (nearly) is, if any: the answer its author meant it to get."""
        asked = utils.default_process(question)
        for hit in self.search(question, limit=3):
            i = self._index[hit.recipe.id]
            own = self._phrases[i][: 1 + self._authored[i]]
            if any(fuzz.ratio(asked, phrase) >= PHRASE_MATCH for phrase in own):
                return hit.recipe.id
        return None

    def _page_of(self, hit: Hit) -> str:
        return self._page[self._index[hit.recipe.id]]

    def _checked(self, hits: list[Hit], scores: npt.NDArray[np.float32], best: Rivals) -> list[Hit]:
        """Units with examples, no more confident than their docs-style score allows (unless asked for by name)."""
        # The shipped docs curve: the handbook's, moved down, let starter recipes through (Mozilla: 0.949 -> 0.925).
        middle, slope = CALIBRATION[(self.encoder.name, "docs")]
        out = []
        for hit in hits:
            if hit.score < _KEEP_SURE:
                raw = best.raw(self._index[hit.recipe.id], scores)
                hit = replace(hit, score=round(min(hit.score, 1.0 / (1.0 + math.exp(-slope * (raw - middle)))), 4))
            out.append(hit)
        return sorted(out, key=lambda h: -h.score)

    def _docs_hits(
        self, question: str, docs: Scores, order: npt.NDArray[np.intp], best: Rivals, sure: tuple[Scores, Rivals]
    ) -> list[Hit]:
        """The docs units in ``order`` against other pages: ranked by ``docs``, as sure as ``sure`` says."""
        middle, slope = self._docs_curve
        # A question (nearly) the same as one a docs unit learned from feedback asks for that unit.
        asked = utils.default_process(question)
        named = {int(i): fuzz.ratio(asked, p) / 100.0 for i in order for p in self._phrases[i][1:]}
        hits = []
        for i in order:
            rank, score = best.raw(int(i), docs), sure[1].raw(int(i), sure[0])
            ranked, confidence = (1.0 / (1.0 + math.exp(-slope * (s - middle))) for s in (rank, score))
            if named.get(int(i), 0.0) * 100 >= PHRASE_MATCH:
                ranked, confidence = max(ranked, named[int(i)]), max(confidence, named[int(i)])
            hits.append((ranked, Hit(self.recipes[i], round(confidence, 4), round(score, 4))))
        return [hit for _, hit in sorted(hits, key=lambda p: -p[0])]

    def focused(self, hit: Hit, question: str) -> Hit:
        """``hit`` showing only the two sentences of its body that bear most on ``question``, a follow-up about an
        answer already given ("does it need wifi?" after the venue recipe): the one sharing the most words with it,
        else the closest in meaning ("posters" for the flyers line), and the one after it."""
        sentences = sentences_of(hit.recipe.body)
        if len(sentences) <= _FOLLOW_UP:
            return hit
        asked = set(content_words(question))
        closeness = [float(len(asked & set(content_words(s)))) for s in sentences]
        if not any(closeness):
            dense = self.encoder.encode(question)[0]
            closeness = [float(self.encoder.encode(s)[0] @ dense) for s in sentences]
        shown = sentences[int(np.argmax(closeness)) :][:_FOLLOW_UP]
        return replace(hit, passage=joined(shown))

    def answer(self, question: str) -> Answer:
        """The best recipe if it is confident enough, and up to three suggestions either way; a message that asks
        several questions gets the answer to each it is sure of (the whole message's answer first)."""
        hits = self.search(question, limit=4)
        sure: list[Hit] = []
        for hit in hits[:1] + [h for part in questions_of(question) for h in self.search(part, limit=1)]:
            if hit.score >= self.threshold and all(self._page_of(hit) != self._page_of(h) for h in sure):
                sure.append(hit)
        if sure:
            shown = {h.recipe.id for h in sure}
            return Answer(question, sure[0], tuple(h for h in hits if h.recipe.id not in shown)[:3], tuple(sure[1:3]))
        # Declined: offer close matches only when they are plausible, not three random pages for "tell me a joke".
        floor = np.where(self._has_examples, _PLAUSIBLE, PLAUSIBLE_DOCS)
        plausible = sorted((h for h in hits[:3] if h.score >= floor[self._index[h.recipe.id]]), key=lambda h: -h.score)
        return Answer(question, None, tuple(plausible))


@functools.cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def mentions(recipe: Recipe, text: str) -> bool:
    """Whether ``recipe`` (its title, summary, tags, example questions or body) uses a content word of ``text``."""
    asked = set(content_words(text))
    own = " ".join((recipe.title, recipe.summary, *recipe.tags, *recipe.questions, recipe.body))
    return bool(asked & set(content_words(own)))
