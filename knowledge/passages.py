"""Bodies cut into what is indexed and shown: passages (paragraphs), sentences and list items under their headings,
and the several questions one message may ask."""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.lexical import words_of

__all__ = ["blocks", "joined", "passages", "questions_of", "sentences_of"]

_PASSAGE_CHARS = 300  # a body is indexed as passages of about this many characters or more
# A sentence ends at . ! or ? (not a list item's own number: "3. Re-write your README"), before a list item, or at
# a blank line.
_SENTENCE = re.compile(
    r"(?<=[.!?])(?<!^\d\.)(?<!^\d\d\.)\s+(?=[A-Z0-9*\[(])|\n+(?=\s*>?\s*(?:[-*]|\d+\.)\s)|\n{2,}", re.MULTILINE
)
_LIST_ITEM = re.compile(r"\s*>?\s*(?:[-*]|\d+\.)\s")
# Where a message asking several questions splits: after a question mark, or before "and"/"also" + a question word.
_QUESTIONS = re.compile(
    r"(?<=\?)\s+|[,;]?\s+(?:and|also|plus)\s+(?=(?:how|what|where|when|who|why|which|can|could|do|does|is|are|"
    r"should|will)\b)",
    re.IGNORECASE,
)
_QUESTION_WORDS = 3  # a part with fewer words is not a question of its own ("and why?")


def passages(body: str, min_chars: int = _PASSAGE_CHARS) -> list[str]:
    """A body cut into passages: paragraphs, each short one joined to the next so a passage says something."""
    out: list[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", body):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        current = f"{current}\n\n{paragraph}" if current else paragraph
        if len(current) >= min_chars:
            out.append(current)
            current = ""
    if current:
        if out and len(current) < min_chars // 2:
            out[-1] = f"{out[-1]}\n\n{current}"
        else:
            out.append(current)
    return out


def blocks(text: str) -> list[tuple[str | None, list[str]]]:
    """The sentences of ``text`` under each heading: a first block with no heading, then one per heading line."""
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for part in _SENTENCE.split(text):
        part = part.strip()
        if part.startswith("#"):
            line, _, part = part.partition("\n")
            blocks.append((line.lstrip("#").strip().replace("**", ""), []))
            part = part.strip()
        if part:
            blocks[-1][1].append(part)
    return blocks


def joined(sentences: Sequence[str]) -> str:
    """Sentences shown together: on one line, or one a line when any is a list item (a list keeps its shape)."""
    listed = any(_LIST_ITEM.match(s) for s in sentences)
    return ("\n" if listed else " ").join(s.strip() for s in sentences)


def questions_of(message: str) -> list[str]:
    """The questions of a message that asks more than one ("how big ... and how long ...?"), else none."""
    parts = [p for p in _QUESTIONS.split(message) if len(words_of(p)) >= _QUESTION_WORDS]
    return parts if len(parts) > 1 else []


def sentences_of(text: str) -> list[str]:
    """The sentences and list items of ``text``, headings left out."""
    return [s.strip() for s in _SENTENCE.split(text) if s.strip() and not s.lstrip().startswith("#")]
