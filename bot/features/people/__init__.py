"""``link``, ``unlink``, ``mydata``, ``me`` (anyone), ``people show`` and ``privacy export|forget`` (staff).

A person owns platform identities: ``link`` on one account gives a one-time code (kept only as its SHA-256, ten
minutes, single use) that ``link CODE`` on another confirms. The dispatcher then gives every event the user's linked
identities (:attr:`bot.feature.Context.linked`) and the highest role any of them holds; study groups and leads look
the person up through them. ``mydata`` sends the person, privately, a JSON file of every row about them; ``mydata
delete`` asks first, then erases it (:mod:`.data`). Staff do the same for someone else with ``privacy``; each
export and erasure is written to the audit log without the data or whose it was. ``me`` holds the person's own time
zone and days away (:mod:`.me`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import ClassVar

from bot.errors import UsageError
from bot.events import Action, Button, Reply, Visibility
from bot.export_files import expire_exports, export_folder
from bot.feature import ActionRoute, Command, Context, Deps, Group, Replies, Slash, Surface
from bot.features.people import data
from bot.features.people import text as say
from bot.features.people.me import me
from bot.features.people.who import person_of_arg, subject_of_arg
from bot.permissions import Role
from bot.routing import STAFF
from bot.usertext import quote
from storage import Database
from storage.checkins import led_only_by
from storage.people import identities_of, issue_code, link, person_data, redeem_code, unlink

__all__ = ["CODE_MINUTES", "People", "hash_code"]

log = logging.getLogger(__name__)

CODE_MINUTES = 10
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or retyped without mistakes
_CODE_LENGTH = 12  # about 59 bits: not guessable in ten minutes
# Arguments that make `link`, `mydata` and `me` plainly those commands, even as a form's answer ("me too" is not).
_A_CODE = re.compile(r"[a-z0-9]{4}(?:[- ]?[a-z0-9]{4}){2}", re.IGNORECASE)
_DELETE = re.compile(r"delete", re.IGNORECASE)
_ME_ARGS = re.compile(r"tz\s+\S+|away\s+\S.*", re.IGNORECASE | re.DOTALL)


def hash_code(code: str) -> str:
    """The stored form of a link code: SHA-256 of it without dashes or spaces, in capitals."""
    plain = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(plain.encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


class People:
    """One person across platforms, and their data in their hands."""

    name: ClassVar[str] = "people"

    def __init__(self, deps: Deps) -> None:
        self._after_forget: Callable[[], Awaitable[None]] = deps.forget_knowledge
        self._staff = deps.channels.configured(STAFF)
        self._exports = export_folder(deps.settings)
        self._keep_exports = timedelta(days=deps.settings.export_retention_days)

    def surface(self) -> Surface:
        """``link``, ``unlink`` and ``mydata`` for everyone; ``people show`` and ``privacy`` for staff."""
        staff = Role.STAFF
        return Surface(
            self.name,
            groups=(Group("people", say.GROUP_PEOPLE, slack=False), Group("privacy", say.GROUP_PRIVACY, slack=False)),
            commands=(
                Command(
                    "link",
                    self.link,
                    say.SUMMARY_LINK,
                    usage="link [CODE]",
                    examples=("link", "link ABCD-EFGH-JKMN"),
                    slash=Slash(say.SLASH_LINK, "code", say.SLASH_LINK_OPTION, required=False, slack=False),
                    typed_args=_A_CODE,
                ),
                Command(
                    "unlink", self.unlink, say.SUMMARY_UNLINK, slash=Slash(say.SLASH_UNLINK, slack=False), max_args=0
                ),
                Command(
                    "mydata",
                    self.mydata,
                    say.SUMMARY_MYDATA,
                    usage="mydata [delete]",
                    examples=("mydata", "mydata delete"),
                    slash=Slash(
                        say.SLASH_MYDATA, "action", say.SLASH_MYDATA_OPTION, required=False, usage_hint="[delete]"
                    ),
                    typed_args=_DELETE,
                    max_args=1,
                ),
                Command(
                    "me",
                    me,
                    say.SUMMARY_ME,
                    usage="me [tz ZONE | tz off | away START END | away off]",
                    examples=("me tz Europe/Berlin", "me away 2026-12-20 2027-01-04", "me away off"),
                    typed_args=_ME_ARGS,
                ),
                Command("people show", self.show, say.SUMMARY_SHOW, usage="people show USER", min_role=staff),
                Command(
                    "privacy export", self.staff_export, say.SUMMARY_EXPORT, usage=say.EXPORT_USAGE, min_role=staff
                ),
                Command(
                    "privacy forget", self.staff_forget, say.SUMMARY_FORGET, usage=say.FORGET_USAGE, min_role=staff
                ),
            ),
            actions=(ActionRoute("people", self.on_button),),
            jobs=(self.expire_exports,),
        )

    async def expire_exports(self, db: Database, now: datetime) -> list[Reply]:
        """Delete the saved export files older than ``export_retention_days`` (only their count is logged)."""
        gone = await asyncio.to_thread(expire_exports, self._exports, self._keep_exports)
        if gone:
            log.info("deleted %d export file(s) older than %d days", gone, self._keep_exports.days)
        return []

    # -- linking --------------------------------------------------------------------------------------------------

    async def link(self, ctx: Context, args: str) -> Replies:
        """``link``: a one-time code for this account; ``link CODE``: join the account that code was given to."""
        me = ctx.identities[0]
        if not args.strip():
            code = _new_code()
            async with ctx.db.session() as session:
                await issue_code(session, me, hash_code(code), ctx.now + timedelta(minutes=CODE_MINUTES), ctx.now)
            return [Reply(say.CODE.format(code=code, minutes=CODE_MINUTES), visibility=Visibility.EPHEMERAL)]
        async with ctx.db.session() as session:
            owner = await redeem_code(session, hash_code(args), me, ctx.now)
            if owner == me:
                raise UsageError(say.OWN_CODE.format(code=args.strip().upper()))
            if owner is None:
                raise UsageError(say.BAD_CODE)
            linked = await link(session, owner, me, ctx.now)
        log.info("linked two accounts (%s and %s)", owner.platform, me.platform)
        names = ", ".join(str(who) for who in linked)
        return [Reply(say.LINKED.format(identities=quote(names)), visibility=Visibility.EPHEMERAL)]

    async def unlink(self, ctx: Context, args: str) -> Replies:
        """``unlink``: this account leaves its person."""
        async with ctx.db.session() as session:
            done = await unlink(session, ctx.identities[0])
        return [Reply(say.UNLINKED if done else say.NOT_LINKED, visibility=Visibility.EPHEMERAL)]

    async def show(self, ctx: Context, args: str) -> Replies:
        """``people show USER``: the user's linked accounts and their requests."""
        who = person_of_arg(ctx, args, "people show USER")
        async with ctx.db.session() as session:
            identities = await identities_of(session, who)
            found = await person_data(session, identities, trusted=True)
        if len(identities) == 1 and not found.lead_ids:
            alone = say.SHOW_ALONE if await data.known(ctx.db, found) else say.SHOW_UNKNOWN
            return [Reply(alone.format(who=quote(str(who))), visibility=Visibility.EPHEMERAL)]
        accounts = ", ".join(str(i) for i in found.identities)
        leads = ", ".join(f"L-{lead_id:04d}" for lead_id in found.lead_ids) or say.NONE
        fields = ((say.SHOW_ACCOUNTS, quote(accounts)), (say.SHOW_LEADS, leads))
        title = say.SHOW_TITLE.format(who=quote(str(who)))
        return [Reply("", title=title, fields=fields, visibility=Visibility.EPHEMERAL)]

    # -- one's own data -------------------------------------------------------------------------------------------

    async def mydata(self, ctx: Context, args: str) -> Replies:
        """``mydata``: a JSON file of everything about the person, by DM; ``mydata delete``: erase, once confirmed."""
        word = args.strip().lower()
        if word == "delete":
            buttons = (
                Button(say.CONFIRM_BUTTON, "people:erase", str(ctx.identities[0]), primary=True),
                Button(say.CANCEL_BUTTON, "people:keep", str(ctx.identities[0])),
            )
            async with ctx.db.session() as session:
                unled = await led_only_by(session, ctx.identities)
            warn = data.unled_text(say.CONFIRM_UNLED if self._staff else say.CONFIRM_UNLED_NO_STAFF, unled)
            asks = say.CONFIRM_ERASES + warn + say.CONFIRM_ASK
            return [Reply(asks, buttons=buttons, visibility=Visibility.EPHEMERAL)]
        if word:
            raise UsageError(say.MYDATA_USAGE)
        async with ctx.db.session() as session:
            found = await person_data(session, ctx.identities)
        attachment, count = await data.export(ctx.db, found, ctx.now, say.SELF, "self")
        return [Reply(say.EXPORTED.format(n=count), attachment=attachment, visibility=Visibility.DM)]

    async def on_button(self, ctx: Context, action: Action) -> Replies:
        """The confirm and cancel buttons under ``mydata delete``: only for the account that asked."""
        if action.value != str(ctx.identities[0]):
            raise UsageError(say.NOT_YOURS)
        if action.action_id != "people:erase":
            return [Reply(say.CANCELLED, visibility=Visibility.EPHEMERAL)]
        async with ctx.db.session() as session:
            found = await person_data(session, ctx.identities)
            unled = await led_only_by(session, found.identities)  # erasing goes ahead: staff are told
        removed, files = await data.erase(ctx.db, found, ctx.now, say.SELF, "self", self._exports)
        await self._after_forget()  # learned examples may have named them
        log.info("erased a person's data on their request: %d record(s)", sum(removed.values()))
        what = data.removed_text(removed)
        said = say.ERASED.format(what=what) if what else say.ERASED_NOTHING
        done = Reply(said + data.exports_text(files, self._exports), visibility=Visibility.EPHEMERAL)
        return [done, *(data.unled_notices(unled) if self._staff else [])]  # no staff channel: the warning was all

    # -- staff ----------------------------------------------------------------------------------------------------

    async def staff_export(self, ctx: Context, args: str) -> Replies:
        """``privacy export USER|EMAIL``: the JSON file of everything about that person, for staff, privately (by
        email, without the accounts that sent their requests: the reply names those); for a person nothing names,
        no file but "I do not know"."""
        kind, identities, emails = subject_of_arg(ctx, args, say.EXPORT_USAGE)
        async with ctx.db.session() as session:
            found = await person_data(session, identities, emails, trusted=True)
        if not await data.known(ctx.db, found):  # as `people show` says: no file of nothing, to erase later
            who = emails[0] if emails else str(identities[0])
            return [Reply(say.EXPORT_UNKNOWN.format(who=quote(who)), visibility=Visibility.EPHEMERAL)]
        attachment, count = await data.export(ctx.db, found, ctx.now, ctx.actor, kind)
        said = say.STAFF_EXPORTED.format(n=count) + data.senders_text(found.senders, say.NOT_FOLLOWED_EXPORT)
        return [Reply(said, attachment=attachment, visibility=Visibility.EPHEMERAL)]

    async def staff_forget(self, ctx: Context, args: str) -> Replies:
        """``privacy forget USER|EMAIL``: erase everything about that person (by email, not the accounts that sent
        their requests: the reply names those)."""
        kind, identities, emails = subject_of_arg(ctx, args, say.FORGET_USAGE)
        async with ctx.db.session() as session:
            found = await person_data(session, identities, emails, trusted=True)
            unled = await led_only_by(session, found.identities)
        removed, files = await data.erase(ctx.db, found, ctx.now, ctx.actor, kind, self._exports)
        await self._after_forget()
        log.info("erased a person's data on request: %d record(s)", sum(removed.values()))
        what = data.removed_text(removed)
        said = say.ERASED_BY_STAFF.format(what=what) if what else say.ERASED_NOTHING_BY_STAFF
        said += data.exports_text(files, self._exports) + data.senders_text(found.senders, say.NOT_FOLLOWED_FORGET)
        said += data.unled_text(say.FORGOT_UNLED, unled)
        return [Reply(said, visibility=Visibility.EPHEMERAL)]
