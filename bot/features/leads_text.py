"""What the leads feature says and shows: messages, a lead's summary, fields and buttons, and the CSV export.

Every value a requester or staff member typed is passed through :func:`bot.usertext.quote` before it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.csvsafe import write_csv
from bot.events import Button
from bot.usertext import quote
from storage.records import Lead, LeadEvent

__all__ = [
    "HELP_KINDS",
    "details",
    "history_lines",
    "kind_label",
    "leads_csv",
    "summary",
    "triage_buttons",
]

HELP_KINDS = (
    ("training", "Facilitator training"),
    ("course_design", "Course design"),
    ("pilot", "Running a pilot"),
    ("hosting", "Hosting / technical work"),
    ("research", "Research partnership"),
    ("other", "Something else"),
)

INTRO = "Tell us a little about what you'd like to do, and someone from the team will get in touch."
THANKS = "Thank you! Your request is {ref}. Someone from the team will be in touch by email."
STAFF_NEW = "New consulting request {ref}"
POSSIBLE_DUPLICATE = (
    "Possible duplicate of {other}: an open request from the same email address. "
    "If it is the same person, merge them with `leads merge {ref} into {other}`."
)
FOLLOW_UP_TITLE = "Waiting for a reply: {ref}"
FOLLOW_UP = "This request has been 'new' for {hours} hours. Could someone pick it up?"
FORGOTTEN = "Erased the personal details of {n} lead(s): {refs}. Anonymous statistics are kept."
FORGOTTEN_ELSEWHERE = "Also erased or anonymized {n} other record(s) naming them (questions, forms, notes, answers)."
FORGET_NONE = "No lead has that email address."
MERGED = "{source} is merged into {target}: its details are in {target}'s history, and {source} is closed."
_CSV_HEADER = (
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


def ref(lead_id: int) -> str:
    """The reference shown to people, e.g. ``L-0042``."""
    return f"L-{lead_id:04d}"


def kind_label(key: str) -> str:
    """The label of a help kind."""
    return dict(HELP_KINDS).get(key, key)


def summary(lead: Lead) -> str:
    """One line for ``leads list``."""
    line = (
        f"{lead.ref} [{lead.status}] {quote(lead.name or '(forgotten)')}, {quote(lead.organization or '-')}: "
        f"{kind_label(lead.help_kind)}" + (f" (assigned to {quote(lead.assignee)})" if lead.assignee else "")
    )
    if lead.duplicate_of is not None and lead.status != "merged":
        line += f" (possible duplicate of {ref(lead.duplicate_of)})"
    return line


def details(lead: Lead) -> tuple[tuple[str, str], ...]:
    """The label and value pairs staff see for a lead."""
    fields = (
        ("Name", quote(lead.name or "(forgotten)")),
        ("Email", quote(lead.email or "(forgotten)")),
        ("Organization", quote(lead.organization or "-")),
        ("Help with", kind_label(lead.help_kind)),
        ("Timeline", quote(lead.timeline or "-")),
        ("Budget", quote(lead.budget or "-")),
        ("Status", lead.status),
        ("Assignee", quote(lead.assignee or "nobody yet")),
    )
    if lead.duplicate_of is None:
        return fields
    label = "Merged into" if lead.status == "merged" else "Possible duplicate of"
    return (*fields, (label, ref(lead.duplicate_of)))


def triage_buttons(lead: Lead) -> tuple[Button, ...]:
    """Assign, status and note buttons, and a merge button for a possible duplicate."""
    buttons = (
        Button("Assign to me", "leads:assign", str(lead.id)),
        Button("Set status", "leads:status", str(lead.id)),
        Button("Add note", "leads:note", str(lead.id)),
    )
    if lead.duplicate_of is None or lead.status == "merged":
        return buttons
    merge = Button(f"Merge into {ref(lead.duplicate_of)}", "leads:merge", f"{lead.id}:{lead.duplicate_of}")
    return (*buttons, merge)


def history_lines(history: Sequence[LeadEvent]) -> list[str]:
    """A lead's history, one line per entry."""
    return [f"  {e.created_at:%Y-%m-%d %H:%M} {quote(e.actor)}: {e.kind} {quote(e.detail)}".rstrip() for e in history]


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
    return write_csv(_CSV_HEADER, rows)
