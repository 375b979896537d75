"""Meetings of study groups, their RSVPs, the notices sent about them, reflections, and late joiners' catch-ups.

See :mod:`storage.meetings`. ``starts_at`` is the UTC instant; ``local_start`` is the wall clock in the group's
zone and is what a meeting keeps across a daylight-saving change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime

__all__ = ["MeetingCatchupRow", "MeetingNoticeRow", "MeetingReflectionRow", "MeetingRow", "MeetingRsvpRow"]


class MeetingRow(Base):
    """One dated meeting of a study group; ``sequence`` is raised on every move or cancel (iCalendar SEQUENCE)."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_status_starts_at", "status", "starts_at"),
        Index("ix_meetings_next_notice_at", "next_notice_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("study_groups.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(String(80), unique=True, info={"personal": "no"})
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    local_start: Mapped[str] = mapped_column(String(16), info={"personal": "no"})
    length_minutes: Mapped[int] = mapped_column(Integer, default=90)
    place: Mapped[str | None] = mapped_column(String(200), info={"personal": "no"})
    link: Mapped[str | None] = mapped_column(String(500), info={"personal": "no"})
    status: Mapped[str] = mapped_column(String(16), default="scheduled", info={"personal": "no"})
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    series: Mapped[str | None] = mapped_column(String(40), info={"personal": "no"})
    platform_event_id: Mapped[str | None] = mapped_column(String(64), info={"personal": "no"})
    synced_sequence: Mapped[int] = mapped_column(Integer, default=-1)
    # When the next notice about this meeting is due (a reminder, the check-in, the reflections prompt or summary);
    # None when none is left. The meetings job claims meetings by it (storage.meeting_notes).
    next_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingRsvpRow(Base):
    """A member's answer to "are you coming?": ``yes`` or ``no``; the last press wins."""

    __tablename__ = "meeting_rsvps"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True, info={"personal": "owner"})
    answer: Mapped[str] = mapped_column(String(8), info={"personal": "no"})
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingNoticeRow(Base):
    """A notice about a meeting (``24h``, ``1h``, ``reflect``, ``summary``...), claimed once across replicas."""

    __tablename__ = "meeting_notices"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True, info={"personal": "no"})
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingReflectionRow(Base):
    """A member's Plus/Delta about a meeting: what worked, what to change, an optional 1-5 rating."""

    __tablename__ = "meeting_reflections"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True, info={"personal": "owner"})
    plus: Mapped[str] = mapped_column(Text, default="", info={"personal": "text"})
    delta: Mapped[str] = mapped_column(Text, default="", info={"personal": "text"})
    rating: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingCatchupRow(Base):
    """The one catch-up DM a member who joined after the group's first meeting gets, claimed once."""

    __tablename__ = "meeting_catchups"

    group_id: Mapped[int] = mapped_column(ForeignKey("study_groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True, info={"personal": "owner"})
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
