"""Settings: sources, precedence, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import Settings, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "COMMUNITYBOT_CONFIG", "COMMUNITYBOT_ANSWER_THRESHOLD", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "communitybot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_need_no_file_and_use_sqlite(tmp_path: Path) -> None:
    """With nothing configured the bot uses a SQLite file in ./data and the starter recipes."""
    settings = load_settings()
    assert (
        settings.sqlalchemy_url.startswith("sqlite+aiosqlite:///") and "data/communitybot.db" in settings.sqlalchemy_url
    )
    assert settings.starter_recipes


def test_yaml_is_read_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The YAML file sets values; an environment variable beats it; nested keys use __."""
    write(tmp_path, "answer_threshold: 0.7\nstaff_channel: C-staff\nroles:\n  staff: [slack:U1]\n")
    monkeypatch.setenv("COMMUNITYBOT_ANSWER_THRESHOLD", "0.8")
    monkeypatch.setenv("COMMUNITYBOT_ROLES__ADMINS", '["U9"]')
    settings = load_settings()
    assert settings.answer_threshold == 0.8
    assert settings.staff_channel == "C-staff"
    assert settings.roles.staff == ["slack:U1"] and settings.roles.admins == ["U9"]


def test_unknown_key_is_named(tmp_path: Path) -> None:
    """A misspelt key fails with its name and the file."""
    path = write(tmp_path, "staf_channel: C1\n")
    with pytest.raises(ConfigError, match=r"unknown setting 'staf_channel' \(in .*communitybot.yaml"):
        load_settings(path)


def test_bad_value_is_named(tmp_path: Path) -> None:
    """A value of the wrong kind fails naming the key."""
    write(tmp_path, "answer_threshold: lots\nroles:\n  platform_roles: {Leads: boss}\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "setting 'answer_threshold'" in str(info.value)
    assert "setting 'roles.platform_roles.Leads'" in str(info.value)


def test_secret_in_yaml_is_refused(tmp_path: Path) -> None:
    """Tokens may only come from the environment."""
    write(tmp_path, "slack_bot_token: xoxb-123\n")
    with pytest.raises(ConfigError, match="may only be set in the environment"):
        load_settings()


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    """A YAML syntax error names the file and line."""
    write(tmp_path, "staff_channel: C1\nroles: [unclosed\n")
    with pytest.raises(ConfigError, match=r"communitybot.yaml:3: not valid YAML"):
        load_settings()


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    """--config pointing nowhere is an error, not a silent default."""
    with pytest.raises(ConfigError, match="settings file not found"):
        load_settings(tmp_path / "nope.yaml")


def test_bad_database_url_hides_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unsupported database URL is rejected without echoing the password."""
    monkeypatch.setenv("DATABASE_URL", "mysql://bob:hunter2@db/x")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "DATABASE_URL" in str(info.value) and "mysql" in str(info.value)
    assert "hunter2" not in str(info.value)


def test_public_view_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """config show masks tokens and the database password."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://bob:hunter2@db:5432/bot")
    view = load_settings().public_view()
    assert view["slack_bot_token"] == "********"
    assert view["database_url"] == "postgresql://bob:***@db:5432/bot"
    assert "hunter2" not in str(view) and "very-secret" not in str(view)


def test_blank_environment_values_mean_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """`VAR=` lines copied from .env.example leave the setting at its default instead of failing."""
    monkeypatch.setenv("COMMUNITYBOT_DISCORD_APPLICATION_ID", "")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    settings = Settings()
    assert settings.discord_application_id is None and settings.slack_bot_token is None
