"""A knowledge base's units (recipes, docs pages and their sections) as the index reads them: their texts, their
words and their pages."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from knowledge.loader import Recipe
from knowledge.passages import passages
from knowledge.rerank import UnitWords
from knowledge.vectors import word_rows

__all__ = ["id_words", "pages", "unit_texts", "words_per_unit"]

_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")  # a Markdown link's (address "title")


def pages(recipes: Sequence[Recipe], has_examples: npt.NDArray[np.bool_]) -> list[str]:
    """Each unit's page: the part of its id before ``#``, or for a docs unit with the same title and text as an
    earlier one (a page copied into two folders of a handbook, and its sections), that one's page."""
    first: dict[tuple[str, str], str] = {}
    out = []
    for recipe, examples in zip(recipes, has_examples, strict=True):
        page = recipe.id.split("#", 1)[0]
        if not examples and recipe.body.strip():
            # Without link targets: a page's relative links were resolved against its own folder.
            page = first.setdefault((recipe.title, " ".join(_LINK_TARGET.sub("]", recipe.body).split())), page)
        out.append(page)
    return out


def words_per_unit(counts: sp.csr_matrix, owner: npt.NDArray[np.intp], n: int, vocabulary: Sequence[str]) -> UnitWords:
    """Per unit, the word columns its short texts use and how often (for the reranker's word features)."""
    membership = sp.csr_matrix((np.ones(len(owner), dtype=np.float32), (owner, np.arange(len(owner)))), (n, len(owner)))
    used = (membership @ counts).tocsr()
    used.sum_duplicates()
    used.sort_indices()
    return UnitWords(used.astype(np.float32), word_rows(vocabulary))


def unit_texts(recipes: Sequence[Recipe]) -> tuple[list[str], npt.NDArray[np.intp], int]:
    """Every unit's short texts (title, id words, examples, summary, tags), then its body passages; each text's
    unit; and how many short texts there are."""
    short: list[str] = []
    short_owner: list[int] = []
    bodies: list[str] = []
    body_owner: list[int] = []
    for i, recipe in enumerate(recipes):
        for text in (recipe.title, id_words(recipe.id), *recipe.questions, recipe.summary, " ".join(recipe.tags)):
            if text.strip():
                short.append(text)
                short_owner.append(i)
        for passage in passages(recipe.body):
            bodies.append(passage)
            body_owner.append(i)
    return short + bodies, np.asarray(short_owner + body_owner, dtype=np.intp), len(short)


def id_words(recipe_id: str) -> str:
    """``circles/meeting-length#notes`` -> ``circles meeting length notes``: ids are often the best keywords."""
    return re.sub(r"[/#_\-.]+", " ", recipe_id)
