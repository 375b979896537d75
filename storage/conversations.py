"""Repository for step-by-step conversations."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationRow
from storage.records import Conversation

__all__ = ["claim_conversation", "delete_conversation", "get_conversation", "save_conversation"]


def _record(row: ConversationRow) -> Conversation:
    return Conversation(
        platform=row.platform,
        channel=row.channel,
        user=row.user_id,
        form_json=row.form_json,
        values=json.loads(row.values_json),
        step=row.step,
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
    """Create or update ``conv`` (one per user and channel: a new form replaces an unfinished one)."""
    row = await session.scalar(
        select(ConversationRow).where(
            ConversationRow.platform == conv.platform,
            ConversationRow.channel == conv.channel,
            ConversationRow.user_id == conv.user,
        )
    )
    if row is None:
        row = ConversationRow(platform=conv.platform, channel=conv.channel, user_id=conv.user)
        session.add(row)
    row.form_json = conv.form_json
    row.values_json = json.dumps(conv.values)
    row.step = conv.step
    row.updated_at = now


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
    """Delete ``conv`` if it is still exactly as read (same form, step and answers); True if this call deleted it.

    The conditional DELETE is the claim: when the same last answer is handled twice at once (by two replicas), one
    of them gets True and submits the form, the other gets False.
    """
    result = await session.execute(
        delete(ConversationRow).where(
            ConversationRow.platform == conv.platform,
            ConversationRow.channel == conv.channel,
            ConversationRow.user_id == conv.user,
            ConversationRow.form_json == conv.form_json,
            ConversationRow.values_json == json.dumps(conv.values),
            ConversationRow.step == conv.step,
        )
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1
