"""A person's data: found, exported as JSON, or erased; each export and erasure written to the audit log.

The walk over the tables is :func:`storage.personal.personal_rows` (export) and :func:`storage.forget.forget_person`
(erasure): both read the models' ``info["personal"]`` marks, so they cover the same rows and a new table too.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.events import Attachment, Reply
from bot.export_files import folders_text, forget_in_exports
from bot.features.people import text as say
from bot.plural import counted, listed
from bot.routing import STAFF
from bot.usertext import quote
from storage import Database
from storage.forget import Person, forget_person
from storage.people import dissolve_lonely, record_audit
from storage.personal import personal_rows
from storage.records import PersonData, Sender, StudyGroup

__all__ = [
    "erase",
    "export",
    "exports_text",
    "known",
    "removed_text",
    "senders_text",
    "unled_notices",
    "unled_text",
]


def _person(data: PersonData) -> Person:
    return Person(emails=data.emails, names=data.names, user_ids=frozenset(i.user for i in data.identities))


async def known(db: Database, data: PersonData) -> bool:
    """Whether anything held names the person: a user the bot has never seen is in no row."""
    return bool(await personal_rows(db, _person(data), data.lead_ids))


async def export(
    db: Database, data: PersonData, now: datetime, actor: str, subject_kind: str
) -> tuple[Attachment, int]:
    """Everything held about the person as a JSON file, and how many rows it holds.

    The export is recorded in the audit log (what, by whom, how many rows; never whose, nor the data).
    """
    rows = await personal_rows(db, _person(data), data.lead_ids)
    document: dict[str, Any] = {
        "generated_at": now.isoformat(),
        "identities": [str(who) for who in data.identities],
        "tables": rows,
    }
    count = sum(len(found) for found in rows.values())
    async with db.session() as session:
        await record_audit(session, f"export:{subject_kind}", actor, subject_kind, count, now)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    content = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)
    return Attachment(f"mydata-{stamp}.json", content, content_type="application/json; charset=utf-8"), count


async def erase(
    db: Database, data: PersonData, now: datetime, actor: str, subject_kind: str, exports: Path | None = None
) -> tuple[Counter[str], int]:
    """Erase or anonymize every row naming the person, then remove them from the export files in ``exports``.

    ``actor`` is who asked, for the lead history and the audit log (staff, or :data:`text.SELF`).

    Returns:
        How many of each table's rows were found (then recorded), and how many export files were rewritten or deleted.
    """
    person = _person(data)
    rows = await personal_rows(db, person, data.lead_ids)
    found = Counter({table: len(table_rows) for table, table_rows in rows.items()})
    email = min(data.emails, default="")
    reason = say.REASON_SELF if subject_kind == "self" else say.REASON_STAFF
    result = await forget_person(db, email, person, actor, reason, now, lead_ids=data.lead_ids)
    async with db.session() as session:
        await dissolve_lonely(session)
        await record_audit(session, f"forget:{subject_kind}", actor, subject_kind, sum(found.values()), now)
    refs = [f"L-{lead_id:04d}" for lead_id in result.lead_ids]
    files = await asyncio.to_thread(forget_in_exports, exports, _in_files(result.person, rows.get("leads", [])), refs)
    return found, files


def _in_files(person: Person, leads: list[dict[str, Any]]) -> Person:
    """Who to mask in the saved files: the person as erased, and the name and email typed into their own requests.

    In the database those are not followed from an account (they prove nothing about who typed them: another's
    request with the same email stays whole); in a saved report, masking them can only hide text, never hand
    anything out.
    """
    emails = {str(lead["email"]) for lead in leads if lead.get("email")}
    names = {str(lead["name"]) for lead in leads if lead.get("name")}
    return Person(person.emails | emails, person.names | names, person.user_ids)


def unled_text(template: str, groups: Sequence[StudyGroup]) -> str:
    """``template`` (a sentence of :mod:`.text` with ``{groups}``, ``{it}``, ``{its}``) said of the study groups an
    erasure leaves with no facilitator ("" for none)."""
    if not groups:
        return ""
    names = listed([f"**{quote(g.name)}**" for g in groups])
    one = len(groups) == 1
    return template.format(
        groups=(say.ONE_GROUP if one else say.GROUPS).format(names=names),
        it="it" if one else "them",
        its="its" if one else "their",
    )


def unled_notices(groups: Sequence[StudyGroup]) -> list[Reply]:
    """The staff channel's word that each of ``groups`` lost its only facilitator to an erasure."""
    return [
        Reply(
            say.UNLED.format(name=f"**{quote(g.name)}**", channel=quote(g.channel)),
            title=say.UNLED_TITLE,
            channel=STAFF,
            platform=g.platform,
        )
        for g in groups
    ]


def removed_text(found: Counter[str]) -> str:
    """``3 check-in answers, 1 request``: what was erased, in readable words (tables with the same words added up)."""
    by_words: Counter[tuple[str, str]] = Counter()
    for table, n in sorted(found.items()):
        by_words[say.TABLES.get(table, (table, table))] += n
    return ", ".join(counted(n, *words) for words, n in by_words.items() if n)


def exports_text(files: int, folder: Path) -> str:
    """`` Also removed them from 2 export files in data/exports.`` ("" when no export file held them)."""
    return (
        say.ERASED_IN_EXPORTS.format(files=counted(files, "export file"), folder=folders_text(folder)) if files else ""
    )


def senders_text(senders: tuple[Sender, ...], template: str) -> str:
    """What staff are told of the accounts that sent the person's leads found by email, and were not followed:
    ``template`` (:data:`text.NOT_FOLLOWED_FORGET` or ``_EXPORT``) once per account ("" for none)."""
    said = []
    for sender in senders:
        leads = listed([f"L-{lead_id:04d}" for lead_id in sender.lead_ids])
        was = "was" if len(sender.lead_ids) == 1 else "were"
        said.append(template.format(leads=leads, was=was, account=quote(str(sender.identity))))
    return "".join(said)
