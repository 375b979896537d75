"""``consult`` (anyone) and ``leads`` (staff): consulting requests, taken in chat and triaged by staff.

Personal data (name, email, organization, description) goes only to the requester privately and to the staff
channel; it is never logged above DEBUG.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from bot.args import parse_options, split_args
from bot.errors import NotFound, UsageError
from bot.events import Action, Attachment, FormSubmission, Reply, Visibility
from bot.export_files import export_folder, folders_text, forget_in_exports
from bot.feature import ActionRoute, Command, CommandHandler, Context, Deps, FormRoute, Group, Replies, Slash, Surface
from bot.features.leads import text as say
from bot.features.leads.export import leads_csv
from bot.features.leads.flow import LeadFlow
from bot.features.leads.forms import STATUSES, consult_form, note_form, save_request, status_form
from bot.features.leads.jobs import LeadJobs
from bot.features.leads.render import (
    card,
    merge_detail,
    not_followed,
    parse_ref,
    ref,
    staff_notice,
    summary,
    triage_buttons,
)
from bot.features.leads.staff import StaffNames
from bot.features.webhooks.emit import LeadHooks
from bot.forms import email_address, validate_form
from bot.permissions import Role
from bot.plural import counted
from bot.routing import STAFF
from bot.usertext import quote
from storage.forget import Person, forget_person
from storage.lead_flow import lead_consents
from storage.leads import add_lead_event, get_lead, lead_history, list_leads, merge_lead, update_lead
from storage.people import identities_of
from storage.records import Identity, Lead

__all__ = ["STATUSES", "Leads", "consult_form", "leads_csv"]

log = logging.getLogger(__name__)


class Leads:
    """Consulting intake with its consents, staff triage and assignment, the response timer and retention.

    New leads are announced in the logical ``staff`` channel. After a person is forgotten the knowledge base is
    reloaded, since its learned examples may have named them.
    """

    name: ClassVar[str] = "leads"

    def __init__(self, deps: Deps) -> None:
        settings = deps.settings
        self._community = settings.community_name
        self._form = consult_form(self._community)
        self._announce = deps.channels.configured(STAFF)
        self._metrics = deps.metrics
        self._after_forget = deps.forget_knowledge
        self._exports = export_folder(settings)
        self._hooks = LeadHooks(settings.webhooks)  # lead events to outgoing webhooks, stored with each change
        self._flow = LeadFlow(StaffNames(settings.lead_flow), settings.staff_hours, STATUSES)
        self._jobs = LeadJobs(
            self._announce,
            self._hooks,
            followup=timedelta(hours=settings.lead_followup_hours),
            retention=timedelta(days=settings.lead_retention_days),
            targets=settings.lead_flow.response_hours,
            names=self._flow.names,
            staff_hours=settings.staff_hours,
            exports=self._exports,
        )

    def surface(self) -> Surface:
        """``consult`` for everyone; the ``leads`` group, triage buttons and forms for staff; two jobs."""
        staff = Role.STAFF
        consult = Command(
            "consult",
            self.consult,
            say.SUMMARY_CONSULT.format(community=self._community),
            examples=("consult",),
            slash=Slash(say.SLASH_CONSULT, required=False),
            max_args=0,
        )
        return Surface(
            name=self.name,
            groups=(Group("leads", say.GROUP, usage_hint="list --status new"),),
            commands=(
                consult,
                _staff(
                    "leads list",
                    self.list_leads,
                    say.SUMMARY_LIST,
                    "leads list [--status S] [--assignee U] [--since DATE]",
                    examples=("leads list --status new",),
                ),
                _staff("leads mine", self._flow.mine, say.SUMMARY_MINE, "leads mine [--status S]"),
                _staff("leads away", self._flow.away, say.SUMMARY_AWAY, "leads away on|off", max_args=1),
                _staff("leads show", self.show, say.SUMMARY_SHOW, "leads show L-0042", max_args=1),
                _staff("leads assign", self.assign, say.SUMMARY_ASSIGN, "leads assign L-0042 [USER]"),
                _staff("leads status", self.set_status, say.SUMMARY_STATUS, "leads status L-0042 STATUS"),
                _staff("leads note", self.note, say.SUMMARY_NOTE, "leads note L-0042 TEXT"),
                _staff("leads export", self.export, say.SUMMARY_EXPORT, max_args=0),
                _staff("leads merge", self.merge, say.SUMMARY_MERGE, "leads merge L-0002 into L-0001"),
                _staff(
                    "leads forget",
                    self.forget,
                    say.SUMMARY_FORGET,
                    'leads forget EMAIL [--name "FULL NAME"] [--user USER_ID]',
                ),
            ),
            actions=(ActionRoute("leads", self.on_button, min_role=staff), ActionRoute("consult", self.open_form)),
            forms=(FormRoute("consult", self.submitted), FormRoute("leadtriage", self.triage_form, min_role=staff)),
            jobs=(self._jobs.remind_staff, self._jobs.apply_retention),
        )

    # -- the requester --------------------------------------------------------------------------------------------

    async def consult(self, ctx: Context, args: str) -> Replies:
        """The intake form, privately."""
        return [Reply(say.INTRO, form=self._form, visibility=Visibility.EPHEMERAL)]

    async def open_form(self, ctx: Context, action: Action) -> Replies:
        """The "Work with us" button under an answer: the intake form."""
        return await self.consult(ctx, "")

    async def submitted(self, ctx: Context, submission: FormSubmission) -> Replies:
        """Store the request once, thank the requester by DM and tell the staff channel about a new lead.

        Outside staff hours the thanks say when staff are back; with a rotation set, the lead is handed out in turn.
        """
        values = validate_form(self._form, submission.values)
        async with ctx.db.transaction() as session:  # the lead and its lead.created webhook, or neither
            lead, created = await save_request(ctx, submission.form_id, values)
            if created:
                await self._hooks.created(session, lead, ctx.now)
        thanks = " ".join(filter(None, (say.THANKS.format(ref=lead.ref), self._flow.when_back(ctx.now))))
        replies = [Reply(thanks, visibility=Visibility.DM)]
        if not created:
            return replies  # the same submission again (a double click, a retried delivery): one lead, one notice
        log.info("consulting request %s received", lead.ref)
        self._metrics.leads_received.inc()
        lead = await self._flow.hand_out(ctx, lead)
        if self._announce:
            replies.append(staff_notice(lead))
        else:  # the requester is thanked all the same: say it where the operator looks
            log.warning("consulting request %s received but not announced: staff_channel is not set", lead.ref)
        return replies

    # -- staff: reading -------------------------------------------------------------------------------------------

    async def list_leads(self, ctx: Context, args: str) -> Replies:
        """``leads list [--status S] [--assignee U] [--since DATE]``."""
        opts, rest = parse_options(split_args(args), {"--status", "--assignee", "--since"})
        if rest:
            raise UsageError(say.LIST_UNEXPECTED.format(word=rest[0]))
        status = opts["--status"].lower() if "--status" in opts else None
        if status is not None and status not in (*STATUSES, "merged"):
            raise UsageError(
                say.UNKNOWN_STATUS.format(status=opts["--status"], statuses=", ".join((*STATUSES, "merged")))
            )
        since = None
        if "--since" in opts:
            try:
                since = datetime.fromisoformat(opts["--since"]).replace(tzinfo=UTC)
            except ValueError:
                raise UsageError(say.BAD_SINCE.format(value=opts["--since"])) from None
        names = self._flow.names
        assignee = (
            names.matching(names.canonical(opts["--assignee"], ctx.origin), ctx.origin)
            if "--assignee" in opts
            else None
        )
        async with ctx.db.session() as session:
            leads = await list_leads(session, status=status, assignee=assignee, since=since)
        text = "\n".join(summary(lead) for lead in leads) or say.NO_MATCH
        return [Reply(text, title=say.LIST_TITLE.format(n=len(leads)), visibility=Visibility.EPHEMERAL)]

    async def show(self, ctx: Context, args: str) -> Replies:
        """``leads show L-0042``: the lead's details, history and triage buttons."""
        if not args.strip():
            raise UsageError(say.SHOW_USAGE)
        lead_id = parse_ref(args)
        async with ctx.db.session() as session:
            lead = _found(await get_lead(session, lead_id), lead_id)
            history = await lead_history(session, lead_id)
            requester = Identity(lead.platform, lead.requester) if lead.requester else None
            linked = (await identities_of(session, requester))[1:] if requester else []
            consents = await lead_consents(session, lead_id)
        return [
            Reply(
                card(lead, [str(who) for who in linked], consents, history),
                title=say.SHOW_TITLE.format(ref=lead.ref),
                buttons=triage_buttons(lead),
                visibility=Visibility.EPHEMERAL,
            )
        ]

    async def export(self, ctx: Context, args: str) -> Replies:
        """``leads export``: every lead as a CSV attachment."""
        async with ctx.db.session() as session:
            leads = await list_leads(session)
        attachment = Attachment("leads.csv", leads_csv(leads))
        return [
            Reply(
                say.EXPORTED.format(leads=counted(len(leads), "lead")),
                attachment=attachment,
                visibility=Visibility.EPHEMERAL,
            )
        ]

    # -- staff: changing ------------------------------------------------------------------------------------------

    async def assign(self, ctx: Context, args: str) -> Replies:
        """``leads assign L-0042 [USER]`` (default: the one asking)."""
        words = split_args(args)
        if not words:
            raise UsageError(say.ASSIGN_USAGE)
        who = self._flow.names.canonical(words[1] if len(words) > 1 else "me", ctx.origin)
        replies = await self._change(ctx, parse_ref(words[0]), assignee=who)
        if self._flow.names.dm_target(who) is None:  # a bare name: reminders about the lead cannot reach them
            replies = [replace(replies[0], text=f"{replies[0].text} {say.CANNOT_MESSAGE.format(assignee=quote(who))}")]
        return replies

    async def set_status(self, ctx: Context, args: str) -> Replies:
        """``leads status L-0042 STATUS``."""
        words = split_args(args)
        if len(words) != 2:
            raise UsageError(say.STATUS_USAGE.format(statuses=", ".join(STATUSES)))
        lead_id = parse_ref(words[0])
        status = words[1].lower()
        if status not in STATUSES:
            raise UsageError(say.UNKNOWN_STATUS.format(status=words[1], statuses=", ".join(STATUSES)))
        return await self._change(ctx, lead_id, status=status)

    async def note(self, ctx: Context, args: str) -> Replies:
        """``leads note L-0042 TEXT``."""
        reference, _, text = args.strip().partition(" ")
        if not text.strip():
            raise UsageError(say.NOTE_USAGE)
        return await self._change(ctx, parse_ref(reference), note=text.strip())

    async def merge(self, ctx: Context, args: str) -> Replies:
        """``leads merge L-0002 into L-0001``: close the first, its details go to the second's history."""
        source_id, target_id = _merge_refs(args)
        async with ctx.db.session() as session:
            found = await get_lead(session, source_id), await get_lead(session, target_id)
            source, target = _found(found[0], source_id), _found(found[1], target_id)
            if source.status == "merged":
                raise UsageError(say.ALREADY_MERGED.format(source=source.ref, target=ref(source.duplicate_of or 0)))
            if target.status == "merged":  # into a closed lead: a chain, or a loop where no lead can change again
                final = ref(target.duplicate_of or 0)
                raise UsageError(say.INTO_MERGED.format(source=source.ref, target=target.ref, final=final))
            await add_lead_event(session, target_id, ctx.actor, "merged", merge_detail(source), ctx.now)
            into = say.MERGED_INTO.format(ref=target.ref)
            await add_lead_event(session, source_id, ctx.actor, "merged", into, ctx.now)
            await merge_lead(session, source_id, target_id, ctx.now)
            merged = _found(await get_lead(session, source_id), source_id)
            await self._hooks.changed(session, source, merged, "merged", ctx.now)
            await self._hooks.changed(session, target, target, "merged", ctx.now)
        return [Reply(say.MERGED.format(source=source.ref, target=target.ref), visibility=Visibility.EPHEMERAL)]

    async def forget(self, ctx: Context, args: str) -> Replies:
        """``leads forget EMAIL [--name "FULL NAME"] [--user USER_ID]``: erase a person everywhere."""
        opts, rest = parse_options(split_args(args), {"--name", "--user"})
        email = email_address(rest[0]) if len(rest) == 1 else None
        if email is None:
            raise UsageError(say.FORGET_USAGE)
        extra = Person(
            names=frozenset({opts["--name"]}) if opts.get("--name") else frozenset(),
            user_ids=frozenset({opts["--user"]}) if opts.get("--user") else frozenset(),
        )
        result = await forget_person(ctx.db, email, extra, ctx.actor, say.FORGOTTEN_ON_REQUEST, ctx.now)
        async with ctx.db.session() as session:  # after the forget, whose own transaction is committed first
            await self._hooks.forgotten(session, result.lead_ids, ctx.now)
        others = result.rows_deleted + result.rows_anonymized
        if others:
            await self._after_forget()
        lead_refs = [ref(i) for i in result.lead_ids]
        files = await asyncio.to_thread(forget_in_exports, self._exports, result.person, lead_refs)
        log.info("forgot a person on request: %d lead(s), %d other record(s)", len(result.lead_ids), others)
        lines = [say.FORGET_NONE] if not result.lead_ids else []
        if result.lead_ids:
            refs = ", ".join(ref(i) for i in result.lead_ids)
            lines.append(say.FORGOTTEN.format(leads=counted(len(result.lead_ids), "lead"), refs=refs))
        if others:
            lines.append(say.FORGOTTEN_ELSEWHERE.format(records=counted(others, "other record")))
        if files:
            lines.append(
                say.FORGOTTEN_IN_EXPORTS.format(files=counted(files, "export file"), folder=folders_text(self._exports))
            )
        lines += not_followed(email, result.senders)
        return [Reply(" ".join(lines), visibility=Visibility.EPHEMERAL)]

    # -- staff: buttons and triage forms --------------------------------------------------------------------------

    async def on_button(self, ctx: Context, action: Action) -> Replies:
        """The triage buttons under a staff notice: assign to me, set status, add note, merge."""
        if action.action_id == "leads:assign":
            return await self._change(
                ctx, parse_ref(action.value), assignee=self._flow.names.canonical("me", ctx.origin)
            )
        if action.action_id == "leads:status":
            reference, _, status = action.value.partition(":")
            if not status:
                return [Reply("", form=status_form(parse_ref(reference)), visibility=Visibility.EPHEMERAL)]
            if status not in STATUSES:
                raise UsageError(say.STALE_BUTTON)
            return await self._change(ctx, parse_ref(reference), status=status)
        if action.action_id == "leads:note":
            return [Reply("", form=note_form(parse_ref(action.value)), visibility=Visibility.EPHEMERAL)]
        if action.action_id == "leads:merge":
            source, _, target = action.value.partition(":")
            return await self.merge(ctx, f"{source} into {target}")
        raise UsageError(say.STALE_BUTTON)

    async def triage_form(self, ctx: Context, submission: FormSubmission) -> Replies:
        """The status and note forms the triage buttons open."""
        _, kind, reference = submission.form_id.split(":", 2)
        lead_id = parse_ref(reference)
        if kind == "status":
            values = validate_form(status_form(lead_id), submission.values)
            return await self._change(ctx, lead_id, status=values["status"])
        values = validate_form(note_form(lead_id), submission.values)
        return await self._change(ctx, lead_id, note=values["note"])

    async def _change(
        self,
        ctx: Context,
        lead_id: int,
        *,
        status: str | None = None,
        assignee: str | None = None,
        note: str | None = None,
    ) -> Replies:
        async with ctx.db.session() as session:
            lead = after = _found(await get_lead(session, lead_id), lead_id)
            if lead.status == "merged" and (status is not None or assignee is not None):  # it lives on in another
                stays = say.MERGED_STAYS if status is not None else say.MERGED_NO_ASSIGN
                raise UsageError(stays.format(source=lead.ref, target=ref(lead.duplicate_of or 0)))
            if status is not None and status == lead.status:  # a second press or a repeat: no second history line
                return [Reply(say.ALREADY_STATUS.format(ref=lead.ref, status=status), visibility=Visibility.EPHEMERAL)]
            if assignee is not None and assignee == lead.assignee:
                already = say.ALREADY_ASSIGNED.format(ref=lead.ref, assignee=quote(assignee))
                return [Reply(already, visibility=Visibility.EPHEMERAL)]
            if status is not None:
                after = await update_lead(session, lead_id, ctx.now, status=status) or after
                await add_lead_event(session, lead_id, ctx.actor, "status", f"{lead.status} -> {status}", ctx.now)
            if assignee is not None:
                after = await update_lead(session, lead_id, ctx.now, assignee=assignee) or after
                await add_lead_event(session, lead_id, ctx.actor, "assigned", assignee, ctx.now)
            if note is not None:
                await add_lead_event(session, lead_id, ctx.actor, "note", note, ctx.now)
            change = "status" if status is not None else "assigned" if assignee is not None else "note"
            await self._hooks.changed(session, lead, after, change, ctx.now)
        if status:
            what = say.STATUS_CHANGED.format(status=status)
        else:
            what = say.ASSIGNED.format(assignee=quote(assignee)) if assignee else say.NOTE_ADDED
        return [Reply(say.CHANGED.format(ref=lead.ref, what=what), visibility=Visibility.EPHEMERAL)]


def _staff(
    name: str,
    handler: CommandHandler,
    summary: str,
    usage: str = "",
    examples: tuple[str, ...] = (),
    max_args: int | None = None,
) -> Command:
    """A ``leads`` subcommand for staff only."""
    return Command(name, handler, summary, examples=examples, usage=usage, min_role=Role.STAFF, max_args=max_args)


def _found(lead: Lead | None, lead_id: int) -> Lead:
    """``lead``, or :class:`NotFound` naming ``lead_id`` when there is none."""
    if lead is None:
        raise NotFound(say.NO_LEAD.format(ref=ref(lead_id)))
    return lead


def _merge_refs(text: str) -> tuple[int, int]:
    """``L-2 into L-1`` as (2, 1)."""
    words = text.split()
    if len(words) != 3 or words[1].lower() != "into":
        raise UsageError(say.MERGE_USAGE)
    source, target = parse_ref(words[0]), parse_ref(words[2])
    if source == target:
        raise UsageError(say.MERGE_ITSELF)
    return source, target
