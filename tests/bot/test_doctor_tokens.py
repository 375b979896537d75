"""``communitybot doctor`` on chat tokens: what a misshapen token should look like, swapped Slack tokens, and an
adapter whose packages a plain ``pip install .`` does not bring."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.main.doctor import Check, run_checks
from bot.settings import Settings

BOT_TOKEN = "xoxb-1234-5678-abcdefSECRET"
APP_TOKEN = "xapp-1-A0123-4567-abcdefSECRET"


async def _checks(settings: Settings) -> dict[str, Check]:
    return {c.name: c for c in await run_checks(settings)}


async def test_swapped_slack_tokens_are_named_as_swapped_without_printing_them(tmp_path: Path) -> None:
    """An app token in SLACK_BOT_TOKEN and a bot token in SLACK_APP_TOKEN: each line says what the token should start
    with and that the two look swapped; neither token is printed."""
    settings = Settings(data_dir=tmp_path, slack_bot_token=SecretStr(APP_TOKEN), slack_app_token=SecretStr(BOT_TOKEN))
    checks = await _checks(settings)
    assert (checks["SLACK_BOT_TOKEN"].ok, checks["SLACK_BOT_TOKEN"].detail) == (
        False,
        "set, does not look like one: a bot token starts with xoxb- (OAuth & Permissions → Bot User OAuth Token); "
        "it looks like a SLACK_APP_TOKEN: the two may be swapped",
    )
    assert (checks["SLACK_APP_TOKEN"].ok, checks["SLACK_APP_TOKEN"].detail) == (
        False,
        "set, does not look like one: an app-level token starts with xapp- (Basic Information → App-Level Tokens); "
        "it looks like a SLACK_BOT_TOKEN: the two may be swapped",
    )
    assert "SECRET" not in " ".join(c.detail for c in checks.values())


async def test_a_discord_token_of_the_wrong_shape_says_what_one_looks_like(tmp_path: Path) -> None:
    checks = await _checks(Settings(data_dir=tmp_path, discord_token=SecretStr("abcSECRET")))
    assert checks["DISCORD_TOKEN"].detail == (
        "set, does not look like one: a bot token is three dot-separated parts (Bot → Reset Token)"
    )


async def test_tokens_for_an_adapter_that_is_not_installed_fail_with_the_install_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Well-formed Slack tokens after a plain `pip install .` passed doctor, then `communitybot run` exited 2 with
    'the Slack adapter is not installed': doctor now says so first, with the extra to install."""
    settings = Settings(data_dir=tmp_path, slack_bot_token=SecretStr(BOT_TOKEN), slack_app_token=SecretStr(APP_TOKEN))
    installed = (await _checks(settings))["Slack adapter"]
    assert (installed.ok, installed.detail) == (True, "installed")
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "slack_bolt" else find_spec(name, *a)
    )
    checks = await _checks(settings)
    check = checks["Slack adapter"]
    assert (check.ok, check.detail) == (
        False,
        "not installed (slack_bolt missing): pip install 'communitybot[slack]'",
    )
    assert "Discord adapter" not in checks
