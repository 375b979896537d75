"""Which folders the knowledge base is loaded from, as the settings say, and loading them in order."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.errors import RecipeError
from knowledge.loader import FOLDER_PROBLEMS, Recipe, load_folder, starter_recipes_dir

__all__ = [
    "KnowledgeSettings",
    "Source",
    "SourceSetting",
    "load_sources",
    "loads_starter_recipes",
    "log_errors",
    "sources_of",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """A folder of recipes; with ``base_url`` an imported docs tree published there."""

    path: Path
    base_url: str | None = None


class SourceSetting(Protocol):
    """One configured folder, as the settings describe it (``bot.settings.KnowledgeDir`` is one)."""

    @property
    def path(self) -> Path:
        """The folder."""

    @property
    def base_url(self) -> str | None:
        """Where the folder is published, for an imported docs tree."""


class KnowledgeSettings(Protocol):
    """The settings that say which folders to load (``bot.settings.Settings`` is one); knowledge/ does not import
    the core's settings."""

    @property
    def starter_recipes(self) -> bool | str:
        """Load the recipes shipped with the bot: True, False or ``"auto"`` (see :func:`loads_starter_recipes`)."""

    @property
    def knowledge_dirs(self) -> Sequence[SourceSetting]:
        """The configured folders, in order."""


def loads_starter_recipes(settings: KnowledgeSettings) -> bool:
    """Whether the starter recipes load: as set, or with ``"auto"`` unless a docs tree is imported.

    A community that imports its own handbook answers from it: the starter recipes (general text about learning
    circles) would otherwise answer its members' questions in place of its own pages. On the P2PU handbook's dev
    questions they took the top place for 38 of 100 and gave 15 answers that were not the handbook's (top-1 0.49,
    precision 0.60, against 0.65 and 0.91 without them).
    """
    if settings.starter_recipes == "auto":
        return not any(d.base_url for d in settings.knowledge_dirs)
    return bool(settings.starter_recipes)


def sources_of(settings: KnowledgeSettings) -> list[Source]:
    """The folders the settings ask for: the starter recipes (see :func:`loads_starter_recipes`), then
    ``knowledge_dirs``."""
    sources = [Source(starter_recipes_dir())] if loads_starter_recipes(settings) else []
    return sources + [Source(d.path, d.base_url) for d in settings.knowledge_dirs]


def load_sources(sources: Sequence[Source]) -> tuple[list[Recipe], list[RecipeError]]:
    """Load every folder; broken files and ids already taken by an earlier folder are skipped (and logged).

    A community's own recipe with a starter recipe's id (``circles/group-size``) replaces that starter recipe: the
    starter set is a default to adapt, not a rival.
    """
    recipes: list[Recipe] = []
    errors: list[RecipeError] = []
    seen: dict[str, int] = {}  # id -> place in recipes
    starter: set[str] = set()  # ids still held by a starter recipe
    for source in sources:
        result = load_folder(source.path, source.base_url)
        errors += result.errors
        if not result.recipes and not result.errors:
            log.warning("knowledge folder %s holds no recipes", source.path)
        shipped = source.path == starter_recipes_dir()
        for recipe in result.recipes:
            if recipe.id in starter and not shipped:
                log.info("knowledge base: %s replaces the starter recipe %r", recipe.path, recipe.id)
                recipes[seen[recipe.id]] = recipe
                starter.discard(recipe.id)
                continue
            if recipe.id in seen:
                errors.append(RecipeError(recipe.path or source.path, 1, f"duplicate id {recipe.id!r} across folders"))
                continue
            seen[recipe.id] = len(recipes)
            recipes.append(recipe)
            if shipped:
                starter.add(recipe.id)
    log_errors(errors)
    return recipes, errors


def log_errors(errors: Iterable[RecipeError]) -> None:
    """Log each skipped recipe file (a warning naming the file and line), or knowledge folder."""
    for error in errors:
        what = "knowledge folder" if error.message in FOLDER_PROBLEMS else "recipe"
        log.warning("skipped %s: %s", what, error)
