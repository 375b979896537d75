"""Webhook settings: environment only, masked in `config show`, and checked by `communitybot doctor`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.main.doctor import run_checks
from bot.settings import Settings, load_settings
from tests.bot.features.webhooks.receiver import SECRET

GOOD = {"url": "https://crm.example.org/hooks/cb?token=t0ken", "secret": SECRET, "events": ["lead.created"]}


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_webhooks_come_from_the_environment_and_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    """COMMUNITYBOT_WEBHOOKS is read as JSON; `config show` prints neither the URL nor the secret."""
    monkeypatch.setenv("COMMUNITYBOT_WEBHOOKS", json.dumps([GOOD]))
    settings = load_settings()
    (hook,) = settings.webhooks
    assert hook.url == GOOD["url"] and hook.secret.get_secret_value() == SECRET and hook.events == ["lead.created"]
    view = str(settings.public_view())
    assert "t0ken" not in view and SECRET.removeprefix("whsec_") not in view


def test_webhooks_in_yaml_are_refused(tmp_path: Path) -> None:
    """Webhooks hold secrets: the YAML file may not set them."""
    (tmp_path / "communitybot.yaml").write_text("webhooks:\n  - {url: 'https://x.example', secret: whsec_abc}\n")
    with pytest.raises(ConfigError, match="may only be set in the environment"):
        load_settings()


def test_an_unknown_event_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A typo in an event name stops the bot at start, naming the setting."""
    monkeypatch.setenv("COMMUNITYBOT_WEBHOOKS", json.dumps([{**GOOD, "events": ["lead.craeted"]}]))
    with pytest.raises(ConfigError, match="webhooks"):
        load_settings()


@pytest.mark.parametrize(
    ("url", "secret", "ok", "says"),
    [
        (GOOD["url"], SECRET, True, "URL and secret look right"),
        ("http://localhost:8080/hook", SECRET, True, "URL and secret look right"),
        ("http://127.0.0.1:8080/hook", SECRET, True, "URL and secret look right"),
        ("http://crm.example.org/hook?token=t0ken", SECRET, False, "must be https"),
        ("ftp://crm.example.org/t0ken", SECRET, False, "must be https"),
        ("https:///t0ken", SECRET, False, "no host"),
        (GOOD["url"], "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", False, "must start with whsec_"),
        (GOOD["url"], "whsec_not*base64!", False, "not base64"),
        (GOOD["url"], "whsec_c2hvcnQ=", False, "5 bytes"),
    ],
)
async def test_doctor_checks_url_and_secret_without_printing_them(
    tmp_path: Path, url: str, secret: str, ok: bool, says: str
) -> None:
    """Each webhook gets a line: https (or http to localhost), a whsec_ base64 secret; neither is printed."""
    settings = Settings(data_dir=tmp_path, webhooks=[{"url": url, "secret": secret}])  # type: ignore[list-item]
    checks = {c.name: c for c in await run_checks(settings)}
    check = checks["webhook 1"]
    assert check.ok is ok and says in check.detail, check
    printed = " ".join(f"{c.name} {c.detail}" for c in checks.values())
    assert "t0ken" not in printed and secret.removeprefix("whsec_") not in printed


async def test_doctor_without_webhooks_says_so(tmp_path: Path) -> None:
    """No webhooks configured is fine."""
    checks = {c.name: c for c in await run_checks(Settings(data_dir=tmp_path))}
    assert checks["webhooks"].ok and checks["webhooks"].detail == "none configured"
