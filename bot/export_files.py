"""Erasure and expiry in the bot's own export folder (``data_dir/exports``).

``communitybot chat`` and ``scheduler tick`` save the files the bot attaches there: ``leads export`` (``leads.csv``),
``checkin export`` and ``meetings report csv`` (one row per person), ``mydata`` and ``privacy export``
(``mydata-*.json``), the calendar and the weekly digest. A forget (``leads forget``, ``mydata delete``,
``privacy forget``) runs :func:`forget_in_exports` over that folder, and so does the leads retention job for the leads
it anonymizes (by reference only: their requester is not forgotten). Files older than ``export_retention_days``
(30) are deleted (:func:`expire_exports`, a job of the people feature): an export is for taking away, not for keeping
personal data in the bot's folder.

A forget:

- a CSV file loses the rows that carry one of the person's identifiers as a whole cell, and the rows of their
  requests by reference (a ``ref`` column: a request sent from their account may hold no identifier of theirs); the
  header and everyone else's rows stay, and the file is rewritten atomically;
- a JSON file (a person's data export) holding one of them as a whole value is deleted: it is that person's export,
  or one that names them, and a copy with holes in it would no longer be what was exported;
- other files (calendar, digest pages and charts) hold no per-person rows and are left alone.

Identifiers are matched exactly as the erasure itself knows them: emails ignoring case (as the database forget
does), names and user ids exactly, a user id also as ``platform:id``. Nothing fuzzy, and nothing is logged but counts.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.settings import Settings
from knowledge.files import write_atomically
from storage.forget import Person

__all__ = ["expire_exports", "export_folder", "forget_in_exports"]

log = logging.getLogger(__name__)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what bot.csvsafe escapes with a leading apostrophe


class _Matcher:
    """Whether a whole cell or JSON value is one of the person's identifiers."""

    def __init__(self, person: Person) -> None:
        self._emails = {email.casefold() for email in person.emails if email}
        self._exact = {value for value in (*person.names, *person.user_ids) if value}
        self._ids = {user for user in person.user_ids if user}

    def __call__(self, value: str) -> bool:
        if value.startswith("'") and value[1:].startswith(_FORMULA_START):
            value = value[1:]  # a cell bot.csvsafe escaped: compare what was written, not the escape
        if value in self._exact or value.casefold() in self._emails:
            return True
        platform, colon, user = value.partition(":")
        return bool(colon and platform and user in self._ids)


def export_folder(settings: Settings) -> Path:
    """Where ``communitybot chat`` and ``scheduler tick`` save the files the bot attaches (``data_dir/exports``)."""
    return settings.data_dir / "exports"


def expire_exports(folder: Path | None, max_age: timedelta) -> int:
    """Delete the files in ``folder`` last written more than ``max_age`` ago; how many were deleted (None or missing:
    0). Ages are read on the file system's own clock, as the files' times are."""
    if folder is None or not folder.is_dir():
        return 0
    oldest = time.time() - max_age.total_seconds()
    gone = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < oldest:
            path.unlink(missing_ok=True)
            gone += 1
    return gone


def forget_in_exports(folder: Path | None, person: Person, refs: Iterable[str] = ()) -> int:
    """Remove the person from the export files in ``folder``; how many files were rewritten or deleted.

    Args:
        folder: the export folder (None or missing: nothing to do).
        person: the person's emails, names and user ids, as the erasure found them.
        refs: the references of the person's requests (``L-0002``), dropped from a CSV's ``ref`` column.
    """
    if folder is None or not folder.is_dir():
        return 0
    matches = _Matcher(person)
    changed = 0
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        suffix = path.suffix.lower()
        if suffix == ".csv":
            changed += _forget_in_csv(path, matches, frozenset(refs))
        elif suffix == ".json":
            changed += _forget_in_json(path, matches)
    if changed:
        log.info("removed a forgotten person from %d export file(s)", changed)
    return changed


def _forget_in_csv(path: Path, matches: _Matcher, refs: frozenset[str]) -> int:
    """Rewrite ``path`` without the rows that carry the person; 1 if it changed."""
    text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    at = rows[0].index("ref") if rows and "ref" in rows[0] else None

    def theirs(row: list[str]) -> bool:
        return any(matches(cell) for cell in row) or (at is not None and at < len(row) and row[at] in refs)

    kept = rows[:1] + [row for row in rows[1:] if not theirs(row)]
    if len(kept) == len(rows):
        return 0
    out = io.StringIO()
    csv.writer(out).writerows(kept)  # cells as read: their formula escapes stay
    write_atomically(path, out.getvalue().encode("utf-8", errors="surrogateescape"), prefix=".export-")
    return 1


def _forget_in_json(path: Path, matches: _Matcher) -> int:
    """Delete ``path`` if one of its values is the person's; 1 if it was deleted."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return 0  # not a file the bot wrote
    if not _holds(document, matches):
        return 0
    path.unlink(missing_ok=True)
    return 1


def _holds(value: Any, matches: _Matcher) -> bool:
    """Whether a JSON value (never a key) is one of the person's identifiers, at any depth."""
    if isinstance(value, str):
        return matches(value)
    if isinstance(value, dict):
        return any(_holds(item, matches) for item in value.values())
    if isinstance(value, list):
        return any(_holds(item, matches) for item in value)
    return False
