"""Lexical features for the knowledge base: what words and spellings a text shares with a recipe.

Three TF-IDF blocks side by side (sublinear term frequency, smoothed IDF, each block of unit length):

- single words of every text (titles, example questions, summaries, tags and bodies share one space, so a word
  in a title and in a body reinforce each other);
- word pairs of the short texts (everything but bodies);
- character 3-5-grams of the short texts' words (typos, plurals, word forms), as ``char_wb`` would give.

Bodies are long: pairs and character n-grams of them would bloat the index for little gain.

Building counts terms as scikit-learn's ``CountVectorizer`` does (:func:`knowledge.standins.count_terms`, without
importing scikit-learn); each word is tokenised once, and character n-grams are computed once per distinct word and
summed into texts with a sparse product. A single question is turned into features directly from the fitted
vocabularies, which is what keeps answers fast.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from knowledge.standins import ENGLISH_STOP_WORDS, count_terms

__all__ = ["WORD", "LexicalFeatures", "words_of"]

WORD = re.compile(r"[a-z0-9][a-z0-9']*")
_GRAMS = (3, 5)
_TYPO = 80.0  # rapidfuzz ratio at or above which an unknown word is a typo of a known one ("cirlce", "circle": 83)
_TWO_EDITS = 8  # a misspelt word this long may be two edits from its correction; shorter ones one
_ENDINGS = ("s", "es", "ed", "d", "er", "est", "ing", "ly")  # endings an inflected form adds to its word
_TYPO_MIN = 3  # words this short are never typos of others (a ratio means little on them)
_STEM_MIN, _STEM_SUFFIX = 4, 4  # a known word this long at least, the unknown one at most this much longer
_ROWS_AT_ONCE = 8192  # rows weighed or stacked at a time (bounds the temporaries of a big index)


def words_of(text: str) -> list[str]:
    """The lower-case words of ``text``, as every block and the word vectors see them."""
    return WORD.findall(text.lower())


def _char_grams(word: str) -> list[str]:
    padded = f" {word} "
    out: list[str] = []
    for n in range(_GRAMS[0], _GRAMS[1] + 1):
        if n > len(padded):
            break
        out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


class _Block:
    """One fitted TF-IDF block: vocabulary, IDF, and its column offset in the feature row."""

    def __init__(self, vocabulary: dict[str, int], idf: npt.NDArray[np.float64], offset: int) -> None:
        self.vocabulary = vocabulary
        self.idf = idf
        self.offset = offset

    def weights(self, terms: list[str]) -> tuple[list[int], list[float]]:
        return self._weighted(Counter(self.vocabulary[t] for t in terms if t in self.vocabulary))

    def _weighted(self, counts: Counter[int]) -> tuple[list[int], list[float]]:
        values = [(1 + math.log(c)) * self.idf[column] for column, c in counts.items()]
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        return [self.offset + c for c in counts], [v / norm for v in values]


class _PairBlock(_Block):
    """The word-pair block: a pair is known by its two word columns (``first * words + second``), kept sorted in a
    number array, the same order as the pairs' text; a dictionary of 360,000 pair strings takes 40 MiB at 10,000
    recipes, the array 3."""

    def __init__(self, words: dict[str, int], keys: npt.NDArray[np.int64], idf: npt.NDArray[np.float64], offset: int):
        super().__init__(words, idf, offset)
        self.keys = keys

    def weights(self, terms: list[str]) -> tuple[list[int], list[float]]:
        ids = [self.vocabulary.get(t, -1) for t in terms]
        wanted = [a * len(self.vocabulary) + b for a, b in itertools.pairwise(ids) if a >= 0 and b >= 0]
        if not wanted or not len(self.keys):
            return [], []
        found = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        return self._weighted(Counter(int(c) for c, k in zip(found, wanted, strict=True) if self.keys[c] == k))


class LexicalFeatures:
    """Fit on a knowledge base's texts, then turn questions into the same feature space.

    After :meth:`fit_transform`, ``word_counts`` holds the texts' raw word counts and ``vocabulary`` the words,
    for the static word vectors to reuse without tokenising everything again.
    """

    def __init__(self) -> None:
        self._blocks: list[tuple[str, _Block]] = []
        self.width = 0
        self.vocabulary: list[str] = []
        self.word_counts: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)

    def fit_transform(self, short: Sequence[str], bodies: Sequence[str]) -> sp.csr_matrix:
        """Rows for ``short`` then ``bodies``, in that order."""
        n_short, n = len(short), len(short) + len(bodies)
        # Each text is tokenised as it is counted: a list of every text's words would hold millions of word strings
        # at once on a big knowledge base.
        blocks: list[sp.csr_matrix] = []
        try:
            counts, words = count_terms(itertools.chain(short, bodies), words_of)
        except ValueError:  # no words at all
            self.word_counts = sp.csr_matrix((n, 0), dtype=np.float32)
            return sp.csr_matrix((n, 0), dtype=np.float32)
        self.word_counts = counts
        self.vocabulary = list(words)  # in column order
        offset = self._add("words", _Block(words, np.zeros(0), 0), counts.copy(), blocks)
        keys, pairs = _pair_counts(short, words, n)
        if len(keys):  # bodies have no pair features
            offset = self._add("pairs", _PairBlock(words, keys, np.zeros(0), offset), pairs, blocks)
        del pairs
        per_word, gram_vocabulary = count_terms(self.vocabulary, _char_grams)
        short_counts = counts[:n_short]
        short_counts.resize((n, counts.shape[1]))  # nor character n-grams
        # The n-gram block is most of the features (17 of 20 million entries at 10,000 recipes): it is never held
        # whole next to the result but counted once for its IDF, then weighed again a slice at a time as the
        # result is filled.
        grams = _Grams(short_counts, per_word.tocsr())
        self._blocks.append(("grams", _Block(gram_vocabulary, grams.idf, offset)))
        self.width = offset + grams.width
        return _hstack(blocks, grams, self.width)

    def _add(self, kind: str, block: _Block, counts: sp.csr_matrix, blocks: list[sp.csr_matrix]) -> int:
        """Weigh ``counts`` (in place) as ``block``'s TF-IDF; the next block's column offset."""
        weighted, block.idf = _tfidf(counts)
        blocks.append(weighted)
        self._blocks.append((kind, block))
        return block.offset + int(counts.shape[1])

    @property
    def word_columns(self) -> int:
        """How many columns the single-word block has (they come first)."""
        return len(self._blocks[0][1].idf) if self._blocks else 0

    @property
    def short_columns(self) -> int:
        """How many columns the single-word and word-pair blocks take (they come first)."""
        return self._blocks[-1][1].offset if len(self._blocks) > 1 else self.width

    def release(self) -> None:
        """Drop the build-time word counts once the word vectors have used them."""
        self.word_counts = sp.csr_matrix((0, 0), dtype=np.float32)
        self.vocabulary = []

    def unknown_share(self, words: Sequence[str]) -> float:
        """The share of ``words``' weight (TF-IDF) in words the knowledge base never uses, each weighed as the
        rarest word it does use: all of ``["kubernetes"]`` against recipes that never say it. A word one typo away
        from one it uses ("lerning"), or that starts with one it uses ("dropping", "drop"), is that word. Function
        words do not count: "where can I find a plumber" is all plumber, not one word in six."""
        if not self._blocks:
            return 0.0
        block = self._blocks[0][1]
        rarest = float(block.idf.max())
        total = unknown = 0.0
        for word, count in Counter(w for w in words if w not in ENGLISH_STOP_WORDS).items():
            column = _known_form(word, block.vocabulary)
            weight = (1 + math.log(count)) * (rarest if column is None else float(block.idf[column]))
            total += weight
            unknown += weight if column is None else 0.0
        return unknown / total if total else 0.0

    def corrected(self, text: str, is_word: Callable[[str], bool]) -> str:
        """``text`` with each misspelt word replaced by the word of the knowledge base it misspells ("venu", "venue";
        "serach", "search"), in lower case if any was.

        A word is taken as misspelt only when the knowledge base never uses it, ``is_word`` knows neither it nor
        the word it inflects ("plainer", "okayed"), and it is longer than three letters, all of them letters; its
        correction is a word of the knowledge base one edit away (two from eight letters), the most common one
        first (Norvig's spelling corrector, with the knowledge base as its dictionary). "plumber" stays a plumber.
        """
        if not self._blocks:
            return text
        block = self._blocks[0][1]
        fixed = 0

        def fix(match: re.Match[str]) -> str:
            nonlocal fixed
            word = match.group(0)
            if word in block.vocabulary or len(word) <= _TYPO_MIN or not word.isalpha() or _inflects(word, is_word):
                return word
            edits = 1 if len(word) < _TWO_EDITS else 2
            close = process.extract(
                word, block.vocabulary.keys(), scorer=DamerauLevenshtein.distance, score_cutoff=edits, limit=None
            )
            if not close:
                return word
            fixed += 1
            return str(min(close, key=lambda c: (c[1], block.idf[block.vocabulary[c[0]]]))[0])

        out = WORD.sub(fix, text.lower())
        return out if fixed else text

    def transform_one(self, text: str) -> sp.csr_matrix:
        """The feature row (1 x width) for one question."""
        words = words_of(text)
        terms = {"words": words, "pairs": words, "grams": [g for w in words for g in _char_grams(w)]}
        columns: list[int] = []
        values: list[float] = []
        for kind, block in self._blocks:
            c, v = block.weights(terms[kind])
            columns += c
            values += v
        order = np.argsort(columns)
        return sp.csr_matrix(
            (
                np.asarray(values, dtype=np.float32)[order],
                np.asarray(columns, dtype=np.int32)[order],
                [0, len(columns)],
            ),
            shape=(1, self.width),
        )


def _inflects(word: str, is_word: Callable[[str], bool]) -> bool:
    """Whether ``word`` is a word ``is_word`` knows, or one with a common ending added ("plainer", "okayed")."""
    return is_word(word) or any(
        word.endswith(end) and len(word) - len(end) > _TYPO_MIN and is_word(word[: -len(end)]) for end in _ENDINGS
    )


def _known_form(word: str, vocabulary: dict[str, int]) -> int | None:
    """The column of ``word``, of a word it misspells (one typo: "cirlce", "circle"), or of a word it inflects (a
    known word of four letters or more that it starts with, at most four letters shorter: "dropping", "drop")."""
    column = vocabulary.get(word)
    if column is not None or len(word) <= _TYPO_MIN:
        return column
    for end in range(len(word) - 1, max(_STEM_MIN, len(word) - _STEM_SUFFIX) - 1, -1):
        column = vocabulary.get(word[:end])
        if column is not None:
            return column
    close = process.extractOne(word, vocabulary.keys(), scorer=fuzz.ratio, score_cutoff=_TYPO)
    return None if close is None else vocabulary[close[0]]


def _pair_counts(short: Sequence[str], words: dict[str, int], n: int) -> tuple[npt.NDArray[np.int64], sp.csr_matrix]:
    """The sorted keys of the word pairs in ``short`` (see :class:`_PairBlock`) and each text's pair counts
    (``n`` rows: the texts after ``short`` have none)."""
    ids: list[int] = []
    lengths = np.zeros(len(short), dtype=np.intp)
    for t, text in enumerate(short):
        found = [words[w] for w in words_of(text)]  # the word vocabulary was fitted on these texts too
        ids += found
        lengths[t] = len(found)
    flat = np.asarray(ids, dtype=np.int64)
    del ids
    text_of = np.repeat(np.arange(len(short)), lengths)
    same = text_of[:-1] == text_of[1:]  # consecutive words of one text
    keys, first, columns = np.unique(
        flat[:-1][same] * len(words) + flat[1:][same], return_index=True, return_inverse=True
    )
    # A row lists its pairs in the order the vectorizer met them in the whole corpus, as the vectorizer does (the
    # order a row's squares are summed in, so the weights come out bit for bit the same).
    met = np.argsort(first, kind="stable")
    rank = np.empty_like(met)
    rank[met] = np.arange(len(met))
    size = max(len(keys), 1)
    entries, repeats = np.unique(text_of[:-1][same] * size + rank[columns], return_counts=True)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(entries // size, minlength=n), out=indptr[1:])
    counts = sp.csr_matrix((repeats.astype(np.float32), met[entries % size], indptr), shape=(n, len(keys)))
    return keys, counts


class _Grams:
    """The character n-gram block, weighed a slice of rows at a time: texts' word counts times each word's n-grams.

    Args:
        counts: every text's word counts.
        per_word: each word's n-gram counts.
    """

    def __init__(self, counts: sp.csr_matrix, per_word: sp.csr_matrix) -> None:
        self._counts, self._per_word = counts, per_word
        self.width = int(per_word.shape[1])
        df = np.zeros(self.width, dtype=np.int64)
        self.lengths = np.zeros(counts.shape[0], dtype=np.int64)  # entries per row
        for start in range(0, counts.shape[0], _ROWS_AT_ONCE):
            part = counts[start : start + _ROWS_AT_ONCE] @ per_word
            df += np.bincount(part.indices, minlength=self.width)
            self.lengths[start : start + part.shape[0]] = np.diff(part.indptr)
        self.idf = np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0
        self._idf32 = self.idf.astype(np.float32)

    def weighted(self, start: int, stop: int) -> sp.csr_matrix:
        """TF-IDF rows ``start:stop`` (each of unit length)."""
        return _weigh((self._counts[start:stop] @ self._per_word).tocsr(), self._idf32)


def _hstack(blocks: list[sp.csr_matrix], grams: _Grams, width: int) -> sp.csr_matrix:
    """The blocks and then the n-gram block side by side, filled a slice of rows at a time (scipy's ``hstack``
    holds three copies of the result)."""
    n = len(grams.lengths)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(grams.lengths, out=indptr[1:])
    for block in blocks:
        indptr += block.indptr
    index = np.int32 if max(width, int(indptr[-1])) < np.iinfo(np.int32).max else np.int64
    indices = np.empty(int(indptr[-1]), dtype=index)
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    for start in range(0, n, _ROWS_AT_ONCE):
        stop = min(start + _ROWS_AT_ONCE, n)
        rows = sp.hstack([*(b[start:stop] for b in blocks), grams.weighted(start, stop)], format="csr")
        indices[indptr[start] : indptr[stop]] = rows.indices
        data[indptr[start] : indptr[stop]] = rows.data
    return sp.csr_matrix((data, indices, indptr.astype(index)), shape=(n, width))


def _weigh(counts: sp.csr_matrix, idf32: npt.NDArray[np.float32]) -> sp.csr_matrix:
    """Sublinear TF times IDF, rows of unit length, in place in single precision."""
    np.log(counts.data, out=counts.data)
    counts.data += 1.0
    counts.data *= idf32[counts.indices]
    squares = sp.csr_matrix((counts.data**2, counts.indices, counts.indptr), shape=counts.shape)
    norms = np.sqrt(np.asarray(squares.sum(axis=1), dtype=np.float32).ravel())
    norms[norms == 0] = 1.0
    counts.data /= np.repeat(norms, np.diff(counts.indptr))
    return counts


def _tfidf(counts: sp.csr_matrix) -> tuple[sp.csr_matrix, npt.NDArray[np.float64]]:
    """Sublinear TF-IDF with smoothed IDF and rows of unit length, as scikit-learn's
    ``TfidfTransformer(sublinear_tf=True)`` computes it, and the IDF of each column. Computed in place in single
    precision, a slice of rows at a time: the double-precision copies the transformer makes are most of a big
    index's build memory."""
    weighted = counts.tocsr().astype(np.float32, copy=False)  # the caller's matrix: weighted in place
    df = np.bincount(weighted.indices, minlength=weighted.shape[1])
    idf = np.log((1.0 + weighted.shape[0]) / (1.0 + df)) + 1.0
    idf32 = idf.astype(np.float32)
    for start in range(0, weighted.shape[0], _ROWS_AT_ONCE):
        stop = min(start + _ROWS_AT_ONCE, weighted.shape[0])
        part = _weigh(weighted[start:stop], idf32)  # a copy: weighed, then written back
        weighted.data[weighted.indptr[start] : weighted.indptr[stop]] = part.data
    return weighted, idf
