"""The layer rule: imports point inward.

- the core (``bot/`` except the composition root ``bot/main/``) imports no adapter and no platform library;
- ``storage/`` and ``knowledge/`` import nothing from ``bot`` but ``bot.errors``;
- ``adapters/`` do not import the composition root.

Every import counts: at the top of a module, inside a function, under ``TYPE_CHECKING``, relative, or a literal
``importlib.import_module("...")``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

PLATFORMS = frozenset({"adapters", "discord", "slack_bolt", "slack_sdk", "aiohttp"})
LAYERED = ("bot", "adapters", "storage", "knowledge")


def imported_names(module: str, source: str, *, is_package: bool = False) -> Iterator[tuple[int, list[str]]]:
    """Each import in ``source`` (the text of ``module``): its line and the dotted names it imports.

    ``from a import b`` imports ``a`` and ``a.b``; relative imports are resolved against the package.
    """
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield node.lineno, [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            yield node.lineno, [base, *(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield node.lineno, [first.value]


def _is_dynamic_import(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in {"import_module", "__import__"}


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _broken_rule(module: str, name: str) -> str | None:
    top = name.split(".")[0]
    if _within(module, "bot") and not _within(module, "bot.main") and top in PLATFORMS:
        return "the core imports no adapter and no platform library"
    if (
        (_within(module, "storage") or _within(module, "knowledge"))
        and top == "bot"
        and not _within(name, "bot.errors")
    ):
        return "storage and knowledge import only bot.errors from bot"
    if _within(module, "adapters") and _within(name, "bot.main"):
        return "adapters do not import the composition root"
    return None


def violations(module: str, source: str, *, is_package: bool = False) -> list[str]:
    """What in ``source`` (the text of the dotted ``module``) breaks the layer rule: one line per import statement."""
    found = []
    for line, names in imported_names(module, source, is_package=is_package):
        broken = [(name, rule) for name in names if (rule := _broken_rule(module, name)) is not None]
        if broken:
            name, rule = broken[-1]
            found.append(f"{module}:{line} imports {name}: {rule}")
    return found


def _modules() -> Iterator[tuple[str, Path]]:
    for package in LAYERED:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def test_every_module_keeps_to_its_layer() -> None:
    """No module of bot, adapters, storage or knowledge imports across the layer rule."""
    modules = dict(_modules())
    # The walk finds the packages' modules (so the check below is not over an empty list).
    assert {"bot.dispatcher", "bot.main.cli", "adapters.discord.app", "storage.outbox", "knowledge.cache"} <= set(
        modules
    )
    found = [
        line
        for module, path in modules.items()
        for line in violations(module, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py")
    ]
    assert found == []


BROKEN = [
    ("bot.features.help", "import discord"),
    ("bot.scheduler", "def send():\n    from adapters.slack.app import SlackAdapter\n"),
    ("bot.events", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from aiohttp import web\n"),
    ("bot.dispatcher", "import slack_sdk.web"),
    ("bot.features", "from slack_bolt import App"),
    ("bot.tasks", "import importlib\nimportlib.import_module('discord.ext')\n"),
    ("storage.outbox", "from bot.events import Reply"),
    ("storage.db", "from bot import settings"),
    ("knowledge.cache", "import bot.settings"),
    ("knowledge.search", "def f():\n    from bot.features.knowledge import render\n"),
    ("adapters.discord.app", "from bot.main.wiring import BotApp"),
    ("adapters.slack.app", "from bot import main"),
    ("adapters.discord.send", "from ..slack import x\nfrom bot.main import adapters\n"),
]


@pytest.mark.parametrize(("module", "source"), BROKEN)
def test_the_checker_finds_a_planted_violation(module: str, source: str) -> None:
    """Each way of breaking the rule, planted in a tiny module, is reported."""
    assert len(violations(module, source)) == 1


ALLOWED = [
    ("storage.db", "from bot.errors import StorageError"),
    ("knowledge.loader", "import bot.errors"),
    ("bot.main.cli", "from adapters.console import ConsoleAdapter\nimport aiohttp"),
    ("bot.main.commands.run", "def f():\n    from adapters.slack.app import SlackService\n"),
    ("adapters.health", "from bot.service import HealthReport\nfrom bot.metrics import CONTENT_TYPE"),
    ("bot.dispatcher", "import discordant\nfrom storage import Database"),
    ("adapters.discord", "from . import app\nfrom .send import deliver"),
]


@pytest.mark.parametrize(("module", "source"), ALLOWED)
def test_the_checker_lets_allowed_imports_pass(module: str, source: str) -> None:
    """Imports the rule allows (bot.errors in storage, anything in bot.main, core types in adapters) pass."""
    assert violations(module, source, is_package=module == "adapters.discord") == []


def test_relative_imports_resolve_against_the_package() -> None:
    """``from ..x import y`` in bot/features/help.py is bot.x.y; in a package's __init__, ``.`` is the package."""
    assert list(imported_names("bot.features.help", "from ..main import cli")) == [(1, ["bot.main", "bot.main.cli"])]
    assert list(imported_names("bot.main", "from .wiring import BotApp", is_package=True)) == [
        (1, ["bot.main.wiring", "bot.main.wiring.BotApp"])
    ]
