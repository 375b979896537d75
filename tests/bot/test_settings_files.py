"""Settings errors that point into the settings file: missing knowledge folders, misspelt nested keys."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings
from knowledge.sources import Source, load_sources
from tests.bot.test_settings import clean_env, write

__all__ = ["clean_env"]  # the autouse fixture: no COMMUNITYBOT_* variable from outside, in tmp_path


def test_a_missing_knowledge_folder_stops_the_bot_naming_the_setting_and_the_file(tmp_path: Path) -> None:
    """A knowledge_dirs folder that is not there is a settings error (with the file and line), not a bot that
    declines every question."""
    path = write(
        tmp_path,
        'answer_threshold: 0.5\nknowledge_dirs:\n  - {path: /nope/handbook, base_url: "https://docs.p2pu.org/"}\n',
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value) == (
        f"invalid settings: setting 'knowledge_dirs.0.path': folder /nope/handbook not found (in {path} line 3, "
        "column 6)"
    )


def test_a_knowledge_folder_that_is_a_file_or_from_the_environment_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file given as a knowledge folder says to give its folder; a folder from the environment names the variable;
    an empty folder is taken (a place for recipes to come)."""
    (tmp_path / "bikes.md").write_text("# Bikes\n")
    (tmp_path / "empty").mkdir()
    path = write(tmp_path, "knowledge_dirs: [empty, bikes.md]\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value) == (
        "invalid settings: setting 'knowledge_dirs.1.path': bikes.md is a file, not a folder: give the folder that "
        f"holds it (in {path} line 1, column 25)"
    )
    monkeypatch.setenv("COMMUNITYBOT_KNOWLEDGE_DIRS", '["empty", "docs/"]')
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value) == (
        "invalid settings: setting 'knowledge_dirs.1.path': folder docs not found (from COMMUNITYBOT_KNOWLEDGE_DIRS)"
    )
    monkeypatch.setenv("COMMUNITYBOT_KNOWLEDGE_DIRS", '["empty"]')
    assert [d.path for d in load_settings(path).knowledge_dirs] == [Path("empty")]


def test_a_folder_gone_after_start_is_logged_as_a_folder(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A knowledge folder missing when the recipes load is logged as a skipped folder, not a skipped recipe; an empty
    one is logged as holding no recipes."""
    (tmp_path / "empty").mkdir()
    with caplog.at_level(logging.WARNING, logger="knowledge.sources"):
        load_sources([Source(tmp_path / "gone"), Source(tmp_path / "empty")])
    assert [r.getMessage() for r in caplog.records] == [
        f"knowledge folder {tmp_path / 'empty'} holds no recipes",
        f"skipped knowledge folder: {tmp_path / 'gone'}: folder not found",
    ]


def test_a_misspelt_nested_key_suggests_the_nested_field_and_its_line(tmp_path: Path) -> None:
    """``baseurl`` in a knowledge_dirs entry suggests ``base_url`` and points at the line of the YAML file."""
    (tmp_path / "handbook").mkdir()
    path = write(tmp_path, 'knowledge_dirs:\n  - {path: handbook, baseurl: "https://docs.p2pu.org/"}\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value) == (
        f"invalid settings: unknown setting 'knowledge_dirs.0.baseurl' (in {path} line 2, column 22); did you mean "
        "'base_url'?"
    )


def test_a_misspelt_key_from_the_environment_is_not_blamed_on_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A misspelt nested key from an environment variable says so and suggests the nested field; a top-level one in
    the file names the file and line."""
    path = write(tmp_path, "answer_threshold: 0.5\nstaf_channel: C1\n")
    monkeypatch.setenv("COMMUNITYBOT_ROLES__ADMINZ", '["U1"]')
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value) == (
        "invalid settings (2 problems):\n"
        "  - unknown setting 'roles.adminz' (from COMMUNITYBOT_ROLES__ADMINZ); did you mean 'admins'?\n"
        f"  - unknown setting 'staf_channel' (in {path} line 2, column 1); did you mean 'staff_channel'?"
    )


def test_a_value_from_dotenv_that_is_not_json_names_the_variable_and_the_file(tmp_path: Path) -> None:
    """`.env` with COMMUNITYBOT_HELP_CHANNELS={bad said only "setting 'help_channels': not valid JSON"."""
    (tmp_path / ".env").write_text("COMMUNITYBOT_HELP_CHANNELS={bad\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == (
        "invalid settings: setting 'help_channels' (COMMUNITYBOT_HELP_CHANNELS in .env): not valid JSON; write lists "
        'and mappings as JSON, e.g. [1, 2] or {"a": 1}'
    )


def test_several_secrets_in_the_file_are_all_named_and_none_shown(tmp_path: Path) -> None:
    """Only the first secret was named; each is now, with its line, and none of their values."""
    write(tmp_path, "slack_bot_token: xoxb-SECRET\ndiscord_token: SECRET.x.y\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == (
        "communitybot.yaml: 'slack_bot_token' (line 1), 'discord_token' (line 2) are secrets: set them in the "
        "environment (SLACK_BOT_TOKEN, DISCORD_TOKEN)"
    )
    assert "SECRET" not in str(info.value)


def test_a_public_url_that_is_no_web_address_says_how_to_write_one(tmp_path: Path) -> None:
    """It showed the pattern it is checked with ('^https?://[^\\s]+$'); now what to write, and where it came from."""
    write(tmp_path, "community_name: X\npublic_url: bot.example.org\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == (
        "invalid settings: setting 'public_url': write the address that reaches the bot, starting with https://, e.g. "
        "https://bot.example.org (got 'bot.example.org' in communitybot.yaml line 2, column 1)"
    )


def test_a_dotenv_line_that_cannot_be_read_names_the_file_and_line_not_its_text(tmp_path: Path) -> None:
    """python-dotenv skipped it, logging 'could not parse statement starting at line 2' with no file name; the
    line may hold a secret, so it is not repeated."""
    (tmp_path / ".env").write_text('COMMUNITYBOT_COMMUNITY_NAME=x\nSLACK_BOT_TOKEN="xoxb-SECRET\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == (
        "invalid settings: .env line 2: not a NAME=value line (quote a value with spaces; close every quote)"
    )
