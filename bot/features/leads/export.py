"""``leads export``: every lead as CSV."""

from __future__ import annotations

from collections.abc import Sequence

from bot.csvsafe import write_csv
from bot.features.leads.render import ref
from storage.records import Lead

__all__ = ["leads_csv"]

_HEADER = (
    "ref",
    "created_at",
    "status",
    "assignee",
    "name",
    "email",
    "organization",
    "help_kind",
    "timeline",
    "budget",
    "description",
    "duplicate_of",
)


def leads_csv(leads: Sequence[Lead]) -> str:
    """Every lead as CSV, with its current status; no cell can run as a spreadsheet formula."""
    rows = [
        (
            lead.ref,
            lead.created_at.isoformat(),
            lead.status,
            lead.assignee or "",
            lead.name or "",
            lead.email or "",
            lead.organization or "",
            lead.help_kind,
            lead.timeline or "",
            lead.budget or "",
            lead.description or "",
            ref(lead.duplicate_of) if lead.duplicate_of is not None else "",
        )
        for lead in leads
    ]
    return write_csv(_HEADER, rows)
