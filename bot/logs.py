"""Logging, configured in one place: human-readable or JSON lines, with secrets and emails redacted above DEBUG."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Literal

__all__ = ["RedactingFilter", "configure_logging"]

_NOISY = ("sqlalchemy", "aiosqlite", "alembic", "asyncio", "slack_bolt", "slack_sdk", "discord", "aiohttp")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_TOKENS = re.compile(r"\b(?:xox[abpors]-[0-9A-Za-z-]+|xapp-[0-9A-Za-z-]+|[\w-]{24,}\.[\w-]{6}\.[\w-]{27,})")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


class RedactingFilter(logging.Filter):
    """Masks emails, chat tokens and URL passwords in every record above DEBUG (the message and the traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            message = _redact(record.getMessage())
            record.msg, record.args = message, None
            if record.exc_info:
                record.exc_text = _redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


def _redact(text: str) -> str:
    text = _TOKENS.sub("[token]", text)
    text = _URL_PASSWORD.sub(r"\1***@", text)
    return _EMAIL.sub("[email]", text)


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
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
