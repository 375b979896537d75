"""Peers before staff: helper opt-ins, escalation records, the peers each asked, and "Save as recipe" claims.

See :mod:`storage.escalations`. Every claim here is a unique key or a conditional update, so two replicas never DM
a peer, post to staff or offer a draft twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime

__all__ = ["EscalationPeerRow", "EscalationRow", "HelperRow", "RecipeOfferRow"]


class HelperRow(Base):
    """A member who said ``helper on``: peers are asked before staff. ``topics`` are words they know about."""

    __tablename__ = "helpers"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True, info={"personal": "no"})
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True, info={"personal": "owner"})
    topics: Mapped[str] = mapped_column(String(500), default="", info={"personal": "text"})
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class EscalationRow(Base):
    """One "Ask a human" on one logged question: where its thread is, and when staff were told (claimed once)."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("asked_questions.id", ondelete="CASCADE"), unique=True)
    platform: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    channel: Mapped[str] = mapped_column(String(128), info={"personal": "no"})
    thread: Mapped[str | None] = mapped_column(String(64), info={"personal": "no"})
    link: Mapped[str | None] = mapped_column(String(500), info={"personal": "no"})
    asker: Mapped[str] = mapped_column(String(128), info={"personal": "id"})
    peers_asked: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    staff_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EscalationPeerRow(Base):
    """A peer asked about an escalation (by DM); counted for the per-day limit."""

    __tablename__ = "escalation_peers"
    __table_args__ = (Index("ix_escalation_peers_user", "platform", "user_id", "asked_at"),)

    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32), primary_key=True, info={"personal": "no"})
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True, info={"personal": "owner"})
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecipeOfferRow(Base):
    """A solved question whose "Save as recipe" button staff were given: the key makes it once per question."""

    __tablename__ = "recipe_offers"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("asked_questions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
