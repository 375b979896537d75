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

        n_short = len(short)
        tokenised = [words_of(t) for t in (*short, *bodies)]
        counter = CountVectorizer(analyzer=_identity, dtype=np.float32)
        blocks: list[sp.csr_matrix] = []
        try:
            counts = counter.fit_transform(tokenised).tocsr()
        except ValueError:  # no words at all
            self.word_counts = sp.csr_matrix((len(tokenised), 0), dtype=np.float32)
            return sp.csr_matrix((len(tokenised), 0), dtype=np.float32)
        self.word_counts = counts
        self.vocabulary = list(counter.get_feature_names_out())
        offset = 0
        offset = self._add("words", counter.vocabulary_, counts, blocks, offset)
        pair_counter = CountVectorizer(analyzer=_pairs, dtype=np.float32)
        try:
            pairs = pair_counter.fit_transform(tokenised[:n_short]).tocsr()
        except ValueError:  # no text has two words
            pass
        else:
            pairs = sp.vstack([pairs, sp.csr_matrix((len(bodies), pairs.shape[1]), dtype=np.float32)]).tocsr()
            offset = self._add("pairs", pair_counter.vocabulary_, pairs, blocks, offset)
        gram_counter = CountVectorizer(analyzer=_char_grams, dtype=np.float32)
        per_word = gram_counter.fit_transform(self.vocabulary)
        short_counts = sp.vstack([counts[:n_short], sp.csr_matrix((len(bodies), counts.shape[1]), dtype=np.float32)])
        offset = self._add("grams", gram_counter.vocabulary_, (short_counts @ per_word).tocsr(), blocks, offset)
        self.width = offset
        return sp.hstack(blocks).tocsr().astype(np.float32)

    def _add(
        self, kind: str, vocabulary: dict[str, int], counts: sp.csr_matrix, blocks: list[sp.csr_matrix], offset: int
    ) -> int:
        from sklearn.feature_extraction.text import TfidfTransformer

        transformer = TfidfTransformer(sublinear_tf=True)
        blocks.append(transformer.fit_transform(counts))
        self._blocks.append((kind, _Block(dict(vocabulary), transformer.idf_, offset)))
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


def _identity(words: list[str]) -> list[str]:
    return words
