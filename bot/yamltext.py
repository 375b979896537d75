"""YAML read as written: dates stay text.

PyYAML turns ``2026-02-01`` into a date while it parses, so an impossible one (``2026-02-30``, ``2026-13-45``) is
a ``ValueError`` from deep inside the library, with no line, and one recipe or docs page with a typo in a date used
to stop the whole bot (and ``doctor``, and ``kb check``). Read with :func:`load_yaml`, a date is the string it was
written as; whoever needs a date checks it and names the file and line.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["load_yaml"]


class _TextDates(yaml.SafeLoader):
    """The safe loader, with timestamps (implicit or tagged ``!!timestamp``) left as their text."""


def _as_text(loader: _TextDates, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", _as_text)


def load_yaml(text: str) -> Any:
    """``text`` as YAML, safely, dates as strings.

    Raises:
        yaml.YAMLError: the text is not valid YAML.
    """
    return yaml.load(text, Loader=_TextDates)
