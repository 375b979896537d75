"""Read recipe files: Markdown with optional YAML front matter.

Front matter keys: ``id``, ``title``, ``summary``, ``tags``, ``questions``, ``links``, ``updated``. ``id`` defaults
to the path relative to the folder without ``.md`` (``courses/choosing-courses``); ``title`` to the first ``# ``
heading, else the file name.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from bot.errors import RecipeError, load_yaml, yaml_problem

__all__ = [
    "DOCS_SUFFIXES",
    "FOLDER_PROBLEMS",
    "MAX_RECIPE_BYTES",
    "LoadResult",
    "Recipe",
    "check_recipe",
    "folder_fingerprint",
    "load_folder",
    "parse_recipe",
    "recipe_files",
    "starter_recipes_dir",
    "suffixes_for",
]

log = logging.getLogger(__name__)

MAX_RECIPE_BYTES = 1_000_000  # a long handbook page is about 50 KB; bigger files are refused, not read
_KEYS = {"id", "title", "summary", "tags", "questions", "links", "updated"}
_LISTS = ("tags", "questions", "links")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
# What an author (or `kb gaps --stubs`) leaves where the text is still to be written: such a recipe is not served.
_TODO = re.compile(r"\s*TODO\b")
DOCS_SUFFIXES = (".md", ".markdown", ".mdx")  # a docs tree's page files; a recipe folder reads .md alone
# Files of a docs tree that are no answer: a GitBook table of contents, licence and change notes.
FOLDER_NOT_FOUND = "folder not found"
NOT_A_FOLDER = "is a file: give the folder that holds it"
FOLDER_PROBLEMS = frozenset({FOLDER_NOT_FOUND, NOT_A_FOLDER})
"""The messages of a knowledge folder that cannot be read at all (its error's path is the folder)."""
_NOT_PAGES = frozenset({"summary", "notice", "license", "licence", "changelog"})
_SKIP_DIRS = frozenset({"node_modules", "__pycache__"})  # and every folder whose name starts with a dot
# A setext heading ("Title" over "=====", "Section" over "-----") as the ATX heading it stands for.
_SETEXT = re.compile(r"^(?=[^\n]*\w)(?![ \t]*(?:[-*+>|]|\d+\.)\s)([^\n]+)\n(=+|-+)[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Recipe:
    """One answer the bot can give."""

    id: str
    title: str
    body: str
    summary: str = ""
    tags: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    updated: str = ""
    path: Path | None = None

    @property
    def link(self) -> str | None:
        """The first link, shown as "read more"."""
        return self.links[0] if self.links else None


@dataclass
class LoadResult:
    """Recipes that loaded and errors for those that did not."""

    recipes: list[Recipe] = field(default_factory=list)
    errors: list[RecipeError] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """How many files did not load (a file may have several errors)."""
        return len({error.path for error in self.errors})


def starter_recipes_dir() -> Path:
    """The folder of recipes shipped with the bot."""
    return Path(__file__).resolve().parent / "recipes"


def _kind(value: Any) -> str:
    """What a YAML value is, in words, for a message that says what was found instead."""
    kinds = ((bool, "true/false"), (int | float, "a number"), (str, "a string"), (list, "a list"), (dict, "a mapping"))
    kind = next((words for types, words in kinds if isinstance(value, types)), None)
    if kind is None:
        return "a date" if isinstance(value, dt.date) else "empty" if value is None else type(value).__name__
    return kind


def _as_text(value: Any) -> str:
    """How to keep as text a value YAML read as something else (a number, true/false, a date, a mapping)."""
    quote = ' write it in quotes, "like this", to keep it as text)'
    if isinstance(value, dict):
        return ' (a ": " inside it makes one;' + quote
    return " (" + quote.lstrip() if isinstance(value, int | float | dt.date) else ""


def _text(path: Path, line: int, key: str, value: Any, loose: bool, problems: list[RecipeError]) -> str:
    """A field that must be a non-empty string; ``loose`` (a docs tree's front matter) also takes a number. A wrong
    value is added to ``problems`` and read as ``""``."""
    if (isinstance(value, str) or (loose and isinstance(value, int | float))) and str(value).strip():
        return str(value).strip()
    found = "" if isinstance(value, str) else f", not {_kind(value)}{_as_text(value)}"
    problems.append(RecipeError(path, line, f"field {key!r} must be a non-empty string{found}"))
    return ""


def _str_list(path: Path, line: int, key: str, value: Any, loose: bool, problems: list[RecipeError]) -> tuple[str, ...]:
    """A field that must be a list of strings; ``loose`` (a docs tree's front matter, written for other tools) also
    takes one string and numbers. Each wrong item (or a value that is no list) is added to ``problems``."""
    if loose and isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        hint = " (one per line, each after `- `)" if isinstance(value, str) else ""
        problems.append(RecipeError(path, line, f"field {key!r} must be a list of strings, not {_kind(value)}{hint}"))
        return ()
    allowed = str | int | float if loose else str
    for number, item in enumerate(value, start=1):
        if not isinstance(item, allowed):
            message = f"field {key!r} must be a list of strings: item {number} is {_kind(item)}{_as_text(item)}"
            problems.append(RecipeError(path, line, message))
    return tuple(str(v).strip() for v in value if isinstance(v, allowed) and str(v).strip())


def _key_line(front: str, key: str) -> int:
    for number, text in enumerate(front.splitlines(), start=2):
        if re.match(rf"{re.escape(key)}\s*[:=]", text):  # YAML's "key:", TOML's "key ="
            return number
    return 1


def _front_matter(path: Path, text: str) -> tuple[dict[str, Any], str, str]:
    """The front matter of a recipe file as a mapping, the body after it, and the front matter's raw text.

    Raises:
        RecipeError: the front matter is unclosed, not YAML, or not a mapping.
    """
    text = text.removeprefix("\ufeff")  # a byte-order mark would hide the front matter
    fence = "---" if text.startswith("---") else "+++" if text.startswith("+++") else None
    if fence is None:
        return {}, text, ""
    lines = text.splitlines(keepends=True)
    end = next((i for i, ln in enumerate(lines[1:], start=1) if ln.strip() == fence), None)
    if end is None:
        raise RecipeError(path, 1, f"front matter opened with '{fence}' but never closed")
    front = "".join(lines[1:end])
    if fence == "+++":  # Hugo's TOML front matter
        return _toml(path, front), "".join(lines[end + 1 :]), front
    try:
        loaded = load_yaml(front)
    except yaml.YAMLError as exc:
        line, column, problem = yaml_problem(exc, front, first_line=2)  # line 1 is the opening '---'
        raise RecipeError(path, line or 1, f"front matter is not valid YAML: {problem}", column) from None
    if loaded is not None and not isinstance(loaded, dict):
        raise RecipeError(path, 2, "front matter must be a mapping of keys to values")
    return loaded or {}, "".join(lines[end + 1 :]), front


def _toml(path: Path, front: str) -> dict[str, Any]:
    """TOML front matter (``+++``) as a mapping, its dates as text as YAML's are read.

    Raises:
        RecipeError: it is not TOML.
    """
    try:
        loaded = tomllib.loads(front)
    except tomllib.TOMLDecodeError as exc:  # "Illegal character '\\n' (at line 1, column 18)": in the front matter
        at = re.search(r"\s*\(at line (\d+), column (\d+)\)$", str(exc))
        line, column = (int(at.group(1)) + 1, int(at.group(2))) if at else (2, None)
        problem = str(exc)[: at.start()] if at else str(exc)
        raise RecipeError(path, line, f"front matter is not valid TOML: {problem}", column) from None
    return {k: v.isoformat() if isinstance(v, dt.date | dt.time) else v for k, v in loaded.items()}


def parse_recipe(path: Path, text: str, default_id: str, docs: bool = False) -> Recipe:
    """Parse one recipe file.

    With ``docs`` (an imported documentation tree), front matter keys of other tools are ignored and
    ``description`` serves as the summary.

    Raises:
        RecipeError: the first problem, with the file and line (:func:`check_recipe` finds them all).
    """
    recipe, problems = check_recipe(path, text, default_id, docs)
    if recipe is None:
        raise problems[0]
    return recipe


def check_recipe(path: Path, text: str, default_id: str, docs: bool = False) -> tuple[Recipe | None, list[RecipeError]]:
    """Parse one recipe file and find every problem in it, so its author can fix them all at once.

    Returns:
        The recipe (None when there is any problem) and the problems, each with its file and line, in line order.
        Front matter that cannot be read at all (unclosed, not YAML, not a mapping) is the only problem reported.
    """
    try:
        meta, body, front = _front_matter(path, text)
    except RecipeError as exc:
        return None, [exc]
    if docs:
        body = _SETEXT.sub(lambda m: f"{'#' if m.group(2)[0] == '=' else '##'} {m.group(1).strip()}", body)
        description = meta.get("description")
        meta = {k: v for k, v in meta.items() if k in _KEYS}
        if isinstance(description, str) and "summary" not in meta:
            meta["summary"] = " ".join(description.split())
    problems = [
        RecipeError(path, _key_line(front, key), f"unknown front matter key {key!r}")
        for key in sorted(set(map(str, meta)) - _KEYS)
    ]
    title = meta.get("title")
    if title is not None:
        title = _text(path, _key_line(front, "title"), "title", title, docs, problems)
    else:
        heading = _HEADING.search(body)
        title = heading.group(1) if heading else path.stem.replace("-", " ").replace("_", " ")
    recipe_id = _text(path, _key_line(front, "id"), "id", meta.get("id", default_id), docs, problems)
    summary = meta.get("summary", "")
    if not isinstance(summary, str):
        message = f"field 'summary' must be a string, not {_kind(summary)}"
        problems.append(RecipeError(path, _key_line(front, "summary"), message))
    line = front.count("\n") + 3 if text.removeprefix("\ufeff").startswith("---") else 1  # where the body goes
    if not docs and not body.strip():  # a docs tree's title-only stub page is kept: other pages link to it
        problems.append(RecipeError(path, line, "no answer: write the recipe's text below its front matter"))
    if not docs:
        problems += _unfinished(path, front, line, {"title": title, "summary": summary, "answer": body})
    updated = _date(path, _key_line(front, "updated"), meta.get("updated", ""), docs, problems)
    lists = {key: _str_list(path, _key_line(front, key), key, meta.get(key, []), docs, problems) for key in _LISTS}
    if problems:
        return None, sorted(problems, key=lambda p: p.line or 0)
    recipe = Recipe(
        id=recipe_id,
        title=title.strip(),
        body=body.strip(),
        summary=str(summary).strip(),
        tags=lists["tags"],
        questions=lists["questions"],
        links=lists["links"],
        updated=str(updated),
        path=path,
    )
    return recipe, []


def _unfinished(path: Path, front: str, body_line: int, fields: dict[str, object]) -> list[RecipeError]:
    """A problem for each of the recipe's fields that starts with TODO: a stub not written yet."""
    problems = []
    for name, value in fields.items():
        if isinstance(value, str) and _TODO.match(value):
            line = body_line + len(value) - len(value.lstrip("\n")) if name == "answer" else _key_line(front, name)
            problems.append(RecipeError(path, line, f"the {name} is still a stub: write it in place of the TODO"))
    return problems


def _date(path: Path, line: int, value: object, docs: bool, problems: list[RecipeError]) -> str:
    """``updated`` as written, if it is a real date (a time after it allowed); else a problem, or in a docs tree,
    whose front matter another tool wrote, nothing (the page still loads)."""
    if value == "" or value is None:
        return ""
    try:
        dt.datetime.fromisoformat(str(value))
    except ValueError:
        if not docs:
            given = repr(value) if isinstance(value, str) else _kind(value)
            problems.append(RecipeError(path, line, f"field 'updated' must be a date (YYYY-MM-DD), not {given}"))
        return ""
    return str(value)


def suffixes_for(base_url: str | None) -> tuple[str, ...]:
    """The file endings a folder is read for: a docs tree's (``base_url`` given) or a recipe folder's."""
    return DOCS_SUFFIXES if base_url is not None else (".md",)


def recipe_files(folder: Path, suffixes: tuple[str, ...] = (".md",)) -> tuple[list[Path], list[RecipeError]]:
    """The files below ``folder`` ending in one of ``suffixes`` that are safe to read, and an error for each one that
    is not.

    Symlinked folders are not entered (no loops), nor hidden ones (``.git``, ``.github``) and ``node_modules``; a
    symlinked file must resolve to a regular file inside ``folder``; a dangling link, a loop, a link leading outside
    and a file over :data:`MAX_RECIPE_BYTES` are errors.
    """
    files: list[Path] = []
    errors: list[RecipeError] = []
    root = folder.resolve()
    walked = []
    for directory, subfolders, names in os.walk(folder, followlinks=False):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in _SKIP_DIRS]
        walked.append((directory, names))
    for directory, names in sorted(walked):
        for name in sorted(n for n in names if n.lower().endswith(suffixes)):
            path = Path(directory) / name
            try:
                target = path.resolve(strict=True)
                size = target.stat().st_size
            except RuntimeError:
                errors.append(RecipeError(path, None, "symlink loop"))
                continue
            except OSError as exc:
                if not path.is_symlink():
                    errors.append(RecipeError(path, None, f"cannot read file: {exc}"))
                else:
                    reason = "symlink loop" if exc.errno == errno.ELOOP else "dangling symlink"
                    errors.append(RecipeError(path, None, reason))
                continue
            if not target.is_relative_to(root):
                errors.append(RecipeError(path, None, "symlink to a file outside the recipe folder"))
            elif not target.is_file():
                errors.append(RecipeError(path, None, "not a regular file"))
            elif size > MAX_RECIPE_BYTES:
                errors.append(RecipeError(path, None, f"file is {size:,} bytes; the limit is {MAX_RECIPE_BYTES:,}"))
            else:
                files.append(path)
    return files, errors


def folder_fingerprint(folder: Path, suffixes: tuple[str, ...] = (".md",)) -> tuple[tuple[str, int, int], ...]:
    """Path, modification time and size of each recipe file (never raises): a change means "reload"."""
    out = []
    for path in recipe_files(folder, suffixes)[0] if folder.is_dir() else []:
        try:
            stat = path.stat()
        except OSError:  # removed since it was listed
            continue
        out.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def load_folder(folder: Path, base_url: str | None = None) -> LoadResult:
    """Load every ``*.md`` file below ``folder``; broken files become errors, the rest load.

    With ``base_url`` the folder is an imported documentation tree published there: pages need no front matter,
    are cleaned of template tags and HTML, link to their published address, and long ones are split into sections.
    """
    from knowledge.docs import clean_markdown, page_url, resolve_links, split_sections

    result = LoadResult()
    if not folder.is_dir():
        problem = NOT_A_FOLDER if folder.exists() else FOLDER_NOT_FOUND
        result.errors.append(RecipeError(folder, None, problem))
        return result
    seen: dict[str, Path] = {}
    files, result.errors = recipe_files(folder, suffixes_for(base_url))
    for path in files:
        rel = path.relative_to(folder).as_posix()
        if base_url is not None and path.stem.lower() in _NOT_PAGES:
            continue  # a table of contents, a licence or a change log is not an answer
        default_id = path.relative_to(folder).with_suffix("").as_posix()
        try:
            text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not part of the text
        except (OSError, UnicodeDecodeError) as exc:
            result.errors.append(RecipeError(path, None, f"cannot read file: {exc}"))
            continue
        if base_url is not None and not text.strip():
            continue  # an empty page of a docs tree (a placeholder) has nothing to answer with, not even a title
        recipe, problems = check_recipe(path, text, default_id, docs=base_url is not None)
        if recipe is None:
            result.errors += problems
            continue
        parts = [recipe]
        if base_url is not None:
            url = page_url(rel, base_url)
            body = resolve_links(clean_markdown(recipe.body), rel, base_url)
            recipe = replace(recipe, title=clean_markdown(recipe.title), body=body, links=(url, *recipe.links))
            parts = split_sections(recipe)
        if recipe.id in seen:
            result.errors.append(RecipeError(path, 1, f"duplicate id {recipe.id!r} (also in {seen[recipe.id]})"))
            continue
        seen[recipe.id] = path
        result.recipes += parts
    return result
