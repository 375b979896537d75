"""Lexical features for the knowledge base: what words and spellings a text shares with a recipe.

Three TF-IDF blocks side by side (sublinear term frequency, smoothed IDF, each block of unit length):

- single words of every text (titles, example questions, summaries, tags and bodies share one space, so a word
  in a title and in a body reinforce each other);
- word pairs of the short texts (everything but bodies);
- character 3-5-grams of the short texts' words (typos, plurals, word forms), as ``char_wb`` would give.

Bodies are long: pairs and character n-grams of them would bloat the index for little gain.

Building uses scikit-learn's vectorizers; each word is tokenised once, and character n-grams are computed once per
distinct word and summed into texts with a sparse product. A single question is turned into features directly from
the fitted vocabularies, without scikit-learn's per-call validation, which is what keeps answers fast.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["WORD", "LexicalFeatures", "words_of"]

WORD = re.compile(r"[a-z0-9][a-z0-9']*")
_GRAMS = (3, 5)


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


def _pairs(words: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in itertools.pairwise(words)]


def _text_pairs(text: str) -> list[str]:
    return _pairs(words_of(text))


class _Block:
    """One fitted TF-IDF block: vocabulary, IDF, and its column offset in the feature row."""

    def __init__(self, vocabulary: dict[str, int], idf: npt.NDArray[np.float64], offset: int) -> None:
        self.vocabulary = vocabulary
        self.idf = idf
        self.offset = offset

    def weights(self, terms: list[str]) -> tuple[list[int], list[float]]:
        counts = Counter(t for t in terms if t in self.vocabulary)
        columns = [self.vocabulary[t] for t in counts]
        values = [(1 + math.log(c)) * self.idf[self.vocabulary[t]] for t, c in counts.items()]
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        return [self.offset + c for c in columns], [v / norm for v in values]


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
        from sklearn.feature_extraction.text import CountVectorizer  # only building needs scikit-learn

        n_short, n = len(short), len(short) + len(bodies)
        # Each text is tokenised as the vectorizer reads it: a list of every text's words would hold millions of
        # word strings at once on a big knowledge base.
        counter = CountVectorizer(analyzer=words_of, dtype=np.float32)
        blocks: list[sp.csr_matrix] = []
        try:
            counts = counter.fit_transform(itertools.chain(short, bodies)).tocsr()
        except ValueError:  # no words at all
            self.word_counts = sp.csr_matrix((n, 0), dtype=np.float32)
            return sp.csr_matrix((n, 0), dtype=np.float32)
        self.word_counts = counts
        self.vocabulary = list(counter.get_feature_names_out())
        offset = self._add("words", counter.vocabulary_, counts.copy(), blocks, 0)
        pair_counter = CountVectorizer(analyzer=_text_pairs, dtype=np.float32)
        try:
            pairs = pair_counter.fit_transform(short)
        except ValueError:  # no text has two words
            pass
        else:
            pairs.resize((n, pairs.shape[1]))  # bodies have no pair features
            offset = self._add("pairs", pair_counter.vocabulary_, pairs, blocks, offset)
            del pairs
        gram_counter = CountVectorizer(analyzer=_char_grams, dtype=np.float32)
        per_word = gram_counter.fit_transform(self.vocabulary)
        short_counts = counts[:n_short]
        short_counts.resize((n, counts.shape[1]))  # nor character n-grams
        offset = self._add("grams", gram_counter.vocabulary_, (short_counts @ per_word).tocsr(), blocks, offset)
        del short_counts, per_word
        self.width = offset
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def _add(
        self, kind: str, vocabulary: dict[str, int], counts: sp.csr_matrix, blocks: list[sp.csr_matrix], offset: int
    ) -> int:
        block, idf = _tfidf(counts)
        blocks.append(block)
        self._blocks.append((kind, _Block(dict(vocabulary), idf, offset)))
        return offset + int(counts.shape[1])

    def release(self) -> None:
        """Drop the build-time word counts once the word vectors have used them."""
        self.word_counts = sp.csr_matrix((0, 0), dtype=np.float32)
        self.vocabulary = []

    def transform_one(self, text: str) -> sp.csr_matrix:
        """The feature row (1 x width) for one question."""
        words = words_of(text)
        terms = {"words": words, "pairs": _pairs(words), "grams": [g for w in words for g in _char_grams(w)]}
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


def _tfidf(counts: sp.csr_matrix) -> tuple[sp.csr_matrix, npt.NDArray[np.float64]]:
    """Sublinear TF-IDF with smoothed IDF and rows of unit length, as scikit-learn's
    ``TfidfTransformer(sublinear_tf=True)`` computes it, and the IDF of each column. Computed in place in single
    precision: the double-precision copies the transformer makes are most of a big index's build memory."""
    weighted = counts.tocsr().astype(np.float32, copy=False)  # the caller's matrix: weighted in place
    df = np.bincount(weighted.indices, minlength=weighted.shape[1])
    idf = np.log((1.0 + weighted.shape[0]) / (1.0 + df)) + 1.0
    np.log(weighted.data, out=weighted.data)
    weighted.data += 1.0
    weighted.data *= idf.astype(np.float32)[weighted.indices]
    squares = sp.csr_matrix((weighted.data**2, weighted.indices, weighted.indptr), shape=weighted.shape)
    norms = np.sqrt(np.asarray(squares.sum(axis=1), dtype=np.float32).ravel())
    norms[norms == 0] = 1.0
    weighted.data /= np.repeat(norms, np.diff(weighted.indptr))
    return weighted, idf
