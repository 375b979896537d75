"""The command registry refuses, at start, what would otherwise break silently or be refused by Discord."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.events import Action, FormSubmission
from bot.feature import ActionRoute, Command, Context, FormRoute, Group, Replies, Slash, Surface
from bot.main.wiring import BotApp
from bot.permissions import Role
from bot.registry import Registry
from bot.settings import Settings


async def noop(ctx: Context, args: str) -> Replies:
    return []


async def press(ctx: Context, action: Action) -> Replies:
    return []


async def submit(ctx: Context, submission: FormSubmission) -> Replies:
    return []


def test_a_command_registered_by_two_features_is_refused() -> None:
    first = Surface("one", commands=(Command("same", noop, "x"),))
    second = Surface("two", commands=(Command("same", noop, "y"),))
    with pytest.raises(ConfigError, match="feature 'two': command 'same' is registered twice"):
        Registry.build([first, second])


@pytest.mark.parametrize("kind", ["actions", "forms"])
def test_a_button_or_form_prefix_taken_by_another_feature_is_refused(kind: str) -> None:
    route = ActionRoute("kb", press) if kind == "actions" else FormRoute("kb", submit)
    first = Surface("knowledge", **{kind: (route,)})  # type: ignore[arg-type]
    second = Surface("other", **{kind: (route,)})  # type: ignore[arg-type]
    word = "button" if kind == "actions" else "form"
    with pytest.raises(ConfigError, match=f"feature 'other': {word} prefix 'kb' is already taken"):
        Registry.build([first, second])


def test_a_26th_subcommand_is_refused_and_25_are_not() -> None:
    commands = tuple(Command(f"big sub{n}", noop, f"number {n}") for n in range(25))
    assert len(Registry.build([Surface("big", commands=commands)]).slash_commands()[0].subcommands) == 25
    with pytest.raises(ConfigError, match="/big has 26 subcommands; Discord allows 25"):
        Registry.build([Surface("big", commands=(*commands, Command("big one-more", noop, "x")))])


def test_descriptions_over_discords_limit_and_bad_names_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"/g long: description is 101 characters"):
        Registry.build([Surface("f", commands=(Command("g long", noop, "x" * 101),))])
    with pytest.raises(ConfigError, match=r"/ask: description is 101"):
        Registry.build([Surface("f", commands=(Command("ask", noop, "x", slash=Slash("d" * 101)),))])
    with pytest.raises(ConfigError, match="'Ask' must be 1-32 lower-case"):
        Registry.build([Surface("f", commands=(Command("Ask", noop, "x"),))])


def test_a_group_word_that_is_also_a_command_is_refused() -> None:
    surface = Surface("f", commands=(Command("kb", noop, "x"), Command("kb show", noop, "y")))
    with pytest.raises(ConfigError, match="command 'kb' clashes with the command group"):
        Registry.build([surface])


def test_slash_commands_list_one_word_commands_then_groups_with_their_subcommands() -> None:
    surface = Surface(
        "f",
        commands=(
            Command("ask", noop, "answer", slash=Slash("Ask", option="question")),
            Command("plain", noop, "no slash command"),
            Command("kb show", noop, "show one", min_role=Role.STAFF),
            Command("kb list", noop, "list them"),
        ),
        groups=(Group("kb", "Knowledge base", slack=False),),
    )
    slash = Registry.build([surface]).slash_commands()
    assert [(s.name, s.slash.description, s.slash.option, s.slash.slack) for s in slash] == [
        ("ask", "Ask", "question", True),
        ("kb", "Knowledge base", "", False),
    ]
    assert [(sub.name, sub.description) for sub in slash[1].subcommands] == [
        ("show", "show one"),
        ("list", "list them"),
    ]


def test_the_bots_own_registry_is_within_every_limit(tmp_path: Path) -> None:
    """The features as shipped build (the checks above pass) and every group has room left."""
    registry = BotApp(Settings(_env_file=None, data_dir=tmp_path)).registry  # type: ignore[call-arg]
    names = [s.name for s in registry.slash_commands()]
    assert names == [
        "help",
        "ask",
        "consult",
        "link",
        "unlink",
        "mydata",
        "helper",
        "kb",
        "leads",
        "checkin",
        "meetings",
        "people",
        "privacy",
        "webhooks",
    ]
    assert registry.home_commands() == ["checkin mine", "help"]
