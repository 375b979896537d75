"""Self-calibration of the docs confidence: the handbook at hand quizzes itself at index build.

The docs curve (:data:`knowledge.examples.CALIBRATION`, ``docs`` rows) is one logistic curve over the raw docs score
(:meth:`knowledge.ranking.Rivals.raw`), fitted on two dev handbooks. It does not transfer as is: how high a right
answer scores depends on the handbook (how long its pages are, how much its pages repeat each other's words). On
Mozilla's Open Leadership series the right answers sat under the threshold (ECE 0.28) while P2PU's were placed right.

So at build, when the knowledge base has docs units, :func:`docs_middle` asks the handbook :data:`QUESTIONS`
pseudo-questions of its own and moves the curve's middle by how this handbook scores them:

- a pseudo-question is a sentence of a body passage with about half its words dropped at random (chat questions are
  short and share only some of the page's words); its right answers are the pages whose passages hold the sentence;
- the sentence is **held out**: the pseudo-questions are ranked against an index of the same rows with their source
  sentences cut out (and those rows re-encoded), so no question finds its own words verbatim, as a real question
  would not;
- a logistic curve with the shipped slope is fitted to (raw score of the top answer, whether its page is right);
  its middle against :data:`REFERENCE` (the same fit on the dev handbook the shipped middle was placed on) is how
  much harder or easier this handbook's right answers score. The shipped middle moves by that much, at most
  :data:`MAX_SHIFT` either way, so a strange handbook cannot move it far.

Seeded, so the same handbook gets the same curve; the value is an attribute of the knowledge base and is pickled
with it (:mod:`knowledge.cache`). The encoders without a reference (the ``[semantic]`` model) keep the shipped curve.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from knowledge.lexical import words_of
from knowledge.phrases import PHRASE_WEIGHT
from knowledge.ranking import DocsIndex, content_words
from knowledge.vectors import Encoder

__all__ = ["MAX_SHIFT", "QUESTIONS", "REFERENCE", "docs_middle", "fitted_middle"]

QUESTIONS = 300  # pseudo-questions asked at most: their ranking is most of the check's cost
MAX_SHIFT = 0.06  # the furthest the middle moves from the shipped one
# The fitted middle of the pseudo-questions of the P2PU handbook, on which the shipped static middle (0.46) is placed
# (its answers are right 92% of the time at 0.5): mean over seeds 0-4 (sd 0.009; Mozilla's: 0.408, sd 0.011). Before
# phrase evidence (knowledge.phrases) was read into the confidence: 0.470 (Mozilla 0.395).
REFERENCE = {"static": 0.502}
# A fitted middle this close to the reference is within the check's own noise (its spread over seeds): it does not
# move the curve, and a larger difference moves it by the part beyond this.
_NOISE = 0.01
_MIN_QUESTIONS = 50  # with fewer pseudo-questions the fit is noise: the shipped curve stands
_KEEP = 0.5  # share of a sentence's words a pseudo-question keeps
_WORDS = (6, 40)  # a sentence with fewer content words says too little to ask about; more is a table or a list
_SEED = 0
_ROWS_TRIED = 4 * QUESTIONS  # passages looked at for sentences at most (text without sentences is not quizzed)
_AT_ONCE = 50  # pseudo-questions scored together (rows x 50 floats at a time)
# Where pseudo-questions are cut: at . ! ? before a capital, a list item or a blank line. Kept apart from how answers
# are shown (knowledge.passages): REFERENCE was measured with this cut, and another cut moves the fitted middles.
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9*\[(])|\n+(?=\s*(?:[-*]|\d+\.)\s)|\n{2,}")


def docs_middle(
    index: DocsIndex,
    is_passage: npt.NDArray[np.bool_],
    page: npt.NDArray[np.intp],
    docs: npt.NDArray[np.bool_],
    encoder: Encoder,
    curve: tuple[float, float],
) -> float:
    """The docs curve's middle for this handbook: the shipped ``curve`` (middle, slope) shifted by how its own
    pseudo-questions score (see the module docstring).

    Args:
        index: the docs index of the knowledge base.
        is_passage: per row of ``index``, whether it is a body passage.
        page: each unit's page (a unit of its own for a page and for units with examples).
        docs: per unit, whether it is a docs unit (without example questions).
        encoder: the knowledge base's fitted encoder.
        curve: the shipped (middle, slope).
    """
    middle, slope = curve
    reference = REFERENCE.get(encoder.name)
    if reference is None:
        return middle
    rng = np.random.default_rng(_SEED)
    texts, owner = index.texts, index.owner
    chosen = _sentences(texts, rng.permutation(np.flatnonzero(is_passage & docs[owner])), rng)
    if len(chosen) < _MIN_QUESTIONS:
        return middle
    changed: dict[int, str] = {}
    right: list[set[int]] = []
    for sentence in chosen:  # every copy of the sentence is held out (a page and its section, a page in two folders)
        rows = index.rows_with(sentence)
        right.append({int(page[owner[r]]) for r in rows})
        for r in rows:
            changed[r] = changed.get(r, texts[r]).replace(sentence, " ")
    dense = index.dense.copy()
    if changed:  # each row without its quizzed sentences: not a question's own words
        dense[list(changed)] = encoder.encode_many(list(changed.values()))
    held = index.held_out(changed, dense)
    questions = []
    for sentence in chosen:
        words = words_of(sentence)
        questions.append(" ".join(w for w, keep in zip(words, rng.random(len(words)) < _KEEP, strict=True) if keep))
    points = []
    for start in range(0, len(questions), _AT_ONCE):
        part = questions[start : start + _AT_ONCE]
        vectors = encoder.encode_many(part)
        scores = held.scores_many([held.query(q) for q in part], vectors)
        scores[:, ~docs] = -np.inf
        # Ranked by the scores, sure by the scores with phrase evidence, as answers are (DocsIndex.confidence_scores).
        sure = scores + PHRASE_WEIGHT * held.phrases.evidence_many([content_words(q) for q in part])
        for row, sure_row, pages in zip(scores, sure, right[start : start + _AT_ONCE], strict=True):
            order = held.ranking(row, 1)[0]
            if len(order):
                points.append((held.ranking(sure_row, 1)[1].raw(int(order[0]), sure_row), int(page[order[0]]) in pages))
    if len(points) < _MIN_QUESTIONS:
        return middle
    away = fitted_middle(points, slope) - reference
    shift = float(np.clip(np.sign(away) * max(0.0, abs(away) - _NOISE), -MAX_SHIFT, MAX_SHIFT))
    return round(middle + shift, 4)


def fitted_middle(points: Sequence[tuple[float, bool]], slope: float) -> float:
    """The middle of the logistic curve with ``slope`` that fits (score, right) ``points`` best (maximum likelihood:
    the curve's expected number of right answers equals the number right)."""
    scores = np.asarray([s for s, _ in points], dtype=np.float64)
    right = float(sum(ok for _, ok in points))
    low, high = float(scores.min()) - 1.0, float(scores.max()) + 1.0
    for _ in range(50):  # the expected count falls as the middle rises: bisect
        mid = (low + high) / 2
        if float(np.sum(1.0 / (1.0 + np.exp(-slope * (scores - mid))))) > right:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _sentences(texts: Sequence[str], rows: npt.NDArray[np.intp], rng: np.random.Generator) -> list[str]:
    """Up to :data:`QUESTIONS` distinct sentences that say enough to be asked about: one picked at random from each
    of the first :data:`_ROWS_TRIED` ``rows`` in turn (rows without one are passed over)."""
    seen: set[str] = set()
    out: list[str] = []
    for r in rows[:_ROWS_TRIED]:
        sentences = [t.strip() for t in _SENTENCE.split(texts[r]) if t.strip() and not t.lstrip().startswith("#")]
        if not sentences:
            continue
        sentence = sentences[int(rng.integers(len(sentences)))]
        if sentence in seen or sentence.startswith(("|", "!", "[", "http")):
            continue
        if _WORDS[0] <= len(content_words(sentence)) <= _WORDS[1]:
            seen.add(sentence)
            out.append(sentence)
            if len(out) == QUESTIONS:
                break
    return out
