"""``consult`` (anyone) and ``leads`` (staff): consulting requests, taken in chat and triaged by staff.

Personal data (name, email, organization, description) goes only to the requester privately and to the staff
channel; it is never logged above DEBUG.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.dispatcher import Command, Context, Feature, Replies, parse_options, split_args
from bot.errors import NotFound, UsageError
from bot.events import (
    Action,
    Attachment,
    Button,
    FieldKind,
    Form,
    FormField,
    FormSubmission,
    Reply,
    Visibility,
)
from bot.forms import EMAIL_PATTERN, validate_form
from bot.metrics import Metrics
from bot.permissions import Role
from bot.settings import Settings
from storage import Database
from storage.leads import (
    NewLead,
    add_lead_event,
    anonymize_leads,
    claim_unreminded_new_leads,
    closed_leads_older_than,
    find_open_lead_by_email,
    get_lead,
    insert_lead,
    lead_history,
    lead_ids_by_email,
    list_leads,
    update_lead,
)
from storage.records import Lead

__all__ = ["CONSULT_FORM", "STATUSES", "leads_csv", "leads_feature"]

log = logging.getLogger(__name__)

STATUSES = ("new", "contacted", "qualified", "proposal", "won", "lost", "spam")
HELP_KINDS = (
    ("training", "Facilitator training"),
    ("course_design", "Course design"),
    ("pilot", "Running a pilot"),
    ("hosting", "Hosting / technical work"),
    ("research", "Research partnership"),
    ("other", "Something else"),
)

CONSULT_FORM = Form(
    form_id="consult:intake",
    title="Work with P2PU",
    submit_label="Send request",
    fields=(
        FormField("name", "Your name", max_length=200),
        FormField("email", "Email", FieldKind.EMAIL, max_length=254, hint="We will only use it to reply to you."),
        FormField("organization", "Organization", max_length=200),
        FormField("help_kind", "What would you like help with?", FieldKind.CHOICE, choices=HELP_KINDS),
        FormField("description", "Tell us about your project", FieldKind.LONG_TEXT, max_length=3000),
        FormField("timeline", "Timeline", max_length=200, hint="e.g. 'starting in March, for 8 weeks'"),
        FormField("budget", "Budget range", required=False, max_length=200),
        FormField("consent", "May we store these details and contact you about this request?", FieldKind.CONSENT),
    ),
)

_INTRO = "Tell us a little about what you'd like to do, and someone from the team will get in touch."
_THANKS = "Thank you! Your request is {ref}. Someone from the team will be in touch by email."
_UPDATED = "Thank you! We added this to your open request {ref}; the team will see the update."
_STAFF_NEW = "New consulting request {ref}"
_STAFF_UPDATE = "Update to consulting request {ref}"
_FOLLOW_UP_TITLE = "Waiting for a reply: {ref}"
_FOLLOW_UP = "This request has been 'new' for {hours} hours. Could someone pick it up?"
_FORGOTTEN = "Erased the personal details of {n} lead(s): {refs}. Anonymous statistics are kept."
_FORGET_NONE = "No lead has that email address."
_REF = re.compile(r"^(?:L-)?0*(\d+)$", re.IGNORECASE)


def _parse_ref(text: str) -> int:
    match = _REF.match(text.strip())
    if match is None:
        raise UsageError(f"{text.strip()!r} is not a lead reference (like L-0042).")
    return int(match.group(1))


def _kind_label(key: str) -> str:
    return dict(HELP_KINDS).get(key, key)


def _summary(lead: Lead) -> str:
    return (
        f"{lead.ref} [{lead.status}] {lead.name or '(forgotten)'}, {lead.organization or '-'}: "
        f"{_kind_label(lead.help_kind)}" + (f" (assigned to {lead.assignee})" if lead.assignee else "")
    )


def _details(lead: Lead) -> tuple[tuple[str, str], ...]:
    return (
        ("Name", lead.name or "(forgotten)"),
        ("Email", lead.email or "(forgotten)"),
        ("Organization", lead.organization or "-"),
        ("Help with", _kind_label(lead.help_kind)),
        ("Timeline", lead.timeline or "-"),
        ("Budget", lead.budget or "-"),
        ("Status", lead.status),
        ("Assignee", lead.assignee or "nobody yet"),
    )


def _triage_buttons(lead: Lead) -> tuple[Button, ...]:
    return (
        Button("Assign to me", "leads:assign", str(lead.id)),
        Button("Set status", "leads:status", str(lead.id)),
        Button("Add note", "leads:note", str(lead.id)),
    )


def _status_form(lead_id: int) -> Form:
    choices = tuple((s, s) for s in STATUSES)
    return Form(
        f"leadtriage:status:{lead_id}",
        f"Status of L-{lead_id:04d}",
        (FormField("status", "New status", FieldKind.CHOICE, choices=choices),),
        context=str(lead_id),
    )


def _note_form(lead_id: int) -> Form:
    return Form(
        f"leadtriage:note:{lead_id}",
        f"Note on L-{lead_id:04d}",
        (FormField("note", "Note", FieldKind.LONG_TEXT, max_length=2000),),
        context=str(lead_id),
    )


def leads_feature(settings: Settings, metrics: Metrics) -> Feature:
    """Consulting intake, staff triage, the follow-up reminder and retention.

    New leads are announced in ``settings.staff_channel``.
    """
    staff_channel = settings.staff_channel
    followup = timedelta(hours=settings.lead_followup_hours)
    retention = timedelta(days=settings.lead_retention_days)

    async def consult(ctx: Context, args: str) -> Replies:
        return [Reply(_INTRO, form=CONSULT_FORM, visibility=Visibility.EPHEMERAL)]

    async def submitted(ctx: Context, submission: FormSubmission) -> Replies:
        values = validate_form(CONSULT_FORM, submission.values)
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
        )
        async with ctx.db.session() as session:
            existing = await find_open_lead_by_email(session, new.email)
            if existing is not None:
                detail = f"{new.help_kind}: {new.description} (timeline: {new.timeline}; budget: {new.budget or '-'})"
                await add_lead_event(session, existing.id, ctx.actor, "update", detail, ctx.now)
                lead, is_update = existing, True
            else:
                lead = await insert_lead(session, new, ctx.now)
                await add_lead_event(session, lead.id, ctx.actor, "created", "", ctx.now)
                is_update = False
        log.info("consulting request %s %s", lead.ref, "updated" if is_update else "received")
        metrics.leads_received.inc()
        replies = [Reply((_UPDATED if is_update else _THANKS).format(ref=lead.ref), visibility=Visibility.DM)]
        if staff_channel is not None:
            title = (_STAFF_UPDATE if is_update else _STAFF_NEW).format(ref=lead.ref)
            text = new.description if not is_update else f"New message from the requester:\n{new.description}"
            replies.append(
                Reply(
                    text,
                    title=title,
                    fields=_details(lead),
                    buttons=_triage_buttons(lead),
                    channel=staff_channel,
                )
            )
        return replies

    async def list_cmd(ctx: Context, args: str) -> Replies:
        opts, rest = parse_options(split_args(args), {"--status", "--assignee", "--since"})
        if rest:
            raise UsageError(f"unexpected {rest[0]!r}; usage: `leads list [--status S] [--assignee U] [--since DATE]`")
        status = opts.get("--status")
        if status is not None and status not in STATUSES:
            raise UsageError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        since = None
        if "--since" in opts:
            try:
                since = datetime.fromisoformat(opts["--since"]).replace(tzinfo=UTC)
            except ValueError:
                raise UsageError(f"--since wants a date like 2026-01-31, not {opts['--since']!r}") from None
        async with ctx.db.session() as session:
            leads = await list_leads(session, status=status, assignee=opts.get("--assignee"), since=since)
        text = "\n".join(_summary(lead) for lead in leads) or "No leads match."
        return [Reply(text, title=f"Leads ({len(leads)})", visibility=Visibility.EPHEMERAL)]

    async def show(ctx: Context, args: str) -> Replies:
        lead_id = _parse_ref(args)
        async with ctx.db.session() as session:
            lead = await get_lead(session, lead_id)
            if lead is None:
                raise NotFound(f"There is no lead L-{lead_id:04d}.")
            history = await lead_history(session, lead_id)
        lines = [lead.description or "(description forgotten)", "", "History:"]
        lines += [f"  {e.created_at:%Y-%m-%d %H:%M} {e.actor}: {e.kind} {e.detail}".rstrip() for e in history]
        return [
            Reply(
                "\n".join(lines),
                title=f"Lead {lead.ref}",
                fields=_details(lead),
                buttons=_triage_buttons(lead),
                visibility=Visibility.EPHEMERAL,
            )
        ]

    async def change(
        ctx: Context,
        lead_id: int,
        *,
        status: str | None = None,
        assignee: str | None = None,
        note: str | None = None,
    ) -> Replies:
        async with ctx.db.session() as session:
            lead = await get_lead(session, lead_id)
            if lead is None:
                raise NotFound(f"There is no lead L-{lead_id:04d}.")
            if status is not None:
                await update_lead(session, lead_id, ctx.now, status=status)
                await add_lead_event(session, lead_id, ctx.actor, "status", f"{lead.status} -> {status}", ctx.now)
            if assignee is not None:
                await update_lead(session, lead_id, ctx.now, assignee=assignee)
                await add_lead_event(session, lead_id, ctx.actor, "assigned", assignee, ctx.now)
            if note is not None:
                await add_lead_event(session, lead_id, ctx.actor, "note", note, ctx.now)
        what = f"status is now {status}" if status else f"assigned to {assignee}" if assignee else "note added"
        return [Reply(f"{lead.ref}: {what}.", visibility=Visibility.EPHEMERAL)]

    async def assign(ctx: Context, args: str) -> Replies:
        words = split_args(args)
        if not words:
            raise UsageError("Usage: `leads assign L-0042 [USER]` (default: you)")
        return await change(ctx, _parse_ref(words[0]), assignee=words[1] if len(words) > 1 else ctx.actor)

    async def set_status(ctx: Context, args: str) -> Replies:
        words = split_args(args)
        if len(words) != 2 or words[1] not in STATUSES:
            raise UsageError(f"Usage: `leads status L-0042 STATUS`, STATUS one of {', '.join(STATUSES)}")
        return await change(ctx, _parse_ref(words[0]), status=words[1])

    async def note(ctx: Context, args: str) -> Replies:
        ref, _, text = args.strip().partition(" ")
        if not text.strip():
            raise UsageError("Usage: `leads note L-0042 TEXT`")
        return await change(ctx, _parse_ref(ref), note=text.strip())

    async def export(ctx: Context, args: str) -> Replies:
        async with ctx.db.session() as session:
            leads = await list_leads(session)
        return [
            Reply(
                f"{len(leads)} leads exported.",
                attachment=Attachment("leads.csv", leads_csv(leads)),
                visibility=Visibility.EPHEMERAL,
            )
        ]

    async def forget(ctx: Context, args: str) -> Replies:
        email = args.strip()
        if not EMAIL_PATTERN.match(email):
            raise UsageError("Usage: `leads forget EMAIL` (the requester's email address)")
        async with ctx.db.session() as session:
            ids = await lead_ids_by_email(session, email)
            await anonymize_leads(session, ids, ctx.actor, "forgotten on request", ctx.now)
        log.info("forgot the personal data of %d leads on request", len(ids))
        if not ids:
            return [Reply(_FORGET_NONE, visibility=Visibility.EPHEMERAL)]
        refs = ", ".join(f"L-{i:04d}" for i in sorted(ids))
        return [Reply(_FORGOTTEN.format(n=len(ids), refs=refs), visibility=Visibility.EPHEMERAL)]

    async def open_form(ctx: Context, action: Action) -> Replies:
        return await consult(ctx, "")

    async def remind_staff(db: Database, now: datetime) -> list[Reply]:
        if staff_channel is None:
            return []
        async with db.session() as session:
            leads = await claim_unreminded_new_leads(session, now - followup, now)
            for lead in leads:
                await add_lead_event(session, lead.id, "communitybot", "reminder", "still new", now)
        return [
            Reply(
                _FOLLOW_UP.format(ref=lead.ref, hours=round((now - lead.created_at).total_seconds() / 3600)),
                title=_FOLLOW_UP_TITLE.format(ref=lead.ref),
                fields=_details(lead),
                buttons=_triage_buttons(lead),
                channel=staff_channel,
            )
            for lead in leads
        ]

    async def apply_retention(db: Database, now: datetime) -> list[Reply]:
        async with db.session() as session:
            ids = await closed_leads_older_than(session, now - retention)
            await anonymize_leads(session, ids, "communitybot", "retention period ended", now)
        if ids:
            log.info("anonymized %d lost/spam leads past retention", len(ids))
        return []

    async def on_button(ctx: Context, action: Action) -> Replies:
        if ctx.role < Role.STAFF:
            return [Reply("Sorry, triage is for staff only.", visibility=Visibility.EPHEMERAL)]
        if action.action_id == "leads:assign":
            return await change(ctx, _parse_ref(action.value), assignee=ctx.actor)
        if action.action_id == "leads:status":
            ref, _, status = action.value.partition(":")
            if not status:
                return [Reply("", form=_status_form(_parse_ref(ref)), visibility=Visibility.EPHEMERAL)]
            if status not in STATUSES:
                raise UsageError("That button no longer does anything.")
            return await change(ctx, _parse_ref(ref), status=status)
        if action.action_id == "leads:note":
            return [Reply("", form=_note_form(_parse_ref(action.value)), visibility=Visibility.EPHEMERAL)]
        raise UsageError("That button no longer does anything.")

    async def triage_form(ctx: Context, submission: FormSubmission) -> Replies:
        if ctx.role < Role.STAFF:
            return [Reply("Sorry, triage is for staff only.", visibility=Visibility.EPHEMERAL)]
        _, kind, ref = submission.form_id.split(":", 2)
        lead_id = _parse_ref(ref)
        if kind == "status":
            values = validate_form(_status_form(lead_id), submission.values)
            return await change(ctx, lead_id, status=values["status"])
        values = validate_form(_note_form(lead_id), submission.values)
        return await change(ctx, lead_id, note=values["note"])

    staff = Role.STAFF
    return Feature(
        name="leads",
        commands=(
            Command("consult", consult, "ask the P2PU team for paid help with a project", examples=("consult",)),
            Command(
                "leads list",
                list_cmd,
                "list consulting leads",
                min_role=staff,
                usage="leads list [--status S] [--assignee U] [--since DATE]",
                examples=("leads list --status new",),
            ),
            Command("leads show", show, "show one lead and its history", usage="leads show L-0042", min_role=staff),
            Command(
                "leads assign",
                assign,
                "assign a lead (to you by default)",
                usage="leads assign L-0042 [USER]",
                min_role=staff,
            ),
            Command(
                "leads status",
                set_status,
                "set a lead's status",
                usage="leads status L-0042 STATUS",
                min_role=staff,
            ),
            Command("leads note", note, "add a note to a lead", usage="leads note L-0042 TEXT", min_role=staff),
            Command("leads export", export, "export every lead as CSV", min_role=staff),
            Command(
                "leads forget",
                forget,
                "erase a person's details from every lead (keeps anonymous statistics)",
                usage="leads forget EMAIL",
                min_role=staff,
            ),
        ),
        actions={"leads": on_button, "consult": open_form},
        jobs=(remind_staff, apply_retention),
        forms={"consult": submitted, "leadtriage": triage_form},
    )


def leads_csv(leads: Sequence[Lead]) -> str:
    """Every lead as CSV, with its current status."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
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
        ]
    )
    for lead in leads:
        writer.writerow(
            [
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
            ]
        )
    return out.getvalue()
