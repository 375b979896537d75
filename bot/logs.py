"""Logging, configured in one place: human-readable or JSON lines, with secrets and personal data redacted above DEBUG.

Redaction runs on every record, some of which quote untrusted input (a refused request's body, a database error
with its parameters), so it must stay cheap whatever the input: a message is cut to :data:`MAX_MESSAGE` characters
first, and every pattern below is written to run in linear time (each one can only start a match at the beginning
of a run of its characters, so no input makes it rescan the same run from every position).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Literal

__all__ = ["MAX_MESSAGE", "RedactingFilter", "configure_logging", "mask_contacts", "redact", "without_contacts"]

MAX_MESSAGE = 8_000
"""Characters of a message (and of a traceback) kept; the rest is dropped before masking."""

_NOISY = ("sqlalchemy", "aiosqlite", "alembic", "asyncio", "slack_bolt", "slack_sdk", "discord", "aiohttp")
# An email, also URL-encoded (%40, or %2540 when encoded twice). The look-behind makes a match start only where a
# run of address characters starts, which keeps the search linear.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+(?:@|%40|%2540)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    re.IGNORECASE,
)
# A phone number as members type one: "+1 (555) 123-4567", "0612 345 678", "555.123.4567". A match starts only where
# a run of number characters starts (linear); what it found counts as a phone when it has 8 to 15 digits (E.164)
# and holds no ISO date.
_PHONE = re.compile(r"(?<![\w+.(-])[+(]?\d[\d ().-]*\d")
_PHONE_DIGITS = range(8, 16)
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_TOKENS = re.compile(
    r"(?<![\w-])(?:xox[abpors]-[0-9A-Za-z-]+|xapp-[0-9A-Za-z-]+|[\w-]{24,}\.[\w-]{6}\.[\w-]{27,})(?![\w-])"
)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s/]+@")
# SQLAlchemy's "[parameters: (...)]" and PostgreSQL's DETAIL lines quote the row: names, organizations, notes.
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
_SQL_DETAIL = re.compile(r"(Key \([^)\n]*\)=\()[^\n]*|(Failing row contains )[^\n]*")


class RedactingFilter(logging.Filter):
    """Masks emails, chat tokens, URL passwords and SQL parameters in every record above DEBUG.

    The message and the traceback are each cut to :data:`MAX_MESSAGE` characters before masking.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            message = redact(record.getMessage())
            record.msg, record.args = message, None
            if record.exc_info:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
            elif record.exc_text:
                record.exc_text = redact(record.exc_text)
        return True


def redact(text: str) -> str:
    """``text`` cut to :data:`MAX_MESSAGE` characters, with secrets and personal data masked (linear time)."""
    if len(text) > MAX_MESSAGE:
        text = f"{text[:MAX_MESSAGE]}… [{len(text) - MAX_MESSAGE} more characters cut]"
    text = _SQL_PARAMETERS.sub("[parameters: hidden]", text)
    text = _SQL_DETAIL.sub(lambda m: (m.group(1) or m.group(2)) + "[hidden]", text)
    text = _TOKENS.sub("[token]", text)
    text = _URL_PASSWORD.sub(r"\1***@", text)
    return _EMAIL.sub("[email]", text)


def mask_contacts(text: str) -> str:
    """``text`` with email addresses (as :func:`redact` finds them) and phone numbers masked: ``[email]``, ``[phone]``.

    For what members typed and the bot shows others in a digest or report: they paste contact details into questions.
    """
    return _PHONE.sub(_phone, _EMAIL.sub("[email]", text))


def without_contacts(text: str) -> str:
    """``text`` with the emails and phone numbers :func:`mask_contacts` masks left out, for what is made of a
    question's words (a recipe draft's id or file name) or tells whether a question says anything else."""
    return _PHONE.sub(lambda m: "" if _phone(m) != m.group() else m.group(), _EMAIL.sub("", text))


def _phone(match: re.Match[str]) -> str:
    found = match.group()
    digits = sum(ch.isdigit() for ch in found)
    return "[phone]" if digits in _PHONE_DIGITS and not _ISO_DATE.search(found) else found


class _QuietLibraries(logging.Filter):
    """Drops the noisy libraries' records below ``threshold`` whatever level their own loggers were given.

    Setting a library's logger to WARNING is not enough: slack_bolt gives ``slack_bolt.AsyncApp`` the root logger's
    level, and logs the body of every request that fails signature verification at INFO.
    """

    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= self.threshold:
            return True
        return not any(record.name == n or record.name.startswith(n + ".") for n in _NOISY)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            data["exception"] = record.exc_text
        elif record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data)


def configure_logging(level: str, fmt: Literal["text", "json"] = "text") -> None:
    """Set up the root logger once: ``level``, ``fmt``, redaction, and noisy libraries turned down."""
    threshold = max(logging.WARNING, logging.getLevelName(level))
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_QuietLibraries(threshold))
    handler.addFilter(RedactingFilter())
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(threshold)
