"""Topic words of a message, for grouping logged questions (knowledge gaps, peers who know, the weekly pulse): the
ranker weighs words by IDF and needs none of this."""

from __future__ import annotations

import re

__all__ = ["tokens"]

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Short words that carry no topic.
# fmt: off
_STOP = frozenset(
    [
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "is", "are",
        "was", "were", "be", "been", "being", "do", "does", "did", "i", "you", "we", "they", "he", "she", "it", "my",
        "your", "our", "their", "me", "us", "them", "this", "that", "these", "those", "what", "which", "who", "whom",
        "how", "when", "where", "why", "can", "could", "should", "would", "will", "shall", "may", "might", "must",
        "have", "has", "had", "there", "here", "about", "into", "as", "if", "so", "not", "no", "any", "some", "get",
        "just", "than", "then", "also", "very",
    ]
)
# fmt: on


def tokens(text: str) -> list[str]:
    """Lower-case content words of ``text``, with a light plural strip (for grouping logged questions)."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out
