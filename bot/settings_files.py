"""Reading settings sources: the YAML file, and what to say when an environment variable is not valid JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import SettingsError

from bot.errors import ConfigError, where, yaml_problem

__all__ = ["given", "parse_problem", "read_yaml"]


def parse_problem(exc: SettingsError, environ: Mapping[str, str]) -> str:
    """Name the setting (and the variables) whose value is not the JSON a list or mapping setting needs."""
    found = re.search(r'field "([^"]+)"', str(exc))
    field = found.group(1) if found else "?"
    prefix = f"COMMUNITYBOT_{field.upper()}"
    culprits = []
    for variable, value in environ.items():
        if variable.upper() == prefix or variable.upper().startswith(prefix + "__"):
            try:
                json.loads(value)
            except ValueError:
                culprits.append(variable)
    where = f" ({', '.join(sorted(culprits))})" if culprits else ""
    return f'setting {field!r}{where}: not valid JSON; write lists and mappings as JSON, e.g. [1, 2] or {{"a": 1}}'


def given(loc: tuple[Any, ...], value: Any, yaml_keys: Collection[str], source: str, secrets: Collection[str]) -> str:
    """`` (got 'high' in communitybot.yaml)``: the value a setting was given and where; never a secret's."""
    top = str(loc[0]) if loc else ""
    if not top or top.lower() in secrets:
        return ""
    if top in yaml_keys:
        where = f" in {source}"
    else:  # a nested value may come from COMMUNITYBOT_ROLES or COMMUNITYBOT_ROLES__ADMINS
        where = f" from COMMUNITYBOT_{top.upper()}" if len(loc) == 1 else " from the environment"
    shown = repr(value) if isinstance(value, str | int | float) and len(repr(value)) <= 60 else "a value"
    return f" (got {shown}{where})"


def read_yaml(path: Path, secrets: Collection[str]) -> dict[str, Any]:
    """The YAML settings file as a mapping; a secret (a key in ``secrets``) in it is an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings file ({exc.strerror})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line, column, problem = yaml_problem(exc, text)
        raise ConfigError(f"{where(path, line, column)}: not valid YAML: {problem}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of setting names to values at the top level")
    for key in data:
        if str(key).lower() in secrets:
            raise ConfigError(
                f"{path}: {key!r} is a secret and may only be set in the environment ({str(key).upper()})"
            )
    return data
