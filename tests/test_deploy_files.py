"""The deploy files: the compose file is valid against the Compose schema and matches the settings."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.settings import Settings
from tests.conftest import ROOT


def test_compose_file_is_valid(shared_dir: Path) -> None:
    """docker-compose.yml validates against the Compose specification's JSON schema."""
    schema = json.loads((shared_dir / "schemas" / "compose-spec.json").read_text())
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    # The schema names draft-07 by a URL form jsonschema does not recognise; say which draft explicitly.
    validator = jsonschema.Draft7Validator(schema)
    validator.validate(compose)
    broken = {**compose, "services": {"bot": {**compose["services"]["bot"], "depends_on": 5}}}
    assert not validator.is_valid(broken)  # the check can fail


def test_compose_runs_bot_against_healthy_postgres() -> None:
    """The bot waits for a healthy PostgreSQL and points DATABASE_URL at it; ports bind to loopback only."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert "healthcheck" in db
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    for service in compose["services"].values():
        assert all(str(p).startswith("127.0.0.1:") for p in service.get("ports", []))


def test_env_example_lists_every_secret() -> None:
    """Every secret the settings read from the environment appears in .env.example."""
    names = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line}
    for name, field in Settings.model_fields.items():
        if name in {"slack_bot_token", "slack_app_token", "slack_signing_secret", "discord_token"}:
            assert field.validation_alias is not None
            assert name.upper() in names


def test_what_the_commands_write_is_ignored_by_git() -> None:
    """`communitybot report` writes ./reports and the bot ./data: git status does not offer them for a commit."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    paths = ["reports/pulse-2026-01-05-2026-03-01.html", "data/communitybot.db"]
    found = subprocess.run(["git", "check-ignore", *paths], cwd=ROOT, capture_output=True, text=True, check=False)
    assert found.stdout.splitlines() == paths
