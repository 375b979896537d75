"""``consult`` (anyone) and ``leads`` (staff): consulting requests, taken in chat and triaged by staff.

Personal data (name, email, organization, description) goes only to the requester privately and to the staff
channel; it is never logged above DEBUG.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.args import parse_options, split_args
from bot.errors import NotFound, UsageError
from bot.events import (
    Action,
    Attachment,
    FieldKind,
    Form,
    FormField,
    FormSubmission,
    Origin,
    Reply,
    Visibility,
)
from bot.feature import ActionRoute, Command, Context, FormRoute, Group, Replies, Slash, Surface
from bot.features import leads_text as say
from bot.features.leads_text import HELP_KINDS, details, history_lines, kind_label, leads_csv, summary, triage_buttons
from bot.forms import EMAIL_PATTERN, validate_form
from bot.metrics import Metrics
from bot.permissions import Role
from bot.routing import STAFF, Channels
from bot.settings import Settings
from bot.usertext import quote
from storage import Database
from storage.forget import Person, forget_person
from storage.leads import (
    NewLead,
    add_lead_event,
    anonymize_leads,
    claim_unreminded_new_leads,
    closed_leads_older_than,
    find_open_lead_by_email,
    get_lead,
    insert_lead_once,
    lead_history,
    list_leads,
    merge_lead,
    update_lead,
)
from storage.records import Lead

__all__ = ["CONSULT_FORM", "STATUSES", "leads_csv", "leads_feature"]

log = logging.getLogger(__name__)

STATUSES = ("new", "contacted", "qualified", "proposal", "won", "lost", "spam")

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

# The same answers from the same person within this time, while the lead is open, are one request (a double
# click, a platform's retried delivery); later, or once the lead is closed, they make a new lead.
SUBMISSION_WINDOW = timedelta(hours=1)

_REF = re.compile(r"^(?:L-)?0*(\d+)$", re.IGNORECASE)


def _parse_ref(text: str) -> int:
    match = _REF.match(text.strip())
    if match is None:
        raise UsageError(f"{text.strip()!r} is not a lead reference (like L-0042).")
    return int(match.group(1))


def _submission_key(origin: Origin, form_id: str, values: dict[str, str]) -> str:
    """The same answers from the same person to the same form: the same key (one lead, within the window)."""
    payload = json.dumps([origin.platform, origin.user, form_id, sorted(values.items())])
    return hashlib.sha256(payload.encode()).hexdigest()


def _merge_refs(text: str) -> tuple[int, int]:
    """``L-2 into L-1`` as (2, 1)."""
    words = text.split()
    if len(words) != 3 or words[1].lower() != "into":
        raise UsageError("Usage: `leads merge L-0002 into L-0001` (the first is closed, its details go to the second)")
    source, target = _parse_ref(words[0]), _parse_ref(words[2])
    if source == target:
        raise UsageError("A lead cannot be merged into itself.")
    return source, target


def _merge_detail(lead: Lead) -> str:
    """What a merged lead brings to the lead it is merged into, for that lead's history."""
    return (
        f"from {lead.ref}: {lead.name or '(forgotten)'}, {lead.organization or '-'}; "
        f"{kind_label(lead.help_kind)}: {lead.description or '-'} "
        f"(timeline: {lead.timeline or '-'}; budget: {lead.budget or '-'})"
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


def leads_feature(
    settings: Settings,
    metrics: Metrics,
    channels: Channels,
    after_forget: Callable[[], Awaitable[None]] | None = None,
) -> Surface:
    """Consulting intake, staff triage, the follow-up reminder and retention.

    New leads are announced in the logical ``staff`` channel. ``after_forget`` runs after a person is forgotten (the
    app reloads the knowledge base, whose learned examples may have named them).
    """
    announce = channels.configured(STAFF)
    followup = timedelta(hours=settings.lead_followup_hours)
    retention = timedelta(days=settings.lead_retention_days)

    async def consult(ctx: Context, args: str) -> Replies:
        return [Reply(say.INTRO, form=CONSULT_FORM, visibility=Visibility.EPHEMERAL)]

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
            submission_key=_submission_key(ctx.origin, submission.form_id, values),
        )
        async with ctx.db.session() as session:
            # Another open lead with this email is never mentioned to the requester (whoever typed the address may
            # not be its owner): the new lead is kept apart, and staff decide whether to merge.
            existing = await find_open_lead_by_email(session, new.email)
            new = replace(new, duplicate_of=existing.id if existing is not None else None)
            lead, created = await insert_lead_once(session, new, ctx.now, ctx.now - SUBMISSION_WINDOW)
            if created:
                await add_lead_event(session, lead.id, ctx.actor, "created", "", ctx.now)
        replies = [Reply(say.THANKS.format(ref=lead.ref), visibility=Visibility.DM)]
        if not created:
            return replies  # the same submission again (a double click, a retried delivery): one lead, one notice
        log.info("consulting request %s received", lead.ref)
        metrics.leads_received.inc()
        if announce:
            replies.append(_staff_notice(lead))
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
        text = "\n".join(summary(lead) for lead in leads) or "No leads match."
        return [Reply(text, title=f"Leads ({len(leads)})", visibility=Visibility.EPHEMERAL)]

    async def show(ctx: Context, args: str) -> Replies:
        lead_id = _parse_ref(args)
        async with ctx.db.session() as session:
            lead = await get_lead(session, lead_id)
            if lead is None:
                raise NotFound(f"There is no lead L-{lead_id:04d}.")
            history = await lead_history(session, lead_id)
        lines = [quote(lead.description or "(description forgotten)")]
        if lead.duplicate_of is not None and lead.status != "merged":
            lines += ["", say.POSSIBLE_DUPLICATE.format(ref=lead.ref, other=say.ref(lead.duplicate_of))]
        lines += ["", "History:", *history_lines(history)]
        return [
            Reply(
                "\n".join(lines),
                title=f"Lead {lead.ref}",
                fields=details(lead),
                buttons=triage_buttons(lead),
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
        what = f"status is now {status}" if status else f"assigned to {quote(assignee)}" if assignee else "note added"
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
        opts, rest = parse_options(split_args(args), {"--name", "--user"})
        email = rest[0] if len(rest) == 1 else ""
        if not EMAIL_PATTERN.match(email):
            raise UsageError('Usage: `leads forget EMAIL [--name "FULL NAME"] [--user USER_ID]`')
        extra = Person(
            names=frozenset({opts["--name"]}) if opts.get("--name") else frozenset(),
            user_ids=frozenset({opts["--user"]}) if opts.get("--user") else frozenset(),
        )
        result = await forget_person(ctx.db, email, extra, ctx.actor, "forgotten on request", ctx.now)
        others = result.rows_deleted + result.rows_anonymized
        if others and after_forget is not None:
            await after_forget()
        log.info("forgot a person on request: %d lead(s), %d other record(s)", len(result.lead_ids), others)
        lines = [say.FORGET_NONE] if not result.lead_ids else []
        if result.lead_ids:
            refs = ", ".join(say.ref(i) for i in result.lead_ids)
            lines.append(say.FORGOTTEN.format(n=len(result.lead_ids), refs=refs))
        if others:
            lines.append(say.FORGOTTEN_ELSEWHERE.format(n=others))
        return [Reply(" ".join(lines), visibility=Visibility.EPHEMERAL)]

    async def merge(ctx: Context, args: str) -> Replies:
        source_id, target_id = _merge_refs(args)
        async with ctx.db.session() as session:
            source, target = await get_lead(session, source_id), await get_lead(session, target_id)
            for lead_id, lead in ((source_id, source), (target_id, target)):
                if lead is None:
                    raise NotFound(f"There is no lead {say.ref(lead_id)}.")
            assert source is not None and target is not None
            if source.status == "merged":
                raise UsageError(f"{source.ref} is already merged into {say.ref(source.duplicate_of or 0)}.")
            await add_lead_event(session, target_id, ctx.actor, "merged", _merge_detail(source), ctx.now)
            await add_lead_event(session, source_id, ctx.actor, "merged", f"into {target.ref}", ctx.now)
            await merge_lead(session, source_id, target_id, ctx.now)
        text = say.MERGED.format(source=source.ref, target=target.ref)
        return [Reply(text, visibility=Visibility.EPHEMERAL)]

    async def open_form(ctx: Context, action: Action) -> Replies:
        return await consult(ctx, "")

    async def remind_staff(db: Database, now: datetime) -> list[Reply]:
        if not announce:
            return []
        async with db.session() as session:
            leads = await claim_unreminded_new_leads(session, now - followup, now)
            for lead in leads:
                await add_lead_event(session, lead.id, "communitybot", "reminder", "still new", now)
        return [
            Reply(
                say.FOLLOW_UP.format(ref=lead.ref, hours=round((now - lead.created_at).total_seconds() / 3600)),
                title=say.FOLLOW_UP_TITLE.format(ref=lead.ref),
                fields=details(lead),
                buttons=triage_buttons(lead),
                channel=STAFF,
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
        if action.action_id == "leads:merge":
            source, _, target = action.value.partition(":")
            return await merge(ctx, f"{source} into {target}")
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
    return Surface(
        name="leads",
        groups=(Group("leads", "Consulting leads (staff)", usage_hint="list --status new"),),
        commands=(
            Command(
                "consult",
                consult,
                "ask the P2PU team for paid help with a project",
                examples=("consult",),
                slash=Slash("Ask the team for help with a project", required=False),
            ),
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
                "leads merge",
                merge,
                "merge a duplicate lead into another (its details go to the other's history)",
                usage="leads merge L-0002 into L-0001",
                min_role=staff,
            ),
            Command(
                "leads forget",
                forget,
                "erase a person from every lead and record that names them (keeps anonymous statistics)",
                usage='leads forget EMAIL [--name "FULL NAME"] [--user USER_ID]',
                min_role=staff,
            ),
        ),
        actions=(
            ActionRoute("leads", on_button),
            ActionRoute("consult", open_form),
        ),
        jobs=(remind_staff, apply_retention),
        forms=(
            FormRoute("consult", submitted),
            FormRoute("leadtriage", triage_form),
        ),
    )


def _staff_notice(lead: Lead) -> Reply:
    """The staff channel's notice of a new lead, flagging a possible duplicate."""
    text = quote(lead.description or "")
    if lead.duplicate_of is not None:
        text += "\n\n" + say.POSSIBLE_DUPLICATE.format(ref=lead.ref, other=say.ref(lead.duplicate_of))
    return Reply(
        text,
        title=say.STAFF_NEW.format(ref=lead.ref),
        fields=details(lead),
        buttons=triage_buttons(lead),
        channel=STAFF,
    )
