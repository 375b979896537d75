"""Recipe drafts: written from a solved question into the review folder, listed, and published into the live one.

A draft is a recipe file in the project's format (front matter: title, summary, questions, links, updated; the
answer as the body) in ``drafts_dir`` (default ``data_dir/drafts``), which is never loaded as recipes. Publishing
moves it into the first ``knowledge_dirs`` folder without a ``base_url`` (your own recipes), where its id is its
file name; the knowledge base is then reloaded.

A draft goes to every member once published, so emails and phone numbers typed into its question are masked in
all of it (:func:`bot.logs.mask_contacts`): its id and file name are made of the question's other words, its title
and example questions read ``[email]``, ``[phone]``. A question that is nothing but contact details gives no title.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from bot.errors import NotFound, RecipeError, UsageError
from bot.features.escalations import text
from bot.logs import mask_contacts, without_contacts
from bot.settings import Settings
from knowledge.loader import parse_recipe
from knowledge.topics import tokens

__all__ = ["Draft", "drafts_dir", "has_words", "list_drafts", "live_dir", "publish", "write_draft"]

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
_WORD = re.compile(r"[a-z0-9]+")
_MAX_EXAMPLES = 20


@dataclass(frozen=True)
class Draft:
    """A recipe draft waiting for review: its id (the file name), title and example questions."""

    id: str
    title: str
    questions: tuple[str, ...]
    path: Path


def drafts_dir(settings: Settings) -> Path:
    """The review folder."""
    return settings.drafts_dir or settings.data_dir / "drafts"


def live_dir(settings: Settings) -> Path | None:
    """The folder drafts are published into: the first configured recipe folder that is not an imported docs tree."""
    return next((d.path for d in settings.knowledge_dirs if d.base_url is None), None)


def _title(question: str) -> str:
    words = " ".join(question.split())
    return (words[:1].upper() + words[1:]).rstrip(" .") if words else question


def has_words(question: str) -> bool:
    """Whether ``question`` says anything but emails and phone numbers (else it cannot be a draft's title)."""
    return any(c.isalpha() for c in without_contacts(question))


def write_draft(
    folder: Path, question: str, answer: str, title: str, link: str | None, examples: Sequence[str], today: date
) -> Draft:
    """Write a draft for ``question`` answered by ``answer`` (never over an existing file); the draft written.

    Raises:
        UsageError: no ``title`` is given and the question is nothing but contact details.
    """
    if not title.strip() and not has_words(question):
        raise UsageError(text.TITLE_NEEDED)
    folder.mkdir(parents=True, exist_ok=True)
    named = without_contacts(question) if has_words(question) else title
    words = [w for w in tokens(named) if _WORD.fullmatch(w)][:6]  # ids are ASCII: `kb publish` is typed
    base = "-".join(words) or "question"
    slug, n = base, 1
    while (folder / f"{slug}.md").exists():
        n += 1
        slug = f"{base}-{n}"
    shown = [mask_contacts(q) for q in [question, *examples] if has_words(q)]
    questions = list(dict.fromkeys(shown))[:_MAX_EXAMPLES]
    front = {
        "title": title.strip() or _title(mask_contacts(question)),
        "summary": " ".join(answer.split())[:160],
        "questions": questions,
        "links": [link] if link and link.startswith("https://") else [],
        "updated": today.isoformat(),
    }
    path = folder / f"{slug}.md"
    body = answer.strip()
    path.write_text(
        "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + f"---\n\n{body}\n", encoding="utf-8"
    )
    return Draft(slug, str(front["title"]), tuple(questions), path)


def list_drafts(folder: Path) -> list[Draft]:
    """The drafts in ``folder`` by id (a file that does not parse is listed by its name)."""
    drafts = []
    for path in sorted(folder.glob("*.md"), key=lambda p: p.stem) if folder.is_dir() else []:
        try:
            recipe = parse_recipe(path, path.read_text(encoding="utf-8"), path.stem)
        except (RecipeError, OSError, UnicodeDecodeError):
            drafts.append(Draft(path.stem, path.stem, (), path))
            continue
        drafts.append(Draft(path.stem, recipe.title, recipe.questions, path))
    return drafts


def publish(folder: Path, live: Path | None, draft_id: str, taken: Sequence[str]) -> Draft:
    """Move the draft ``draft_id`` into ``live``; the draft as it was.

    Raises:
        UsageError: no live folder is configured, or a recipe with that id exists (with no draft: published
            already).
        NotFound: there is no such draft.
    """
    draft = next((d for d in list_drafts(folder) if d.id == draft_id), None) if _ID.fullmatch(draft_id) else None
    if draft is None and draft_id in taken:
        raise UsageError(text.PUBLISHED_ALREADY.format(id=draft_id))
    if draft is None:
        raise NotFound(text.NO_DRAFT.format(id=draft_id))
    if live is None:
        raise UsageError(text.NO_LIVE_DIR)
    target = live / f"{draft.id}.md"
    if draft.id in taken or target.exists():
        raise UsageError(text.LIVE_EXISTS.format(id=draft.id))
    live.mkdir(parents=True, exist_ok=True)
    shutil.move(draft.path, target)
    return draft
