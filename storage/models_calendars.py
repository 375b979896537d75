"""Calendar sync claims: which process is pushing a meeting to a platform's own calendar (see storage.calendars)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime

__all__ = ["CalendarSyncClaimRow"]


class CalendarSyncClaimRow(Base):
    """A meeting one process is pushing to a platform (a Discord scheduled event) until ``claimed_until``.

    One row per meeting at most: of two replicas, the one whose insert (or takeover of an expired claim) succeeds
    pushes; the row goes once the push is recorded, or expires if that process died.
    """

    __tablename__ = "calendar_sync_claims"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    claimed_until: Mapped[datetime] = mapped_column(UTCDateTime())
