"""Erasure and expiry in the bot's own export folder (``data_dir/exports``).

``communitybot chat`` and ``scheduler tick`` save the files the bot attaches there: ``leads export`` (``leads.csv``),
``checkin export`` and ``meetings report csv`` (one row per person), ``mydata`` and ``privacy export``
(``mydata-*.json``), the calendar and the weekly digest. A forget (``leads forget``, ``mydata delete``,
``privacy forget``) runs :func:`forget_in_exports` over that folder, and so does the leads retention job for the leads
it anonymizes (by reference only: their requester is not forgotten). Files older than ``export_retention_days``
(30) are deleted (:func:`expire_exports`, a job of the people feature): an export is for taking away, not for keeping
personal data in the bot's folder.

``communitybot report`` writes the pulse report into its ``--out`` folder (``./reports`` by default) and records that
folder, as an absolute path, in the export folder's ``.report-folders`` (:func:`remember_report_folder`): the forget
and the expiry below also cover the report files there (``pulse-…`` ``.html``, ``.md``, ``.json`` and ``.png``),
and touch nothing else in those folders.

A forget:

- a CSV file loses the rows that carry one of the person's identifiers as a whole cell, and the rows of their
  requests by reference (a ``ref`` column: a request sent from their account may hold no identifier of theirs); the
  header and everyone else's rows stay, and the file is rewritten atomically;
- a JSON file (a person's data export) holding one of them as a whole value is deleted: it is that person's export,
  or one that names them, and a copy with holes in it would no longer be what was exported; in any other JSON file
  (a report) each mention of them in a string value becomes ``(forgotten)``;
- a text file (a digest or report page in HTML or Markdown, a calendar) has each mention of them replaced by
  ``(forgotten)``, as the database forget does in free text. A report's charts draw its question texts as labels,
  which cannot be masked in a picture: a report page that mentioned the person loses its inline charts, and every
  PNG chart of the same report beside it (``pulse-…-*.png``) is deleted with the gaps chart (``communitybot report``
  draws them again). The other charts hold numbers, weeks and group names only, and are never searched.

Identifiers are matched exactly as the erasure itself knows them: emails ignoring case (as the database forget
does), names and user ids exactly, a user id also as ``platform:id``; in free text, as
:func:`storage.forget.mentions` finds them (also HTML-escaped in a page). Nothing fuzzy, and nothing is logged but
counts.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import logging
import re
import time
from collections.abc import Iterable
from datetime import timedelta
from html import escape
from pathlib import Path
from typing import Any

from bot.settings import Settings
from knowledge.files import write_atomically
from storage.forget import FORGOTTEN, Person, mentions

__all__ = ["expire_exports", "export_folder", "folders_text", "forget_in_exports", "remember_report_folder"]

log = logging.getLogger(__name__)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what bot.csvsafe escapes with a leading apostrophe
_RECORD = ".report-folders"
_REPORT_FILE = re.compile(r"pulse-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d(?:-[a-z]+)?\.(?:html|md|json|png)")
_TEXT = frozenset({".html", ".htm", ".md", ".txt", ".ics"})
_HTML = frozenset({".html", ".htm"})
_FIGURE = re.compile(r'<figure><img src="data:image/png;base64,[A-Za-z0-9+/=]*"[^>]*></figure>')


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


def remember_report_folder(exports: Path, out: Path) -> None:
    """Record ``out``, where ``communitybot report`` wrote, so that erasure and expiry reach the reports there."""
    folders = _report_folders(exports)
    where = out.resolve()
    if where not in folders and where != exports.resolve():
        exports.mkdir(parents=True, exist_ok=True)
        lines = "".join(f"{folder}\n" for folder in [*folders, where])
        write_atomically(exports / _RECORD, lines.encode("utf-8", errors="surrogateescape"), prefix=".export-")


def folders_text(exports: Path) -> str:
    """Where an erasure looks, for its reply: ``data/exports``, or ``data/exports and /srv/bot/reports``."""
    folders = [str(exports), *(str(f) for f in _report_folders(exports) if f.is_dir())]
    return folders[0] if len(folders) == 1 else ", ".join(folders[:-1]) + " and " + folders[-1]


def _report_folders(exports: Path) -> list[Path]:
    try:
        text = (exports / _RECORD).read_bytes().decode("utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return []
    return [Path(line) for line in text.splitlines() if line.strip()]


def _is_report(path: Path) -> bool:
    return _REPORT_FILE.fullmatch(path.name) is not None


def _files(folder: Path | None) -> list[Path]:
    """The files the bot wrote: everything in the export folder but the record, the reports in recorded folders."""
    if folder is None or not folder.is_dir():
        return []
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and p.name != _RECORD]
    for other in _report_folders(folder):
        if other.is_dir():
            files += [p for p in sorted(other.iterdir()) if p.is_file() and _is_report(p)]
    return files


def expire_exports(folder: Path | None, max_age: timedelta) -> int:
    """Delete the files in ``folder`` (and the reports in the folders it records) last written more than ``max_age``
    ago; how many were deleted (None or missing: 0). Ages are read on the file system's own clock, as the files'
    times are."""
    oldest = time.time() - max_age.total_seconds()
    gone = 0
    for path in _files(folder):
        if path.stat().st_mtime < oldest:
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
    matches = _Matcher(person)
    plain = mentions(person)
    emails, names = {escape(e) for e in person.emails}, {escape(n) for n in person.names}
    html = mentions(Person(person.emails | emails, person.names | names, person.user_ids))
    changed = 0
    for path in _files(folder):
        suffix = path.suffix.lower()
        if path.name.startswith(".") or not path.exists():  # a temporary file, or a chart deleted with its page
            continue
        if suffix == ".csv":
            changed += _forget_in_csv(path, matches, frozenset(refs))
        elif suffix == ".json":
            changed += _forget_in_json(path, matches, plain)
        elif suffix in _TEXT:
            changed += _forget_in_text(path, html if suffix in _HTML else plain)
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


def _forget_in_json(path: Path, matches: _Matcher, mentioned: re.Pattern[str] | None) -> int:
    """Delete ``path`` if one of its values is the person's, else mask their mentions; 1 if it changed."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return 0  # not a file the bot wrote
    if _holds(document, matches):
        path.unlink(missing_ok=True)
        return 1
    masked = _masked(document, mentioned) if mentioned is not None else document
    if masked == document:
        return 0
    write_atomically(path, (json.dumps(masked, indent=2, ensure_ascii=False) + "\n").encode(), prefix=".export-")
    return 1


def _masked(value: Any, mentioned: re.Pattern[str]) -> Any:
    """A JSON value with each mention of the person in its strings (never its keys) replaced."""
    if isinstance(value, str):
        return mentioned.sub(FORGOTTEN, value)
    if isinstance(value, dict):
        return {key: _masked(item, mentioned) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, mentioned) for item in value]
    return value


def _forget_in_text(path: Path, mentioned: re.Pattern[str] | None) -> int:
    """Mask each mention of the person in ``path`` (a page loses its charts too); how many files changed."""
    text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    if path.suffix.lower() in _HTML:
        text = _FIGURE.sub("", text)  # charts are kept unless the page mentions the person (and never searched)
    masked = mentioned.sub(FORGOTTEN, text) if mentioned is not None else text
    if masked == text:
        return 0
    write_atomically(path, masked.encode("utf-8", errors="surrogateescape"), prefix=".export-")
    charts = list(path.parent.glob(f"{glob.escape(path.stem)}-*.png")) if path.name.startswith("pulse-") else []
    for chart in charts:
        chart.unlink(missing_ok=True)
    return 1 + len(charts)


def _holds(value: Any, matches: _Matcher) -> bool:
    """Whether a JSON value (never a key) is one of the person's identifiers, at any depth."""
    if isinstance(value, str):
        return matches(value)
    if isinstance(value, dict):
        return any(_holds(item, matches) for item in value.values())
    if isinstance(value, list):
        return any(_holds(item, matches) for item in value)
    return False
