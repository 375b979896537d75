"""Stand-ins for the scikit-learn pieces that answering uses, so that answering never imports scikit-learn.

Importing scikit-learn takes about half a second (it pulls in most of SciPy); only training the SVM
(:mod:`knowledge.classifier`) still imports it. Building the rest of an index, a question, or an index loaded from the
cache (:mod:`knowledge.cache`) need only these, which give the same results:

- :func:`normalize`: rows scaled to unit L2 length, as ``sklearn.preprocessing.normalize`` does (same dtypes, same
  arithmetic: float64 sums for sparse rows, the array's own dtype for dense ones; all-zero rows left as they are);
- :data:`ENGLISH_STOP_WORDS`: scikit-learn's English stop word list (BSD-3-Clause; it comes from the Glasgow
  Information Retrieval Group), word for word;
- :func:`count_terms` and :func:`tfidf_rows`: the term counts of ``CountVectorizer`` and the sublinear TF-IDF rows of
  ``TfidfVectorizer`` (default settings, a callable analyzer), entry order within rows and float32 rounding
  included.
"""

from __future__ import annotations

import functools
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["ENGLISH_STOP_WORDS", "count_terms", "normalize", "tfidf_rows", "trim_memory"]

_Matrix = TypeVar("_Matrix", bound=sp.spmatrix | npt.NDArray[np.floating])
_Text = TypeVar("_Text")  # a text, or what the caller already made of it (its words)

# fmt: off
ENGLISH_STOP_WORDS: frozenset[str] = frozenset(
    [
        "a", "about", "above", "across", "after", "afterwards", "again", "against", "all", "almost", "alone",
        "along", "already", "also", "although", "always", "am", "among", "amongst", "amoungst", "amount", "an",
        "and", "another", "any", "anyhow", "anyone", "anything", "anyway", "anywhere", "are", "around", "as", "at",
        "back", "be", "became", "because", "become", "becomes", "becoming", "been", "before", "beforehand",
        "behind", "being", "below", "beside", "besides", "between", "beyond", "bill", "both", "bottom", "but", "by",
        "call", "can", "cannot", "cant", "co", "con", "could", "couldnt", "cry", "de", "describe", "detail", "do",
        "done", "down", "due", "during", "each", "eg", "eight", "either", "eleven", "else", "elsewhere", "empty",
        "enough", "etc", "even", "ever", "every", "everyone", "everything", "everywhere", "except", "few",
        "fifteen", "fifty", "fill", "find", "fire", "first", "five", "for", "former", "formerly", "forty", "found",
        "four", "from", "front", "full", "further", "get", "give", "go", "had", "has", "hasnt", "have", "he",
        "hence", "her", "here", "hereafter", "hereby", "herein", "hereupon", "hers", "herself", "him", "himself",
        "his", "how", "however", "hundred", "i", "ie", "if", "in", "inc", "indeed", "interest", "into", "is", "it",
        "its", "itself", "keep", "last", "latter", "latterly", "least", "less", "ltd", "made", "many", "may", "me",
        "meanwhile", "might", "mill", "mine", "more", "moreover", "most", "mostly", "move", "much", "must", "my",
        "myself", "name", "namely", "neither", "never", "nevertheless", "next", "nine", "no", "nobody", "none",
        "noone", "nor", "not", "nothing", "now", "nowhere", "of", "off", "often", "on", "once", "one", "only",
        "onto", "or", "other", "others", "otherwise", "our", "ours", "ourselves", "out", "over", "own", "part",
        "per", "perhaps", "please", "put", "rather", "re", "same", "see", "seem", "seemed", "seeming", "seems",
        "serious", "several", "she", "should", "show", "side", "since", "sincere", "six", "sixty", "so", "some",
        "somehow", "someone", "something", "sometime", "sometimes", "somewhere", "still", "such", "system", "take",
        "ten", "than", "that", "the", "their", "them", "themselves", "then", "thence", "there", "thereafter",
        "thereby", "therefore", "therein", "thereupon", "these", "they", "thick", "thin", "third", "this", "those",
        "though", "three", "through", "throughout", "thru", "thus", "to", "together", "too", "top", "toward",
        "towards", "twelve", "twenty", "two", "un", "under", "until", "up", "upon", "us", "very", "via", "was",
        "we", "well", "were", "what", "whatever", "when", "whence", "whenever", "where", "whereafter", "whereas",
        "whereby", "wherein", "whereupon", "wherever", "whether", "which", "while", "whither", "who", "whoever",
        "whole", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your",
        "yours", "yourself", "yourselves",
    ]
)
# fmt: on


def normalize(matrix: _Matrix, *, copy: bool = True) -> _Matrix:
    """A copy of ``matrix`` (a CSR matrix or a 2-D array) with each row of unit L2 length (zero rows stay zero).

    With ``copy=False`` a floating-point CSR matrix or array is scaled in place (for temporaries of a big index's
    build).
    """
    if sp.issparse(matrix):
        return cast(_Matrix, _normalize_sparse(matrix, copy))
    dense = np.array(matrix, copy=True) if copy else np.asarray(matrix)
    if not np.issubdtype(dense.dtype, np.floating):
        dense = dense.astype(np.float64)
    norms = np.sqrt(np.einsum("ij,ij->i", dense, dense))
    norms[norms < 10 * np.finfo(norms.dtype).eps] = 1.0  # scikit-learn's guard against dividing by ~0
    dense /= norms[:, None]
    return cast(_Matrix, dense)


_ROWS_AT_ONCE = 4096


def count_terms(texts: Iterable[_Text], analyzer: Callable[[_Text], list[str]]) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Each text's term counts (float32) and the vocabulary (term -> column, columns in the terms' sorted order).

    Within a row, entries are in the order the terms were first met in the whole corpus, as scikit-learn's
    ``CountVectorizer`` leaves them: the order a row's squares are summed in, so its weights come out bit for bit
    the same.

    Raises:
        ValueError: the texts have no terms at all.
    """
    vocabulary: dict[str, int] = {}
    indices: list[int] = []
    values: list[int] = []
    indptr = [0]
    for text in texts:
        counts = Counter(analyzer(text))
        indices.extend(vocabulary.setdefault(term, len(vocabulary)) for term in counts)
        values.extend(counts.values())
        indptr.append(len(indices))
    if not vocabulary:
        raise ValueError("no terms in any text")
    index = np.int32 if len(indices) < np.iinfo(np.int32).max else np.int64
    matrix = sp.csr_matrix(
        (np.asarray(values, dtype=np.float32), np.asarray(indices, dtype=index), np.asarray(indptr, dtype=index)),
        shape=(len(indptr) - 1, len(vocabulary)),
    )
    matrix.sort_indices()  # by first meeting, then renumbered in sorted term order
    terms = sorted(vocabulary)
    renumber = np.empty(len(terms), dtype=index)
    renumber[[vocabulary[t] for t in terms]] = np.arange(len(terms), dtype=index)
    matrix.indices = renumber[matrix.indices]
    return matrix, {term: column for column, term in enumerate(terms)}


def tfidf_rows(
    texts: Iterable[_Text], analyzer: Callable[[_Text], list[str]]
) -> tuple[sp.csr_matrix, dict[str, int], npt.NDArray[np.float32]]:
    """Sublinear TF-IDF rows of unit length (float32), the vocabulary and each column's smoothed IDF, as
    ``TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, dtype=np.float32)`` computes them.

    Raises:
        ValueError: the texts have no terms at all.
    """
    rows, vocabulary = count_terms(texts, analyzer)
    df = np.bincount(rows.indices, minlength=rows.shape[1]).astype(np.float32) + np.float32(1.0)
    idf = np.full_like(df, rows.shape[0] + 1)
    idf /= df
    np.log(idf, out=idf)
    idf += np.float32(1.0)
    np.log(rows.data, out=rows.data)
    rows.data += np.float32(1.0)
    rows.data *= idf[rows.indices]
    return _normalize_sparse(rows, copy=False), vocabulary, idf


def _normalize_sparse(matrix: sp.spmatrix, copy: bool) -> sp.csr_matrix:
    out = sp.csr_matrix(matrix, copy=copy)
    if not np.issubdtype(out.dtype, np.floating):
        out = out.astype(np.float64)
    lengths = np.diff(out.indptr)
    # A slice of rows at a time: the per-entry row numbers and float64 squares of a whole big matrix would take
    # more memory than the matrix itself.
    for start in range(0, out.shape[0], _ROWS_AT_ONCE):
        stop = min(start + _ROWS_AT_ONCE, out.shape[0])
        data = out.data[out.indptr[start] : out.indptr[stop]]
        rows = np.repeat(np.arange(stop - start), lengths[start:stop])
        # Each square in the data's dtype, summed in float64, as scikit-learn's Cython loop does.
        sums = np.bincount(rows, weights=np.square(data).astype(np.float64), minlength=stop - start)
        norms = np.sqrt(sums)
        norms[sums == 0.0] = 1.0
        data /= norms[rows]
    return out


def trim_memory() -> None:
    """Hand the memory freed by an index build back to the system (glibc only; elsewhere nothing happens).

    glibc keeps freed blocks of up to 32 MiB in the process's heap for reuse, and a big build frees many (its
    tokenised texts and slices of temporaries): at 10,000 recipes about 90 MiB stayed resident, and counted again
    in the peak when the next stage allocated its arrays elsewhere.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # only building needs it

    try:
        trim: Callable[[int], int] | None = getattr(ctypes.CDLL(None), "malloc_trim", None)  # absent from musl
    except OSError:
        return None
    return trim
