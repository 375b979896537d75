"""Argument types shared by several subcommands: they turn text into values or tell argparse what is wrong."""

from __future__ import annotations

import argparse
import os
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bot.settings_models import docs_url_problem

__all__ = ["aware_datetime", "day", "output_file", "output_folder", "public_url", "question", "url_problem"]

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def aware_datetime(text: str) -> datetime:
    """An ISO 8601 instant that names its time zone."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date and time") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone; add Z or an offset like +02:00")
    return value


def day(text: str) -> date:
    """A date like 2026-11-02."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-02") from None


def output_folder(text: str) -> Path:
    """A folder to write files into: there already, or one that can be made (checked before any work is done)."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file: give a folder to write into")
    _writable(next((p for p in (path, *path.parents) if p.exists()), Path(".")), text)
    return path


def output_file(text: str) -> Path:
    """A file to write: in a folder that is there and writable, and not a folder itself (checked before the work
    whose results it holds is done)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder: give a file name")
    folder = path.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: the folder {folder} does not exist")
    _writable(folder, text)
    return path


def _writable(folder: Path, given: str) -> None:
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{given}: cannot write in {folder}")


def question(text: str) -> str:
    """A question with some words in it (an empty one would only be declined as if the bot did not know it)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the question is empty; type one, like 'how do I start a circle?'")
    return text


def docs_url(text: str) -> str:
    """Where a docs tree is published, checked as the ``knowledge_dirs`` setting checks it."""
    problem = docs_url_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def url_problem(url: str) -> str | None:
    """What is wrong with an address the bot is reached at or sends to (None: nothing): it must be https, or plain
    http to this machine. The URL itself is not repeated: it may hold a token."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "URL does not parse"
    if parts.scheme not in ("http", "https"):
        return "URL must be https (plain http only to localhost)"
    if not host:
        return "URL has no host"
    if parts.scheme == "https" or host in _LOCAL_HOSTS:
        return None
    return "URL must be https (plain http only to localhost)"


def public_url(text: str) -> str:
    """The bot's public address, like https://bot.example.org (http only for localhost)."""
    problem = url_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{text!r}: {problem}, like https://bot.example.org")
    return text
