"""How a person is found in a column: the ``info["personal"]`` marks of the models, and the matcher that reads them.

:mod:`storage.forget` (erasure) and :mod:`storage.personal` (export) both find the person through these, so what is
exported is what would be forgotten. The marks are described in :mod:`storage.models` and :mod:`storage.forget`.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, String, Table, and_, func, or_

from storage.wording import owned_columns

__all__ = ["FORGOTTEN", "KINDS", "Person", "UnmarkedColumn", "mentions", "personal_kind"]

FORGOTTEN = "(forgotten)"
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
KINDS = frozenset({"owner", "id", "text", "json", "no"})


class UnmarkedColumn(ValueError):
    """A string column whose model does not say whether it holds personal data."""


@dataclass(frozen=True)
class Person:
    """How a person is named in the data.

    Attributes:
        emails: email addresses (any case).
        names: full names, as typed in forms.
        user_ids: platform user ids (``U0123``, a Discord snowflake, a console user name).
    """

    emails: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    user_ids: frozenset[str] = frozenset()

    def identifiers(self) -> list[str]:
        """Every identifier, longest first (so a name inside an email is not replaced before the email)."""
        return sorted({*self.emails, *self.names, *self.user_ids} - {""}, key=len, reverse=True)


def personal_kind(column: Column[Any]) -> str:
    """How ``column`` is marked (one of :data:`KINDS`).

    Raises:
        UnmarkedColumn: the column is not marked, or marked with an unknown kind.
    """
    kind = column.info.get("personal")
    if kind not in KINDS:
        table = getattr(column, "table", None)
        name = f"{table.name}.{column.name}" if table is not None else column.name
        raise UnmarkedColumn(f"column {name} must say info={{'personal': ...}}, one of {sorted(KINDS)}")
    return str(kind)


@dataclass(frozen=True)
class _Mark:
    """One string column that may hold personal data, and how."""

    column: Column[Any]
    kind: str
    keys: frozenset[str] | None = None  # json: only these top-level keys hold personal text
    owner_key: str | None = None  # json: the user id under this key makes the row that user's own
    when: tuple[str, tuple[str, ...]] | None = None  # only rows whose column holds one of these values
    owns: tuple[str, ...] = ()  # id: the row's columns that are the own words of whom it names
    forgotten: str | None = FORGOTTEN  # id: what the person's value becomes (``personal_forgotten``)

    def applies(self, row: Any) -> bool:
        return self.when is None or row[self.when[0]] in self.when[1]


def _marks(table: Table) -> list[_Mark]:
    out = []
    for column in table.columns:
        if not isinstance(column.type, String) or personal_kind(column) == "no":
            continue
        keys = column.info.get("personal_keys")
        out.append(
            _Mark(
                column,
                personal_kind(column),
                frozenset(keys) if keys is not None else None,
                column.info.get("personal_owner"),
                column.info.get("personal_when"),
                owned_columns(column),
                column.info.get("personal_forgotten", FORGOTTEN),
            )
        )
    return out


def _distinctive(user_id: str) -> bool:
    return len(user_id) >= 6 or any(ch.isdigit() for ch in user_id)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _lowered(values: Sequence[str]) -> list[str]:
    """Substrings, lower-cased, that a ``lower(column)`` naming one of ``values`` contains (raw or JSON-escaped).

    SQLite's ``lower`` folds ASCII letters only: for a value with other letters (``María``) the filter uses its
    longest ASCII stretch (``a Testperson``) when there is a usable one, else its usual spellings in any case.
    """
    out: set[str] = set()
    for value in values:
        piece = max(_NON_ASCII.split(value), key=len)
        if value.isascii() or len(piece.strip()) >= 3:
            spellings = {piece}
        else:
            spellings = {value, value.lower(), value.upper(), value.title()}
        out |= {form.translate(_ASCII_LOWER) for v in spellings for form in (v, json.dumps(v)[1:-1])}
    return sorted(out)


@dataclass(frozen=True)
class _Matcher:
    """Finds the person: ``text`` in free text, ``ident`` as a whole ``id``/``owner`` value."""

    text: re.Pattern[str] | None
    ident: re.Pattern[str] | None
    text_needles: list[str]
    id_needles: list[str]

    @classmethod
    def of(cls, person: Person) -> _Matcher:
        words = [i for i in person.identifiers() if i in person.names or (i in person.user_ids and _distinctive(i))]
        words = [w for w in words if w not in person.emails]
        emails = sorted(person.emails - {""}, key=len, reverse=True)
        in_text = [*(re.escape(e) for e in emails), *(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words)]
        ids = sorted((person.user_ids | person.emails) - {""}, key=len, reverse=True)
        ident = "|".join(re.escape(i) for i in ids)
        return cls(
            re.compile("|".join(in_text), re.IGNORECASE) if in_text else None,
            re.compile(rf"(?:[a-z]+:)?(?:{ident})", re.IGNORECASE) if ident else None,
            _lowered([*emails, *words]),
            _lowered(ids),
        )

    def is_person(self, value: object) -> bool:
        """Whether ``value`` is, as a whole, one of the person's user ids or emails."""
        return isinstance(value, str) and self.ident is not None and self.ident.fullmatch(value) is not None

    def mask(self, value: str) -> str:
        """``value`` with every mention of the person in free text replaced."""
        return self.text.sub(FORGOTTEN, value) if self.text is not None else value

    def mask_json(self, data: Any, keys: frozenset[str] | None = None) -> Any:
        """``data`` with its string values (under ``keys`` at the top, when given) masked; keys are kept."""
        if isinstance(data, str):
            return self.mask(data)
        if isinstance(data, list):
            return [self.mask_json(v) for v in data]
        if isinstance(data, dict):
            return {k: self.mask_json(v) if keys is None or k in keys else v for k, v in data.items()}
        return data

    def candidates(self, mark: _Mark) -> ColumnElement[bool] | None:
        """A cheap SQL filter for rows whose ``mark`` column may name the person."""
        needles = self.id_needles if mark.kind in ("owner", "id") else self.text_needles
        if mark.kind == "json" and mark.owner_key is not None:
            needles = sorted({*needles, *self.id_needles})
        if not needles:
            return None
        found = or_(*(func.lower(mark.column).contains(n, autoescape=True) for n in needles))
        return and_(found, mark.column.table.c[mark.when[0]].in_(mark.when[1])) if mark.when else found


def mentions(person: Person) -> re.Pattern[str] | None:
    """What names ``person`` in free text, as the forget masks it in the database (None: nothing to look for).

    Emails anywhere, names and distinctive user ids as whole words, all ignoring case.
    """
    return _Matcher.of(person).text
