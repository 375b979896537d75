"""Log lines never carry tokens, emails or database passwords above DEBUG."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import configure_logging

TOKEN = "xoxb-1234567890-abcdefABCDEF"
EMAIL = "ann.lee@example.org"


@pytest.fixture(autouse=True)
def restore_logging():  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    root.handlers[:], level = saved
    root.setLevel(level)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_planted_token_and_email_are_redacted(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A token, an email and a URL password in a message or a traceback come out masked, in both formats."""
    configure_logging("INFO", fmt)  # type: ignore[arg-type]
    log = logging.getLogger("test.redaction")
    log.info("connecting with %s for %s to postgresql://bot:hunter2@db/bot", TOKEN, EMAIL)
    try:
        raise RuntimeError(f"failed for {EMAIL} using {TOKEN}")
    except RuntimeError:
        log.exception("boom")
    err = capsys.readouterr().err
    assert TOKEN not in err and EMAIL not in err and "hunter2" not in err
    assert "[token]" in err and "[email]" in err and "postgresql://bot:***@db/bot" in err
    if fmt == "json":
        lines = [json.loads(line) for line in err.strip().splitlines()]
        assert lines[0]["level"] == "INFO" and "exception" in lines[1] and "RuntimeError" in lines[1]["exception"]


def test_debug_keeps_details(capsys: pytest.CaptureFixture[str]) -> None:
    """At DEBUG (for a developer's own machine) nothing is masked."""
    configure_logging("DEBUG", "text")
    logging.getLogger("test.redaction").debug("lead from %s", EMAIL)
    assert EMAIL in capsys.readouterr().err
