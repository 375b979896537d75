"""Every exception communitybot raises on purpose.

    CommunityBotError
    ├── ConfigError          bad settings; names the key and where it came from
    ├── StorageError         the database is unreachable or not migrated; names the (masked) URL
    ├── RecipeError          a broken recipe file; names the file and line
    ├── DeliveryError        a platform refused or failed a send; says whether a retry can help
    └── UserError            a problem the user can fix; its message is shown to them as is
        ├── UsageError       a command typed wrong
        ├── PermissionDenied the user's role is too low for the command
        ├── NotFound         the thing asked about does not exist
        └── FormErrors       form values that failed validation, by field name

The dispatcher is the only place that catches ``Exception``: it logs the error with its context and tells the user
something short and true.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CommunityBotError",
    "ConfigError",
    "DeliveryError",
    "FormErrors",
    "NotFound",
    "PermissionDenied",
    "RecipeError",
    "StorageError",
    "UsageError",
    "UserError",
    "load_yaml",
    "where",
    "yaml_problem",
]


class CommunityBotError(Exception):
    """Base of every error communitybot raises on purpose."""


class ConfigError(CommunityBotError):
    """Settings that cannot be used; the message names the key and its source."""


class StorageError(CommunityBotError):
    """The database cannot be reached or used; the message names the URL with its password masked."""


class RecipeError(CommunityBotError):
    """A recipe file that cannot be loaded."""

    def __init__(self, path: Path, line: int | None, message: str, column: int | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        super().__init__(f"{where(path, line, column)}: {message}")


def where(path: Path, line: int | None, column: int | None = None) -> str:
    """A place in a file as people read it: ``recipes/x.md line 4, column 3`` (or less, when less is known)."""
    if line is None:
        return str(path)
    return f"{path} line {line}" + (f", column {column}" if column is not None else "")


def yaml_problem(exc: yaml.YAMLError, text: str, first_line: int = 1) -> tuple[int | None, int | None, str]:
    """Where a YAML error is in ``text`` (whose first line is line ``first_line`` of its file) and what it is.

    Returns:
        The line and column (None when PyYAML gives no position) and the problem, with what PyYAML was reading
        and where that began when it says (an unclosed quote is found at the end, but begins where it was opened).
    """
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        problem = exc.problem or "not valid YAML"
        begun = exc.context_mark
        if exc.context and begun is not None and (begun.line, begun.column) != (mark.line, mark.column):
            problem += f" ({exc.context} that begins at line {begun.line + first_line}, column {begun.column + 1})"
        return mark.line + first_line, mark.column + 1, problem
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses (a control character, say)
        before = text[: exc.position]
        problem = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
        return before.count("\n") + first_line, len(before) - before.rfind("\n"), problem
    return None, None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class _TextDates(yaml.SafeLoader):
    """The safe loader, with timestamps (implicit or tagged ``!!timestamp``) left as their text."""


def _as_text(loader: _TextDates, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", _as_text)


def load_yaml(text: str) -> Any:
    """``text`` as YAML, safely, with dates as the strings they were written as.

    PyYAML makes dates while it parses, so an impossible one (``2026-02-30``) was a ``ValueError`` from inside the
    library, with no line, and one recipe with a typo in its date stopped the bot, ``doctor`` and ``kb check``.
    Whoever needs a date checks the string and names the file and line.

    Raises:
        yaml.YAMLError: the text is not valid YAML.
    """
    return yaml.load(text, Loader=_TextDates)  # a SafeLoader subclass: as safe as yaml.safe_load


class DeliveryError(CommunityBotError):
    """A platform refused or failed to deliver a message.

    Adapters raise it from ``post`` (messages nobody's event asked for, such as scheduled check-ins), so the
    scheduler can keep the message and retry it. ``permanent`` says a retry cannot help (an unknown channel, a
    payload the platform refuses); ``code`` is the platform's own error code, for the log.
    """

    def __init__(self, platform: str, code: str, *, permanent: bool) -> None:
        self.platform = platform
        self.code = code
        self.permanent = permanent
        super().__init__(f"{platform} refused the message: {code}" + (" (permanent)" if permanent else ""))


class UserError(CommunityBotError):
    """Something the user can fix; the message is shown to them verbatim."""


class UsageError(UserError):
    """A command typed wrong."""


class PermissionDenied(UserError):
    """The user may not run this command."""


class NotFound(UserError):
    """The thing asked about does not exist."""


class FormErrors(UserError):
    """Form values that failed validation, keyed by field name."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {msg}" for name, msg in self.errors.items()))
