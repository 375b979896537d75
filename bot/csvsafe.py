"""CSV cells that a spreadsheet will not run as formulas.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula by Excel, LibreOffice
and Google Sheets (OWASP "CSV injection"). Such a cell gets a leading apostrophe, which spreadsheets show as text and
hide; every other cell is written as is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

__all__ = ["SafeWriter", "safe_cell", "write_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """``value`` as a CSV cell that cannot start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`safe_cell`.

    Args:
        out: where the CSV text is written.
    """

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row."""
        self._writer.writerow([safe_cell(value) for value in row])


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A whole CSV document, every cell passed through :func:`safe_cell`."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()
