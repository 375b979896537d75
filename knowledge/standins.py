"""Stand-ins for the scikit-learn pieces that answering uses, so that answering never imports scikit-learn.

Importing scikit-learn takes about half a second (it pulls in most of SciPy); building an index still uses its
vectorizers and its SVM, imported inside the functions that build, but a question, or an index loaded from the
cache (:mod:`knowledge.cache`), needs only these two, which give the same results:

- :func:`normalize`: rows scaled to unit L2 length, as ``sklearn.preprocessing.normalize`` does (same dtypes, same
  arithmetic: float64 sums for sparse rows, the array's own dtype for dense ones; all-zero rows left as they are);
- :data:`ENGLISH_STOP_WORDS`: scikit-learn's English stop word list (BSD-3-Clause; it comes from the Glasgow
  Information Retrieval Group), word for word.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["ENGLISH_STOP_WORDS", "normalize", "trim_memory"]

_Matrix = TypeVar("_Matrix", bound=sp.spmatrix | npt.NDArray[np.floating])

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
