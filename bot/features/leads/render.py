"""How a lead is shown: its reference, one-line summary, fields, history, triage buttons and staff notices.

Every value a requester or staff member typed is passed through :func:`bot.usertext.quote` before it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.errors import UsageError
from bot.events import Button, Reply, Visibility
from bot.features.leads import text as say
from bot.plural import counted, listed
from bot.routing import STAFF
from bot.usertext import quote
from bot.when import at
from storage.lead_flow import Consent
from storage.records import Lead, LeadEvent, Sender

__all__ = [
    "assignee_reminder",
    "card",
    "consent_line",
    "details",
    "duplicate_note",
    "follow_up",
    "history_lines",
    "kind_label",
    "merge_detail",
    "not_followed",
    "parse_ref",
    "ref",
    "staff_notice",
    "summary",
    "triage_buttons",
]


_REF = re.compile(r"^(?:L-)?0*(\d+)$", re.IGNORECASE)


def ref(lead_id: int) -> str:
    """The reference shown to people, e.g. ``L-0042``."""
    return f"L-{lead_id:04d}"


def parse_ref(text: str) -> int:
    """The lead id in a reference typed by staff (``L-0042``, ``l-42`` or ``42``).

    Raises:
        UsageError: ``text`` is not a lead reference.
    """
    match = _REF.match(text.strip())
    if match is None:
        raise UsageError(say.NOT_A_REF.format(text=text.strip()))
    return int(match.group(1))


def kind_label(key: str) -> str:
    """The label of a help kind."""
    return dict(say.HELP_KINDS).get(key, key)


def summary(lead: Lead) -> str:
    """One line for ``leads list``."""
    line = say.SUMMARY_LINE.format(
        ref=lead.ref,
        status=lead.status,
        name=quote(lead.name or say.FORGOTTEN_VALUE),
        organization=quote(lead.organization or say.NO_VALUE),
        kind=kind_label(lead.help_kind),
    )
    if lead.assignee:
        line += say.SUMMARY_ASSIGNED.format(assignee=quote(lead.assignee))
    if lead.duplicate_of is not None and lead.status != "merged":
        line += say.SUMMARY_DUPLICATE.format(other=ref(lead.duplicate_of))
    return line


def details(lead: Lead) -> tuple[tuple[str, str], ...]:
    """The label and value pairs staff see for a lead."""
    return (*_contact(lead), *_project(lead), *_standing(lead))


def _contact(lead: Lead) -> tuple[tuple[str, str], ...]:
    return (
        (say.LABEL_NAME, quote(lead.name or say.FORGOTTEN_VALUE)),
        (say.LABEL_EMAIL, quote(lead.email or say.FORGOTTEN_VALUE)),
    )


def _project(lead: Lead) -> tuple[tuple[str, str], ...]:
    return (
        (say.LABEL_ORGANIZATION, quote(lead.organization or say.NO_VALUE)),
        (say.LABEL_HELP_KIND, kind_label(lead.help_kind)),
        (say.LABEL_TIMELINE, quote(lead.timeline or say.NO_VALUE)),
        (say.LABEL_BUDGET, quote(lead.budget or say.NO_VALUE)),
    )


def _standing(lead: Lead) -> tuple[tuple[str, str], ...]:
    standing = ((say.LABEL_STATUS, lead.status), (say.LABEL_ASSIGNEE, quote(lead.assignee or say.NOBODY)))
    if lead.duplicate_of is None:
        return standing
    label = say.LABEL_MERGED_INTO if lead.status == "merged" else say.LABEL_DUPLICATE_OF
    return (*standing, (label, ref(lead.duplicate_of)))


def card(lead: Lead, linked: Sequence[str], consents: Sequence[Consent], history: Sequence[LeadEvent]) -> str:
    """What ``leads show`` says, in the order staff triage a lead: who and how to reach them (name, email, the
    requester's ``linked`` accounts, what they agreed to), what they want (organization, kind, timeline, budget,
    description), where it stands (status, assignee, a possible duplicate), then the history with its notes.

    It is all text, not fields: every platform shows a reply's fields after its text, which put the name last.
    """

    agreed = consent_line(consents)
    contact = [*_contact(lead), *([(say.LINKED, quote(", ".join(linked)))] if linked else [])]
    lines = [
        *(f"{label}: {value}" for label, value in contact),
        *([agreed] if agreed else []),
        "",
        *(f"{label}: {value}" for label, value in _project(lead)),
        "",
        quote(lead.description or say.DESCRIPTION_FORGOTTEN),
        "",
        *(f"{label}: {value}" for label, value in _standing(lead)),
    ]
    if lead.duplicate_of is not None and lead.status != "merged":
        lines += ["", duplicate_note(lead)]
    return "\n".join([*lines, "", say.HISTORY, *history_lines(history)])


def triage_buttons(lead: Lead) -> tuple[Button, ...]:
    """Assign, status and note buttons, and a merge button for a possible duplicate; a merged lead (closed into
    another) takes notes only."""
    if lead.status == "merged":
        return (Button(say.BUTTON_NOTE, "leads:note", str(lead.id)),)
    buttons = (
        Button(say.BUTTON_ASSIGN, "leads:assign", str(lead.id)),
        Button(say.BUTTON_STATUS, "leads:status", str(lead.id)),
        Button(say.BUTTON_NOTE, "leads:note", str(lead.id)),
    )
    if lead.duplicate_of is None:
        return buttons
    other = ref(lead.duplicate_of)
    return (*buttons, Button(say.BUTTON_MERGE.format(ref=other), "leads:merge", f"{lead.id}:{lead.duplicate_of}"))


def history_lines(history: Sequence[LeadEvent]) -> list[str]:
    """A lead's history, one line per entry, each time in its reader's zone (UTC where none is known).

    An entry whose detail was erased with the requester's personal data says so ("note removed with personal data").
    """
    return [f"  {at(e.created_at, 'UTC')} {quote(e.actor)}: {_what(e)}" for e in history]


def _what(event: LeadEvent) -> str:
    if event.detail or event.kind == "created":  # "created" is the one entry that never has a detail
        return f"{event.kind} {quote(event.detail)}".rstrip()
    return say.DETAIL_REMOVED.get(event.kind, say.DETAIL_REMOVED_OTHER.format(kind=event.kind))


def merge_detail(lead: Lead) -> str:
    """What a merged lead brings to the lead it is merged into, for that lead's history."""
    return say.MERGE_DETAIL.format(
        ref=lead.ref,
        name=lead.name or say.FORGOTTEN_VALUE,
        organization=lead.organization or say.NO_VALUE,
        kind=kind_label(lead.help_kind),
        description=lead.description or say.NO_VALUE,
        timeline=lead.timeline or say.NO_VALUE,
        budget=lead.budget or say.NO_VALUE,
    )


def duplicate_note(lead: Lead) -> str:
    """The hint that ``lead`` may repeat an open lead, with the command that merges them ("" when it does not)."""
    if lead.duplicate_of is None:
        return ""
    return say.POSSIBLE_DUPLICATE.format(ref=lead.ref, other=ref(lead.duplicate_of))


def staff_notice(lead: Lead) -> Reply:
    """The staff channel's notice of a new lead, flagging a possible duplicate."""
    text = quote(lead.description or "")
    if lead.duplicate_of is not None:
        text += "\n\n" + duplicate_note(lead)
    return Reply(
        text,
        title=say.STAFF_NEW.format(ref=lead.ref),
        fields=details(lead),
        buttons=triage_buttons(lead),
        channel=STAFF,
    )


def follow_up(lead: Lead, hours: int, status: str = "new", unit: str = say.HOUR) -> Reply:
    """The staff channel's reminder of a lead still in ``status`` after ``hours`` (``unit``: hour or staff hour);
    for a lead with an assignee it names them rather than asking anyone to pick it up."""
    waited = counted(hours, unit)
    if lead.assignee:
        text = say.FOLLOW_UP_ASSIGNED.format(hours=waited, status=status, assignee=lead.assignee)
    else:
        text = say.FOLLOW_UP.format(hours=waited, status=status)
    return Reply(
        text,
        title=say.FOLLOW_UP_TITLE.format(ref=lead.ref),
        fields=details(lead),
        buttons=triage_buttons(lead),
        channel=STAFF,
    )


def assignee_reminder(lead: Lead, hours: int, target: float, to: tuple[str, str], unit: str = say.HOUR) -> Reply:
    """A direct message to the lead's assignee (``to`` is platform and user id): its response target is missed."""
    platform, user = to
    return Reply(
        say.ASSIGNEE_REMINDER.format(
            ref=lead.ref, status=lead.status, hours=counted(hours, unit), target=f"{target:g}"
        ),
        title=say.ASSIGNEE_REMINDER_TITLE.format(ref=lead.ref),
        fields=details(lead),
        buttons=triage_buttons(lead),
        visibility=Visibility.DM,
        platform=platform,
        user=user,
    )


def consent_line(consents: Sequence[Consent]) -> str:
    """What the requester agreed to, for ``leads show`` ("" for a lead stored before consents were recorded)."""
    given = {c.purpose: c.given for c in consents}
    if not given:
        return ""
    answer = {True: say.CONSENT_YES, False: say.CONSENT_NO}
    return say.CONSENTS.format(
        version=consents[0].version, store=answer[given.get("store", False)], offers=answer[given.get("offers", False)]
    )


def not_followed(email: str, senders: Sequence[Sender]) -> list[str]:
    """What staff are told, once per account, of the accounts that sent the forgotten leads and were left alone."""
    said = []
    for sender in senders:
        account, user = quote(str(sender.identity)), quote(sender.identity.user)
        leads, was = listed([ref(i) for i in sender.lead_ids]), "was" if len(sender.lead_ids) == 1 else "were"
        said.append(say.FORGET_NOT_FOLLOWED.format(leads=leads, was=was, account=account, email=email, user=user))
    return said
