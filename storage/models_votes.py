"""Votes on the answers shown for a question (storage.questions): one per voter and shown recipe."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime

__all__ = ["AnswerVoteRow"]


class AnswerVoteRow(Base):
    """A "Helpful" or "Not helpful" on one recipe shown for a logged question: the direct answer, or one picked from
    its suggestions. Each shown recipe has its own votes, so a vote on one leaves another's alone; the unique key
    keeps one per voter on the same one, which the voter can change."""

    __tablename__ = "answer_votes"
    __table_args__ = (UniqueConstraint("question_id", "recipe_id", "voter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("asked_questions.id", ondelete="CASCADE"), index=True)
    recipe_id: Mapped[str] = mapped_column(String(300), info={"personal": "no"})
    # "platform:user"; NULL for the votes kept from before votes were per recipe (who cast them was not recorded),
    # and for those of a voter since forgotten: each then counts once, and two never collide on the unique key.
    voter: Mapped[str | None] = mapped_column(String(160), info={"personal": "id", "personal_forgotten": None})
    vote: Mapped[str] = mapped_column(String(16), info={"personal": "no"})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the voter last changed it (the latest wins); NULL while it is as first cast.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
