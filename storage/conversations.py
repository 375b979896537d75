"""Repository for half-filled forms: step-by-step conversations (one per user and channel) and form drafts shown in
pages (by token)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, CursorResult, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationRow, FormDraftRow
from storage.records import Conversation, FormDraft
from storage.upsert import insert_for

__all__ = [
    "CLAIM_LEASE",
    "cancel_draft",
    "claim_conversation",
    "claim_draft",
    "delete_conversation",
    "delete_draft",
    "drop_conversations",
    "get_conversation",
    "get_draft",
    "half_filled",
    "purge_drafts",
    "release_draft",
    "restore_conversation",
    "save_conversation",
    "save_draft",
    "update_conversation",
    "update_draft",
]

CLAIM_LEASE = timedelta(seconds=60)
"""How long a claim by :func:`claim_draft` (its last page is being submitted) holds. Meanwhile the draft is kept (so
that a cancel can drop it for good) but is neither shown nor saved over nor half filled. A process that stopped
between the claim and :func:`delete_draft` or :func:`release_draft` leaves a claim that lapses after this: the draft
is then as if released, at its page with its answers, where it used to stay hidden until it expired. Far longer than
a form takes to be checked (a platform gives up on an interaction after seconds)."""


def _claimed(now: datetime) -> ColumnElement[bool]:
    """A draft whose claim still holds at ``now``."""
    return and_(FormDraftRow.claimed_at.is_not(None), FormDraftRow.claimed_at > now - CLAIM_LEASE)


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    """A draft never claimed, released, or whose claim lapsed by ``now``."""
    return or_(FormDraftRow.claimed_at.is_(None), FormDraftRow.claimed_at <= now - CLAIM_LEASE)


def _record(row: ConversationRow) -> Conversation:
    return Conversation(
        platform=row.platform,
        channel=row.channel,
        user=row.user_id,
        form_json=row.form_json,
        values=json.loads(row.values_json),
        step=row.step,
        version=row.version,
    )


async def get_conversation(session: AsyncSession, platform: str, channel: str, user: str) -> Conversation | None:
    """The open conversation of ``user`` in ``channel``, if any."""
    row = await session.scalar(
        select(ConversationRow).where(
            ConversationRow.platform == platform,
            ConversationRow.channel == channel,
            ConversationRow.user_id == user,
        )
    )
    return None if row is None else _record(row)


async def save_conversation(session: AsyncSession, conv: Conversation, now: datetime) -> None:
    """Create or replace ``conv`` whatever the row holds (one per user and channel: a new form replaces an unfinished
    one); its version is bumped, so a step read before is not saved over it (see :func:`update_conversation`)."""
    row = await session.scalar(
        select(ConversationRow).where(
            ConversationRow.platform == conv.platform,
            ConversationRow.channel == conv.channel,
            ConversationRow.user_id == conv.user,
        )
    )
    if row is None:
        row = ConversationRow(platform=conv.platform, channel=conv.channel, user_id=conv.user, version=0)
        session.add(row)
    else:
        row.version = ConversationRow.version + 1  # in the UPDATE itself, so a save made meanwhile is counted too
    row.form_json = conv.form_json
    row.values_json = json.dumps(conv.values)
    row.step = conv.step
    row.updated_at = now


async def update_conversation(session: AsyncSession, conv: Conversation, now: datetime) -> bool:
    """Save ``conv``'s step and answers if its row is still as read (the same form, at ``conv.version``), bumping the
    version; True if this call saved it.

    The conditional UPDATE is a compare-and-set: when two messages of one user are handled at once (by two replicas),
    both read the same step, and only the first save goes through; the other gets False and must not say its answer
    was kept. A version, not the step and answers, is compared, so going back and answering again is a change too.
    """
    result = await session.execute(
        update(ConversationRow)
        .where(*_as_read(conv))
        .values(
            values_json=json.dumps(conv.values),
            step=conv.step,
            version=ConversationRow.version + 1,
            updated_at=now,
        )
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def _as_read(conv: Conversation) -> tuple[ColumnElement[bool], ...]:
    """``conv``'s row, only if it still holds the same form at the version read."""
    return (
        ConversationRow.platform == conv.platform,
        ConversationRow.channel == conv.channel,
        ConversationRow.user_id == conv.user,
        ConversationRow.form_json == conv.form_json,
        ConversationRow.version == conv.version,
    )


async def delete_conversation(session: AsyncSession, platform: str, channel: str, user: str) -> None:
    """Forget the conversation of ``user`` in ``channel``."""
    await session.execute(
        delete(ConversationRow).where(
            ConversationRow.platform == platform,
            ConversationRow.channel == channel,
            ConversationRow.user_id == user,
        )
    )


async def claim_conversation(session: AsyncSession, conv: Conversation) -> bool:
    """Delete ``conv`` if it is still as read (the same form, at ``conv.version``); True if this call deleted it.

    The conditional DELETE is the claim: when the same last answer is handled twice at once (by two replicas), one
    of them gets True and submits the form, the other gets False; so does a cancel read before another message moved
    the form on.
    """
    result = await session.execute(delete(ConversationRow).where(*_as_read(conv)))
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def restore_conversation(session: AsyncSession, conv: Conversation, now: datetime) -> bool:
    """Put back ``conv`` (claimed by :func:`claim_conversation`) unless its user has another conversation in that
    channel now; True if this call put it back.

    Between the claim and the put-back, another message of the user's (on another replica) may have started a new
    form there: the INSERT that the unique key refuses leaves that one as it is, where :func:`save_conversation`
    would overwrite it.
    """
    stmt = (
        insert_for(session, ConversationRow)
        .values(
            platform=conv.platform,
            channel=conv.channel,
            user_id=conv.user,
            form_json=conv.form_json,
            values_json=json.dumps(conv.values),
            step=conv.step,
            version=conv.version,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["platform", "channel", "user_id"])
        .returning(ConversationRow.id)
    )
    return await session.scalar(stmt) is not None


def _draft(row: FormDraftRow) -> FormDraft:
    return FormDraft(
        token=row.token,
        platform=row.platform,
        channel=row.channel,
        user=row.user_id,
        form_json=row.form_json,
        values=json.loads(row.values_json),
        page=row.page,
        page_size=row.page_size,
    )


async def get_draft(session: AsyncSession, token: str, since: datetime, now: datetime) -> FormDraft | None:
    """The draft ``token`` if it was last saved at or after ``since`` (older ones count as expired) and is not being
    submitted (a claim that holds at ``now``)."""
    row = await session.get(FormDraftRow, token)
    if row is None or row.updated_at < since:
        return None
    return None if row.claimed_at is not None and row.claimed_at > now - CLAIM_LEASE else _draft(row)


async def save_draft(session: AsyncSession, draft: FormDraft, now: datetime) -> None:
    """Create or update ``draft`` (a new draft: one that may have been cancelled is updated with
    :func:`update_draft`)."""
    row = await session.get(FormDraftRow, draft.token)
    if row is None:
        row = FormDraftRow(token=draft.token)
        session.add(row)
    row.platform, row.channel, row.user_id = draft.platform, draft.channel, draft.user
    row.form_json = draft.form_json
    row.values_json = json.dumps(draft.values)
    row.page, row.page_size = draft.page, draft.page_size
    row.updated_at = now


async def purge_drafts(session: AsyncSession, before: datetime) -> int:
    """Delete the drafts last saved before ``before``; how many there were."""
    result = await session.execute(delete(FormDraftRow).where(FormDraftRow.updated_at < before))
    assert isinstance(result, CursorResult)
    return result.rowcount


async def delete_draft(session: AsyncSession, token: str) -> None:
    """Forget the draft ``token`` (nothing happens if there is none)."""
    await session.execute(delete(FormDraftRow).where(FormDraftRow.token == token))


async def cancel_draft(session: AsyncSession, token: str, platform: str, user: str, now: datetime) -> bool | None:
    """Forget the draft ``token`` if it is ``user``'s on ``platform``, even while its last page is being submitted:
    what that submission or a page saved meanwhile would put back, :func:`update_draft` and :func:`release_draft`
    refuse, so a cancel wins whichever lands first.

    Returns:
        True if a draft was dropped before its last page was sent (or after its claim lapsed), False if it was being
        sent (claimed: the feature may take it all the same), None if there was none (sent already, expired, or not
        ``user``'s).
    """
    dropped = (
        await session.execute(
            delete(FormDraftRow)
            .where(FormDraftRow.token == token, FormDraftRow.platform == platform, FormDraftRow.user_id == user)
            .returning(FormDraftRow.token, FormDraftRow.claimed_at)
        )
    ).first()
    return None if dropped is None else dropped[1] is None or dropped[1] <= now - CLAIM_LEASE


async def update_draft(session: AsyncSession, draft: FormDraft, now: datetime) -> bool:
    """Save a page's answers over ``draft`` if it is still kept and not being submitted (a lapsed claim is dropped);
    False if it is gone (cancelled meanwhile, or claimed): nothing is saved then, where :func:`save_draft` would bring
    it back."""
    return await _update_draft(session, draft, now, _unclaimed(now))


async def release_draft(session: AsyncSession, draft: FormDraft, now: datetime) -> bool:
    """Put back ``draft``, claimed by :func:`claim_draft` (its submission was rejected or failed), with its answers and
    page; False if it was cancelled meanwhile, and nothing is put back."""
    return await _update_draft(session, draft, now, FormDraftRow.claimed_at.is_not(None))


async def _update_draft(session: AsyncSession, draft: FormDraft, now: datetime, state: ColumnElement[bool]) -> bool:
    result = await session.execute(
        update(FormDraftRow)
        .where(FormDraftRow.token == draft.token, state)
        .values(values_json=json.dumps(draft.values), page=draft.page, updated_at=now, claimed_at=None)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def claim_draft(session: AsyncSession, draft: FormDraft, now: datetime) -> bool:
    """Mark ``draft`` as being submitted if it is still exactly as read (same page and answers); True if this call
    marked it.

    As with :func:`claim_conversation`, the conditional statement makes a last page submitted twice at once (a retry,
    another replica) go through once. The claimed draft is kept, hidden, until :func:`delete_draft` (submitted) or
    :func:`release_draft` (rejected), or for :data:`CLAIM_LEASE` if neither comes (the process stopped): a cancel
    meanwhile deletes it, and so stops it from being put back. A lapsed claim can be claimed again.
    """
    result = await session.execute(
        update(FormDraftRow)
        .where(
            FormDraftRow.token == draft.token,
            FormDraftRow.values_json == json.dumps(draft.values),
            FormDraftRow.page == draft.page,
            _unclaimed(now),
        )
        .values(claimed_at=now, updated_at=now)  # not purged as expired while it is checked
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def half_filled(session: AsyncSession, form_id: str, now: datetime) -> list[tuple[str, str, dict[str, str]]]:
    """Everyone filling in the form ``form_id`` (step by step or in pages) and not done: their platform, user id and
    answers so far, the most recently saved last (a draft being submitted at ``now`` is done)."""
    found: list[tuple[datetime, str, str, dict[str, str]]] = []
    for model in (ConversationRow, FormDraftRow):
        unclaimed = [_unclaimed(now)] if model is FormDraftRow else []
        rows = await session.execute(
            select(model.updated_at, model.platform, model.user_id, model.form_json, model.values_json).where(
                model.form_json.contains(form_id, autoescape=True), *unclaimed
            )
        )
        for updated, platform, user, form_json, values_json in rows:
            if json.loads(form_json).get("form_id") == form_id:  # the same words elsewhere in another form
                found.append((updated, platform, user, json.loads(values_json)))
    found.sort(key=lambda row: row[0])
    return [(platform, user, values) for _, platform, user, values in found]


async def drop_conversations(session: AsyncSession, form_id: str) -> list[Conversation]:
    """Delete every step-by-step conversation filling in the form ``form_id`` (the form closed before they were
    done); the ones deleted, as they were."""
    rows = await session.scalars(
        select(ConversationRow).where(ConversationRow.form_json.contains(form_id, autoescape=True))
    )
    dropped = [_record(row) for row in rows if json.loads(row.form_json).get("form_id") == form_id]
    for conv in dropped:  # at any step: one answered meanwhile is as closed
        await session.execute(delete(ConversationRow).where(*_as_read(conv)[:4]))
    return dropped
