"""The consult form a requester fills in, the staff's small triage forms, and storing a request once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import timedelta

from bot.events import FieldKind, Form, FormField, Origin
from bot.feature import Context
from bot.features.leads import text as say
from bot.features.leads.render import ref
from storage.lead_flow import Consent, add_consents
from storage.leads import NewLead, add_lead_event, find_open_lead_by_email, insert_lead_once
from storage.records import Lead

__all__ = [
    "STATUSES",
    "SUBMISSION_WINDOW",
    "consents_given",
    "consult_form",
    "note_form",
    "save_request",
    "status_form",
]

STATUSES = ("new", "contacted", "qualified", "proposal", "won", "lost", "spam")

# The same answers from the same person within this time, while the lead is open, are one request (a double
# click, a platform's retried delivery); later, or once the lead is closed, they make a new lead.
SUBMISSION_WINDOW = timedelta(hours=1)


def consult_form(community: str) -> Form:
    """The intake form, titled with the community's name."""
    return Form(
        form_id="consult:intake",
        title=say.FORM_TITLE.format(community=community),
        submit_label=say.FORM_SUBMIT,
        fields=(
            FormField("name", say.FIELD_NAME, max_length=200),
            FormField("email", say.FIELD_EMAIL, FieldKind.EMAIL, max_length=254, hint=say.HINT_EMAIL),
            FormField("organization", say.FIELD_ORGANIZATION, required=False, max_length=200),  # not everyone has one
            FormField("help_kind", say.FIELD_HELP_KIND, FieldKind.CHOICE, choices=say.HELP_KINDS),
            FormField("description", say.FIELD_DESCRIPTION, FieldKind.LONG_TEXT, max_length=3000),
            FormField("timeline", say.FIELD_TIMELINE, max_length=200, hint=say.HINT_TIMELINE),
            FormField("budget", say.FIELD_BUDGET, required=False, max_length=200),
            FormField("consent", say.FIELD_CONSENT, FieldKind.CONSENT),
            FormField(
                "consent_offers",
                say.FIELD_CONSENT_OFFERS,
                FieldKind.CHOICE,
                required=False,
                choices=say.CONSENT_OFFERS_CHOICES,
            ),
        ),
    )


def status_form(lead_id: int) -> Form:
    """Staff pick a lead's new status."""
    choices = tuple((s, s) for s in STATUSES)
    return Form(
        f"leadtriage:status:{lead_id}",
        say.STATUS_FORM_TITLE.format(ref=ref(lead_id)),
        (FormField("status", say.FIELD_STATUS, FieldKind.CHOICE, choices=choices),),
        context=str(lead_id),
    )


def note_form(lead_id: int) -> Form:
    """Staff write a note on a lead."""
    return Form(
        f"leadtriage:note:{lead_id}",
        say.NOTE_FORM_TITLE.format(ref=ref(lead_id)),
        (FormField("note", say.FIELD_NOTE, FieldKind.LONG_TEXT, max_length=2000),),
        context=str(lead_id),
    )


def _submission_key(origin: Origin, form_id: str, values: dict[str, str]) -> str:
    """The same answers from the same person to the same form: the same key (one lead, within the window)."""
    payload = json.dumps([origin.platform, origin.user, form_id, sorted(values.items())])
    return hashlib.sha256(payload.encode()).hexdigest()


async def save_request(ctx: Context, form_id: str, values: dict[str, str]) -> tuple[Lead, bool]:
    """Store a validated consult form as a lead, once: the lead and whether it is new (not a repeat)."""
    new = NewLead(
        name=values["name"],
        email=values["email"],
        organization=values["organization"],
        help_kind=values["help_kind"],
        description=values["description"],
        timeline=values["timeline"],
        budget=values["budget"],
        platform=ctx.origin.platform,
        requester=ctx.origin.user,
        submission_key=_submission_key(ctx.origin, form_id, values),
    )
    async with ctx.db.session() as session:
        # Another open lead with this email is never mentioned to the requester (whoever typed the address may
        # not be its owner): the new lead is kept apart, and staff decide whether to merge.
        existing = await find_open_lead_by_email(session, new.email)
        new = replace(new, duplicate_of=existing.id if existing is not None else None)
        lead, created = await insert_lead_once(session, new, ctx.now, ctx.now - SUBMISSION_WINDOW)
        if created:
            await add_lead_event(session, lead.id, ctx.actor, "created", "", ctx.now)
            await add_consents(session, lead.id, consents_given(values, ctx.origin.platform), ctx.now)
    return lead, created


def consents_given(values: dict[str, str], platform: str) -> list[Consent]:
    """The two consents as answered on the form, each with the words shown and their version.

    Storing the request needs consent (the form refuses anything but yes); other offers are optional, and a skipped
    answer is recorded as not given.
    """
    return [
        Consent("store", values.get("consent") == "yes", say.FIELD_CONSENT, say.CONSENT_VERSION, platform),
        Consent(
            "offers", values.get("consent_offers") == "yes", say.FIELD_CONSENT_OFFERS, say.CONSENT_VERSION, platform
        ),
    ]
