"""Log lines never carry tokens, emails or database passwords above DEBUG."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from bot.logs import MAX_MESSAGE, configure_logging, mask_contacts
from storage import Database
from storage.models import LeadRow

TOKEN = "xoxb-1234567890-abcdefABCDEF"
EMAIL = "ann.lee@example.org"


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


def test_a_mebibyte_hostile_line_is_logged_quickly_and_cut(capsys: pytest.CaptureFixture[str]) -> None:
    """A 1 MiB line built to make the masks backtrack is cut and masked in well under a second."""
    configure_logging("INFO", "text")
    log = logging.getLogger("test.redaction")
    hostile = [
        "a" * 2**20,
        "a." * 2**19,
        "a@" * 2**19,
        "a%40" * 2**18,
        "a-" * 2**19,
        "://a:" * (2**20 // 5),
        EMAIL + "-" * 2**20,
    ]
    for line in hostile:
        started = time.perf_counter()
        log.warning("refused request body: %s", line)
        assert time.perf_counter() - started < 1.0
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == len(hostile)
    assert all(len(line) < MAX_MESSAGE + 200 and "more characters cut]" in line for line in lines)
    assert EMAIL not in err and "[email]" in lines[-1]


@pytest.mark.parametrize(
    "planted",
    [
        "ann.lee%40example.org",
        "ANN.LEE%40EXAMPLE.ORG",
        "ann.lee%2540example.org",
        "email=ann.lee%40example.org&name=Ann",
        "mailto:ann.lee@example.org",
    ],
)
def test_url_encoded_emails_are_masked(planted: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An email escaped as it appears in a form body or a query string is masked like a plain one."""
    configure_logging("INFO", "text")
    logging.getLogger("test.redaction").warning("refused request: %s", planted)
    err = capsys.readouterr().err
    assert "example.org" not in err.lower() and "[email]" in err


def test_sql_parameters_and_row_details_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    """A database error quoting the row (SQLAlchemy parameters, PostgreSQL DETAIL) keeps the SQL, not the values."""
    configure_logging("INFO", "text")
    error = (
        '(asyncpg.exceptions.NotNullViolationError) null value in column "help_kind"\n'
        "DETAIL:  Failing row contains (1, Zelda Quartermaine, Acme Learning, null).\n"
        "[SQL: INSERT INTO leads (name, organization) VALUES ($1, $2)]\n"
        "[parameters: ('Zelda Quartermaine', 'Acme Learning')]\n"
        "DETAIL:  Key (name)=(Zelda Quartermaine) already exists."
    )
    logging.getLogger("test.redaction").error("storage failed: %s", error)
    err = capsys.readouterr().err
    assert "Zelda" not in err and "Acme" not in err
    assert "[SQL: INSERT INTO leads (name, organization) VALUES ($1, $2)]" in err
    assert "[parameters: hidden]" in err and "Failing row contains [hidden]" in err and "Key (name)=([hidden]" in err


async def test_a_failing_insert_does_not_carry_its_parameters(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """The engine hides SQL parameters, so a storage error logged anywhere (even unfiltered) names no lead."""
    now = datetime(2026, 3, 2, tzinfo=UTC)
    with pytest.raises(IntegrityError) as caught:
        async with db.session() as session:
            session.add(
                LeadRow(
                    name="Zelda Quartermaine",
                    organization="Acme Learning",
                    platform="test",
                    created_at=now,
                    updated_at=now,
                )
            )
    with caplog.at_level(logging.ERROR):
        logging.getLogger("test.storage").error("insert failed: %s", caught.value)
    assert "INSERT INTO leads" in caplog.text
    assert "Zelda" not in caplog.text and "Acme" not in caplog.text


def test_slack_bolt_info_lines_stay_out_even_when_bolt_sets_its_own_level(capsys: pytest.CaptureFixture[str]) -> None:
    """slack_bolt gives its app logger the root's level and logs refused bodies at INFO: they are still dropped."""
    configure_logging("INFO", "text")
    bolt = logging.getLogger("slack_bolt.AsyncApp")
    bolt.setLevel(logging.INFO)  # what slack_bolt's get_bolt_logger does
    try:
        bolt.info("Invalid request signature detected (body: token=abc&text=%s)", "x" * 100)
        bolt.warning("Failed to run a middleware")
        logging.getLogger("bot.test").info("the bot's own INFO line")
    finally:
        bolt.setLevel(logging.NOTSET)
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == [
        "WARNING slack_bolt.AsyncApp: Failed to run a middleware",
        "INFO bot.test: the bot's own INFO line",
    ]


def test_contacts_are_masked_in_shown_text_but_dates_and_references_stay() -> None:
    """mask_contacts (for question texts in digests and reports): emails and phone numbers go, dates, lead
    references, versions and short numbers stay."""
    assert mask_contacts("mail ann.lee@example.org or ring 0612 345 678, +44 20 7946 0958, (555) 123-4567.") == (
        "mail [email] or ring [phone], [phone], [phone]."
    )
    kept = "L-0042 met on 2026-11-10 12:30 with 12 people, python 3.11.2, room 1234567"
    assert mask_contacts(kept) == kept


def test_contact_masking_stays_linear_on_hostile_input() -> None:
    """A long run of digits and separators is masked (or left) in well under a second."""
    started = time.perf_counter()
    mask_contacts("1 (" * 50_000 + "x" + "5-" * 50_000)
    assert time.perf_counter() - started < 1
