"""What the knowledge base lacks: ``kb stats``, ``kb gaps`` and recipe stubs for the gaps (``bot kb gaps``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from bot.events import Reply, Visibility
from bot.features.knowledge import text
from bot.logs import mask_contacts, without_contacts
from bot.plural import counted
from bot.usertext import quote
from knowledge.topics import tokens
from storage.forget import FORGOTTEN
from storage.questions import AskedQuestion, RecipeStats

__all__ = ["clusters", "gap_stubs", "gaps_reply", "stats_reply"]

_GAP_SIMILARITY = 75


def clusters(questions: Sequence[str]) -> list[list[str]]:
    """Group similar questions (greedy, by fuzzy similarity of their content words), biggest group first."""
    groups: list[tuple[str, list[str]]] = []
    for question in questions:
        key = " ".join(tokens(question))
        for head, members in groups:
            if fuzz.token_set_ratio(key, head) >= _GAP_SIMILARITY:
                members.append(question)
                break
        else:
            groups.append((key, [question]))
    return sorted((members for _, members in groups), key=len, reverse=True)


def stats_reply(rows: Sequence[RecipeStats], unanswered: Sequence[AskedQuestion]) -> Reply:
    """The 20 most asked recipes with their votes, and how many questions went without a good answer."""
    lines = [
        text.STATS_LINE.format(asked=r.asked, helpful=r.helpful, not_helpful=r.not_helpful, id=r.recipe_id)
        for r in rows[:20]
    ]
    lines.append(text.STATS_UNANSWERED.format(count=len(unanswered)))
    return Reply("\n".join(lines), title=text.STATS_TITLE, visibility=Visibility.EPHEMERAL)


def gaps_reply(unanswered: Sequence[AskedQuestion]) -> Reply:
    """The 20 biggest groups of similar questions without a good answer, each with a couple of its variants; those
    whose wording was erased with their asker's data are counted on a line of their own.

    Emails and phone numbers typed into a question are masked (staff may read this in a channel, over a shoulder).
    """
    groups = clusters([q.question for q in unanswered if not q.erased])
    erased = sum(q.erased for q in unanswered)
    if not groups and not erased:
        return Reply(text.NO_GAPS, visibility=Visibility.EPHEMERAL)
    lines = []
    for group in groups[:20]:
        shown = _wordings([mask_contacts(q) for q in group])  # the same words asked again: counted, shown once
        also = text.GAP_ALSO.format(others=quote("; ".join(shown[1:3]))) if shown[1:] else ""
        lines.append(text.GAP_LINE.format(count=len(group), question=quote(shown[0])) + also)
    if erased:
        lines.append(text.GAPS_ERASED.format(questions=counted(erased, "question")))
    return Reply("\n".join(lines), title=text.GAPS_TITLE, visibility=Visibility.EPHEMERAL)


def gap_stubs(questions: Sequence[str], folder: Path) -> list[Path]:
    """Write one recipe stub per group of similar unanswered questions, with the questions filled in.

    Existing files are never overwritten; a wording erased with its asker's data is left out, and emails and phone
    numbers typed into a question are masked (a stub becomes a recipe every member reads; its name holds neither).
    Returns the files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for group in clusters([q for q in questions if q != FORGOTTEN]):
        words = tokens(without_contacts(group[0]))[:6] or ["question"]
        path = folder / f"{'-'.join(words)}.md"
        if path.exists():
            continue
        front = {
            "title": text.STUB_TITLE,
            "summary": text.STUB_SUMMARY,
            "questions": _wordings([mask_contacts(q) for q in group])[:20],
            "links": [],
        }
        path.write_text(
            "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + f"---\n\n{text.STUB_BODY}\n",
            encoding="utf-8",
        )
        written.append(path)
    return written


def _wordings(group: Sequence[str]) -> list[str]:
    """The different wordings among ``group``'s questions, in order: the same words again (case and spacing aside)
    are one wording."""
    seen: dict[str, str] = {}
    for question in group:
        seen.setdefault(" ".join(question.casefold().split()), question)
    return list(seen.values())
