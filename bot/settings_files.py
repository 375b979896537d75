"""Reading settings sources: the YAML file, and what to say when an environment variable is not valid JSON."""

from __future__ import annotations

import difflib
import io
import json
import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from types import UnionType
from typing import Any, Protocol, Union, get_args, get_origin

import yaml
from dotenv import dotenv_values
from dotenv.parser import parse_stream
from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsError

from bot.errors import ConfigError, load_yaml, where, yaml_problem

__all__ = [
    "closest_key",
    "dotenv_problems",
    "folder_problems",
    "given",
    "invalid",
    "key_origin",
    "parse_problem",
    "read_yaml",
    "validation_problems",
]


def invalid(problems: Sequence[str]) -> ConfigError:
    """The error for settings that do not load: one problem on its line, several one to a line."""
    if len(problems) == 1:
        return ConfigError(f"invalid settings: {problems[0]}")
    return ConfigError(f"invalid settings ({len(problems)} problems):" + "".join(f"\n  - {p}" for p in problems))


def dotenv_problems(path: Path) -> list[str]:
    """A problem for each line of ``.env`` python-dotenv cannot read (it would skip it, logging no file name); the
    line's text is not repeated: it may hold a secret."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{path}: cannot read it ({exc})"]
    return [
        f"{path} line {binding.original.line}: not a NAME=value line (quote a value with spaces; close every quote)"
        for binding in parse_stream(io.StringIO(text))
        if binding.error
    ]


def parse_problem(exc: SettingsError, environ: Mapping[str, str]) -> str:
    """Name the setting (and the variables) whose value is not the JSON a list or mapping setting needs."""
    found = re.search(r'field "([^"]+)"', str(exc))
    field = found.group(1) if found else "?"
    prefix = f"COMMUNITYBOT_{field.upper()}"
    culprits = []
    dotenv = {k: v for k, v in dotenv_values(".env").items() if k not in environ}  # the environment wins
    for variable, value, named in [
        *((k, v, k) for k, v in environ.items()),
        *((k, v, f"{k} in .env") for k, v in dotenv.items()),
    ]:
        if variable.upper() == prefix or variable.upper().startswith(prefix + "__"):
            try:
                json.loads(value or "")
            except ValueError:
                culprits.append(named)
    where = f" ({', '.join(sorted(culprits))})" if culprits else ""
    return f'setting {field!r}{where}: not valid JSON; write lists and mappings as JSON, e.g. [1, 2] or {{"a": 1}}'


def given(loc: tuple[Any, ...], value: Any, yaml_keys: Collection[str], file: Path, secrets: Collection[str]) -> str:
    """`` (got 'high' in communitybot.yaml line 2, column 1)`` or `` (got 'abc' from COMMUNITYBOT_SLACK_PORT in
    .env)``: the value a setting was given and where (see :func:`key_origin`); never a secret's."""
    top = str(loc[0]) if loc else ""
    if not top or top.lower() in secrets:
        return ""
    origin = key_origin(loc, yaml_keys, file, os.environ) or "from the environment"
    shown = repr(value) if isinstance(value, str | int | float) and len(repr(value)) <= 60 else "a value"
    return f" (got {shown} {origin})"


def read_yaml(path: Path, secrets: Collection[str]) -> dict[str, Any]:
    """The YAML settings file as a mapping; a secret (a key in ``secrets``) in it is an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings file ({exc.strerror})") from exc
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        line, column, problem = yaml_problem(exc, text)
        raise ConfigError(f"{where(path, line, column)}: not valid YAML: {problem}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of setting names to values at the top level")
    found = [str(key) for key in data if str(key).lower() in secrets]
    named = [f"{key!r} (line {(yaml_position(path, (key,)) or (0, 0))[0]})" for key in found]
    variables = ", ".join(key.upper() for key in found)
    if len(found) == 1:
        raise ConfigError(f"{path}: {named[0]} is a secret and may only be set in the environment ({variables})")
    if found:
        raise ConfigError(f"{path}: {', '.join(named)} are secrets: set them in the environment ({variables})")
    return data


def key_origin(loc: Sequence[Any], yaml_keys: Collection[str], path: Path, environ: Mapping[str, str]) -> str | None:
    """Where the setting at ``loc`` came from: ``from COMMUNITYBOT_ROLES__ADMINZ`` (``... in .env``) when variables
    gave it, else ``in communitybot.yaml line 3, column 5`` when the YAML file did; None if neither is known."""
    top = str(loc[0]) if loc else ""
    prefix = f"COMMUNITYBOT_{top.upper()}"

    def setting(variable: str) -> bool:
        return variable.upper() == prefix or variable.upper().startswith(prefix + "__")

    # ``.env`` as pydantic-settings reads it (with python-dotenv, which pydantic-settings depends on).
    variables = sorted(v for v in environ if setting(v)) + sorted(
        f"{v} in .env" for v in dotenv_values(".env") if setting(v)
    )
    if variables:
        return "from " + ", ".join(variables)
    if top not in yaml_keys:
        return None
    line, column = yaml_position(path, loc) or (None, None)
    return f"in {where(path, line, column)}"


def yaml_position(path: Path, loc: Sequence[Any]) -> tuple[int, int] | None:
    """Line and column (from 1) of the key at ``loc`` (``("knowledge_dirs", 0, "base_url")``) in the YAML file, or
    of the deepest part of it that is there (a list item given as a plain path for ``(..., 0, "path")``)."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return None
    mark = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = [(key, value) for key, value in node.value if str(key.value) == str(part)]
            if not found:
                break
            mark, node = found[0][0].start_mark, found[0][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            mark = node.start_mark
        else:
            break
    return (mark.line + 1, mark.column + 1) if mark is not None else None


class _Folder(Protocol):
    @property
    def path(self) -> Path: ...


def folder_problems(
    dirs: Sequence[_Folder], yaml_keys: Collection[str], path: Path, environ: Mapping[str, str]
) -> list[str]:
    """A problem for each ``knowledge_dirs`` folder that is missing or is a file, with where it was set.

    A folder that is not there would leave a bot that declines every question (a docs tree also turns the starter
    recipes off). An empty folder is fine: recipes may be published into it later.
    """
    problems = []
    for i, folder in enumerate(d.path for d in dirs):
        if folder.is_dir():
            continue
        if folder.exists():
            problem = f"{folder} is a file, not a folder: give the folder that holds it"
        else:
            problem = f"folder {folder} not found"
        found = key_origin(("knowledge_dirs", i, "path"), yaml_keys, path, environ)
        problems.append(f"setting 'knowledge_dirs.{i}.path': {problem}" + (f" ({found})" if found else ""))
    return problems


def validation_problems(
    exc: ValidationError,
    root: type[BaseModel],
    values: Mapping[str, Any],
    file: tuple[Path, str],
    secrets: Collection[str],
    *,
    variable_hint: Callable[[str], str],
) -> list[str]:
    """One problem per error of ``exc``, naming the key, where it came from and, for a typo, the closest name.

    Args:
        exc: the error building ``root`` (the settings) from ``values`` (the YAML file's) and the environment.
        file: the YAML file, and how to name it (``the environment`` when there is none).
        secrets: settings whose values are never shown.
        variable_hint: `` (did you mean COMMUNITYBOT_X?)`` for a misspelt variable in ``.env``.
    """
    path, source = file
    problems = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if not key:
            problems.append(message)
        elif err["type"] == "extra_forbidden" and key.upper().startswith("COMMUNITYBOT_"):
            problems.append(f"unknown variable {key.upper()} (in .env){variable_hint(key)}")
        elif err["type"] == "extra_forbidden":
            origin = key_origin(err["loc"], values, path, os.environ) or f"in {source} or .env"
            problems.append(f"unknown setting {key!r} ({origin}){closest_key(err['loc'], root)}")
        else:
            problems.append(f"setting {key!r}: {message}{given(err['loc'], err['input'], values, path, secrets)}")
    return problems


def closest_key(loc: Sequence[Any], root: type[BaseModel]) -> str:
    """``; did you mean 'base_url'?``: the valid key closest to the unknown one at ``loc``, among the keys of the model
    that holds it (``KnowledgeDir`` for ``knowledge_dirs.0.baseurl``), or nothing if none is close."""
    fields = _fields_at(loc[:-1], root)
    close = difflib.get_close_matches(str(loc[-1]).lower(), fields, n=1, cutoff=0.6) if loc else []
    return f"; did you mean {close[0]!r}?" if close else ""


def _fields_at(loc: Sequence[Any], root: type[BaseModel]) -> list[str]:
    """The field names of the model at ``loc`` below ``root`` (through lists, mappings and ``X | None``)."""
    current: Any = root
    for part in loc:
        current = _model_or_container(current)
        if _is_model(current):
            info = current.model_fields.get(str(part))
            if info is None:
                return []
            current = info.annotation
        elif get_args(current):
            current = get_args(current)[-1]  # list[X] and dict[str, X] hold X
        else:
            return []
    current = _model_or_container(current)
    return list(current.model_fields) if _is_model(current) else []


def _model_or_container(annotation: Any) -> Any:
    """``X`` for ``X | None``; anything else as it is."""
    if get_origin(annotation) in (Union, UnionType):
        kept = [a for a in get_args(annotation) if a is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    return annotation


def _is_model(annotation: Any) -> bool:
    return get_origin(annotation) is None and isinstance(annotation, type) and issubclass(annotation, BaseModel)
