"""Help threads: a question asked in a thread or a watched channel, who replied, and who solved it (storage.threads)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime

__all__ = ["HelpThreadRow"]


class HelpThreadRow(Base):
    """One thread a member asked in (Slack thread ts, Discord thread or message id, a console thread name).

    The unique key is what two replicas race on: the one whose insert lands answers the thread.
    """

    __tablename__ = "help_threads"
    __table_args__ = (UniqueConstraint("platform", "channel", "thread"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    channel: Mapped[str] = mapped_column(String(128), info={"personal": "no"})
    thread: Mapped[str] = mapped_column(String(64), info={"personal": "no"})
    asker: Mapped[str] = mapped_column(String(128), info={"personal": "owner"})
    question: Mapped[str] = mapped_column(Text, info={"personal": "text"})
    question_id: Mapped[int | None] = mapped_column(ForeignKey("asked_questions.id", ondelete="SET NULL"))
    recipe_id: Mapped[str | None] = mapped_column(String(300), info={"personal": "no"})
    bot_answered: Mapped[bool] = mapped_column(Boolean, default=False)
    first_human_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_human_replier: Mapped[str | None] = mapped_column(String(128), info={"personal": "id"})
    last_human_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    solved_by: Mapped[str | None] = mapped_column(String(128), info={"personal": "id"})
    solver: Mapped[str | None] = mapped_column(String(128), info={"personal": "id"})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
