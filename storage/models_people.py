"""People and their platform identities, one-time link codes, the privacy audit log (see storage.people), and each
identity's own settings: time zone and days away (see storage.prefs)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime

__all__ = ["LinkCodeRow", "MemberAwayRow", "MemberPrefsRow", "PersonIdentityRow", "PersonRow", "PrivacyAuditRow"]


class PersonRow(Base):
    """A person: the platform identities below are theirs (one member across Slack, Discord and the console)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PersonIdentityRow(Base):
    """One platform identity of a person; an identity belongs to one person at most."""

    __tablename__ = "person_identities"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True, info={"personal": "no"})
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True, info={"personal": "owner"})
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LinkCodeRow(Base):
    """A one-time code ``link`` gave an identity: only its SHA-256 is kept; used once, before it expires."""

    __tablename__ = "link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True, info={"personal": "no"})
    platform: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    user_id: Mapped[str] = mapped_column(String(128), info={"personal": "owner"})
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class PrivacyAuditRow(Base):
    """A data export or erasure: what was done, by whom, when and how much; never whose data, nor the data."""

    __tablename__ = "privacy_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    actor: Mapped[str] = mapped_column(String(160), info={"personal": "id"})
    subject_kind: Mapped[str] = mapped_column(String(16), info={"personal": "no"})
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberPrefsRow(Base):
    """An identity's own settings (``me tz``): the time zone times are shown in, on the console and in files."""

    __tablename__ = "member_prefs"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True, info={"personal": "no"})
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True, info={"personal": "owner"})
    timezone: Mapped[str] = mapped_column(String(64), info={"personal": "no"})
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberAwayRow(Base):
    """A stretch of days off (``me away``): no reminders nor check-in DMs, from ``starts_on`` to ``ends_on``."""

    __tablename__ = "member_away"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    user_id: Mapped[str] = mapped_column(String(128), index=True, info={"personal": "owner"})
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
