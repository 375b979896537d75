"""Settings: sources, precedence, and errors that name the key."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import Settings, load_settings
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if (name.startswith("COMMUNITYBOT_") and name != "COMMUNITYBOT_TEST_POSTGRES_URL") or name == "DATABASE_URL":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
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
    assert settings.starter_recipes == "auto"


def test_yaml_is_read_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The YAML file sets values; an environment variable beats it; nested keys use __."""
    write(tmp_path, "answer_threshold: 0.7\nstaff_channel: C-staff\nroles:\n  staff: [slack:U1]\n")
    monkeypatch.setenv("COMMUNITYBOT_ANSWER_THRESHOLD", "0.8")
    monkeypatch.setenv("COMMUNITYBOT_ROLES__ADMINS", '["U9"]')
    settings = load_settings()
    assert settings.answer_threshold == 0.8
    assert settings.staff_channel == "C-staff"
    assert settings.roles.staff == ["slack:U1"] and settings.roles.admins == ["U9"]


def test_every_nested_setting_takes_its_keys_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``COMMUNITYBOT_ESCALATION__STAFF_AFTER_HOURS`` and the like work for every nested setting, as the README says;
    a misspelt key inside one is still named."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMMUNITYBOT_ESCALATION__STAFF_AFTER_HOURS", "2")
    monkeypatch.setenv("COMMUNITYBOT_LEAD_FLOW__RESPONSE_HOURS", '{"new": 12}')
    settings = load_settings()
    assert settings.escalation.staff_after_hours == 2 and settings.lead_flow.response_hours == {"new": 12}
    monkeypatch.setenv("COMMUNITYBOT_ESCALATION__STAFF_AFTER_HOURZ", "2")
    with pytest.raises(ConfigError, match=r"escalation\.staff_after_hourz"):
        load_settings()


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


def test_bad_value_error_says_what_was_given_and_where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The error repeats the value typed and its source, so it can be found; a secret's value is never repeated."""
    write(tmp_path, "answer_threshold: high\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == (
        "invalid settings: setting 'answer_threshold': Input should be a valid number, unable to parse string as a "
        "number (got 'high' in communitybot.yaml line 1, column 1)"
    )
    (tmp_path / "communitybot.yaml").unlink()
    monkeypatch.setenv("COMMUNITYBOT_SLACK_PORT", "abc")
    monkeypatch.setenv("DATABASE_URL", "postgres-ish secret-pw")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "(got 'abc' from COMMUNITYBOT_SLACK_PORT)" in str(info.value)
    assert "secret-pw" not in str(info.value)


def test_secret_in_yaml_is_refused(tmp_path: Path) -> None:
    """Tokens may only come from the environment."""
    write(tmp_path, "slack_bot_token: xoxb-123\n")
    with pytest.raises(ConfigError, match="may only be set in the environment"):
        load_settings()


def test_broken_yaml_names_the_line_and_column(tmp_path: Path) -> None:
    """A YAML syntax error names the file, line and column, and where what YAML was reading began; a character
    YAML refuses is such an error too, not a traceback."""
    write(tmp_path, "staff_channel: C1\nroles: [unclosed\nlog_level: INFO\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == (
        "communitybot.yaml line 3, column 10: not valid YAML: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence that begins at line 2, column 8)"
    )
    write(tmp_path, 'staff_channel: C1\ncommunity_name: "P2\x07PU"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == (
        "communitybot.yaml line 2, column 20: not valid YAML: "
        "unacceptable character #x0007: special characters are not allowed"
    )


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


BAD_VALUES = [
    ("COMMUNITYBOT_SLACK_PORT", "abc", "setting 'slack_port': Input should be a valid integer"),
    ("COMMUNITYBOT_SLACK_PORT", "70000", "setting 'slack_port': Input should be less than or equal to 65535"),
    ("COMMUNITYBOT_HEALTH_PORT", "-1", "setting 'health_port': Input should be greater than or equal to 0"),
    ("COMMUNITYBOT_ANSWER_THRESHOLD", "high", "setting 'answer_threshold': Input should be a valid number"),
    ("COMMUNITYBOT_LEAD_RETENTION_DAYS", "1.5", "setting 'lead_retention_days': Input should be a valid integer"),
    ("COMMUNITYBOT_STARTER_RECIPES", "maybe", "setting 'starter_recipes': 'maybe' is not one of true, false, auto"),
    ("COMMUNITYBOT_LOG_LEVEL", "LOUD", "setting 'log_level': Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'"),
    ("COMMUNITYBOT_DELIVERY_MAX_ATTEMPTS", "0", "setting 'delivery_max_attempts': Input should be greater than"),
    ("COMMUNITYBOT_HEALTH_MAX_DOWN_SECONDS", "0", "setting 'health_max_down_seconds': Input should be greater than"),
    (
        "COMMUNITYBOT_DISCORD_GUILD_IDS",
        "123,456",
        "setting 'discord_guild_ids' (COMMUNITYBOT_DISCORD_GUILD_IDS): not valid JSON; write lists and mappings as "
        'JSON, e.g. [1, 2] or {"a": 1}',
    ),
    ("COMMUNITYBOT_DISCORD_GUILD_IDS", '["general"]', "setting 'discord_guild_ids.0': Input should be a valid integer"),
    ("COMMUNITYBOT_KNOWLEDGE_DIRS", "docs/", "setting 'knowledge_dirs' (COMMUNITYBOT_KNOWLEDGE_DIRS): not valid JSON"),
    ("COMMUNITYBOT_ROLES__ADMINS", "U1", "setting 'roles' (COMMUNITYBOT_ROLES__ADMINS): not valid JSON"),
    ("COMMUNITYBOT_ROLES__ADMINZ", '["U1"]', "unknown setting 'roles.adminz'"),
    ("COMMUNITYBOT_DISCORD_SHARD_IDS", "1", "setting 'discord_shard_ids': Input should be a valid list"),
    ("DATABASE_URL", "not a url", "setting 'DATABASE_URL': not a database URL"),
    (
        "COMMUNITYBOT_STAFF_HOURS",
        '{"start": "9am"}',
        "setting 'staff_hours.start': '9am' is not a time of day; write HH:MM on a 24-hour clock, such as 09:00",
    ),
    ("COMMUNITYBOT_DIGEST_TIME", "25:00", "setting 'digest_time': '25:00' is not a time of day; write HH:MM"),
    (
        "COMMUNITYBOT_STAFF_HOURS",
        '{"timezone": "EST"}',
        "staff_hours.timezone: 'EST' is an abbreviation or a fixed offset, not a place: it may not follow the "
        "daylight-saving changes where you meet; use a region name such as `America/New_York`",
    ),
    ("COMMUNITYBOT_DIGEST_TIMEZONE", "CET", "setting 'digest_timezone': 'CET' is an abbreviation"),
    ("COMMUNITYBOT_DIGEST_TIMEZONE", "Mars/Base", "setting 'digest_timezone': Unknown time zone 'Mars/Base'"),
]


@pytest.mark.parametrize(("variable", "value", "message"), BAD_VALUES)
def test_bad_values_name_the_key_for_every_kind_of_setting(
    variable: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every kind of bad value (number, port, bool, choice, list, mapping, URL) is a ConfigError naming the key."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith("invalid settings: ")
    assert message in str(info.value)


def test_a_misspelt_environment_variable_names_itself_and_the_closest_valid_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """COMMUNITYBOT_STAF_CHANNEL is an error that suggests COMMUNITYBOT_STAFF_CHANNEL, not silently ignored."""
    monkeypatch.setenv("COMMUNITYBOT_STAF_CHANNEL", "C1")
    monkeypatch.setenv("COMMUNITYBOT_FOO", "1")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == (
        "invalid settings (2 problems):\n  - unknown environment variable COMMUNITYBOT_FOO\n"
        "  - unknown environment variable COMMUNITYBOT_STAF_CHANNEL (did you mean COMMUNITYBOT_STAFF_CHANNEL?)"
    )


def test_a_misspelt_variable_in_dotenv_is_named(tmp_path: Path) -> None:
    """The same typo in .env is named as the variable it is, with the closest valid one."""
    (tmp_path / ".env").write_text("COMMUNITYBOT_LOG_LEVL=DEBUG\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == (
        "invalid settings: unknown variable COMMUNITYBOT_LOG_LEVL (in .env) (did you mean COMMUNITYBOT_LOG_LEVEL?)"
    )


@pytest.mark.parametrize(
    ("count", "ids", "message"),
    [
        ("2", "[2]", "discord_shard_ids [2] outside the 2 shards (ids go from 0 to 1)"),
        ("4", "[0, -1, 7]", "discord_shard_ids [-1, 7] outside the 4 shards (ids go from 0 to 3)"),
        (None, "[0]", "discord_shard_ids needs discord_shard_count (the total number of shards)"),
        ("2", "[1, 1]", "discord_shard_ids lists a shard twice"),
    ],
)
def test_shard_ids_outside_the_shard_count_are_refused(
    count: str | None, ids: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shard this process cannot run is an error at start, not a gateway failure later."""
    if count is not None:
        monkeypatch.setenv("COMMUNITYBOT_DISCORD_SHARD_COUNT", count)
    monkeypatch.setenv("COMMUNITYBOT_DISCORD_SHARD_IDS", ids)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == f"invalid settings: {message}"


def test_shard_ids_inside_the_count_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """Valid shard ids load."""
    monkeypatch.setenv("COMMUNITYBOT_DISCORD_SHARD_COUNT", "4")
    monkeypatch.setenv("COMMUNITYBOT_DISCORD_SHARD_IDS", "[0, 3]")
    assert load_settings().discord_shard_ids == [0, 3]


def _cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("COMMUNITYBOT_", "SLACK_", "DISCORD_"))}
    clean.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "bot", *args]
    return subprocess.run(command, cwd=tmp_path, env={**clean, **(env or {})}, capture_output=True, text=True)


def test_the_env_example_copied_to_env_works_without_docker(tmp_path: Path) -> None:
    """`cp .env.example .env` then any command works outside Docker: POSTGRES_PASSWORD is Docker's, ignored."""
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    shown = _cli(tmp_path, "config", "show")
    assert shown.returncode == 0, shown.stderr
    assert "sqlalchemy" not in shown.stderr and "postgres_password" not in shown.stdout.lower()
    assert "discord_guild_ids: []" in shown.stdout
    upgraded = _cli(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr


def test_doctor_reports_settings_that_do_not_load(tmp_path: Path) -> None:
    """`communitybot doctor` turns a settings error into a failed check, with the typo's closest name."""
    done = _cli(tmp_path, "doctor", env={"COMMUNITYBOT_HELP_CHANEL": "C1"})
    assert done.returncode == 1
    assert done.stdout == (
        "FAIL  settings: invalid settings: unknown environment variable COMMUNITYBOT_HELP_CHANEL "
        "(did you mean COMMUNITYBOT_HELP_CHANNEL?)\n1 problem\n"
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "COMMUNITYBOT_CHANNELS",
            '{"staff": {"slak": "C0STAFF"}}',
            "setting 'channels': unknown platform 'slak' in channels.staff (platforms: console, discord, slack); "
            "did you mean 'slack'?",
        ),
        (
            "COMMUNITYBOT_CHANNELS",
            '{"staff": "C0STAFF"}',
            "setting 'channels': channels.staff should map platforms to channel ids, "
            "e.g. {slack: C0STAFF, discord: '1122'}",
        ),
        (
            "COMMUNITYBOT_CHANNELS",
            '{"help": {"discord": " "}}',
            "setting 'channels': channels.help.discord is empty: give the channel's id",
        ),
        (
            "COMMUNITYBOT_HELP_CHANNELS",
            '{"discrod": ["1122"]}',
            "setting 'help_channels': unknown platform 'discrod' in help_channels (platforms: console, discord, "
            "slack); did you mean 'discord'?",
        ),
        (
            "COMMUNITYBOT_KNOWLEDGE_DIRS",
            '[{"path": "docs", "base_url": "docs.example.org"}]',
            "setting 'knowledge_dirs.0.base_url': 'docs.example.org' is not an http(s) address: give where the docs "
            "are published, e.g. https://docs.example.org/",
        ),
        (
            "COMMUNITYBOT_KNOWLEDGE_DIRS",
            '[{"path": "docs", "base_url": "ftp://docs.example.org/"}]',
            "setting 'knowledge_dirs.0.base_url': 'ftp://docs.example.org/' is not an http(s) address: give where "
            "the docs are published, e.g. https://docs.example.org/",
        ),
    ],
)
def test_unknown_platforms_malformed_channel_maps_and_bad_base_urls_are_refused(
    variable: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A platform name that is none, a channel map that is no map or has an empty id, and a docs base_url that is
    not http(s) stop the start with the field named, instead of posts that never arrive or links that go nowhere."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    where = f"got a value from {variable}"
    if variable == "COMMUNITYBOT_KNOWLEDGE_DIRS":  # a nested value is named itself
        where = f"got {json.loads(value)[0]['base_url']!r} from COMMUNITYBOT_KNOWLEDGE_DIRS"
    assert str(info.value) == f"invalid settings: {message} ({where})"


def test_known_platforms_and_http_base_urls_are_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every platform, the any-platform ``*`` in a channel map, and an http(s) base_url load."""
    (tmp_path / "docs").mkdir()  # the working folder: a knowledge folder must be there
    monkeypatch.setenv("COMMUNITYBOT_CHANNELS", '{"staff": {"slack": "C0STAFF", "discord": "1122", "*": "staff"}}')
    monkeypatch.setenv("COMMUNITYBOT_HELP_CHANNELS", '{"console": ["help"], "slack": ["C0HELP"]}')
    monkeypatch.setenv("COMMUNITYBOT_KNOWLEDGE_DIRS", '[{"path": "docs", "base_url": "http://localhost:8000/"}]')
    settings = load_settings()
    assert settings.channels["staff"] == {"slack": "C0STAFF", "discord": "1122", "*": "staff"}
    assert settings.knowledge_dirs[0].base_url == "http://localhost:8000/"
