"""Plain dataclasses the repositories return; features never see ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Conversation", "Lead", "LeadEvent"]


@dataclass(frozen=True)
class Conversation:
    """A form being filled in step by step."""

    platform: str
    channel: str
    user: str
    form_json: str
    values: dict[str, str]
    step: int


@dataclass(frozen=True)
class Lead:
    """A consulting request as staff see it. Personal fields are None once forgotten."""

    id: int
    name: str | None
    email: str | None
    organization: str | None
    help_kind: str
    description: str | None
    timeline: str | None
    budget: str | None
    status: str
    assignee: str | None
    platform: str
    requester: str | None
    created_at: datetime
    updated_at: datetime
    anonymized_at: datetime | None
    reminded_at: datetime | None = None

    @property
    def ref(self) -> str:
        """The reference shown to people, e.g. ``L-0042``."""
        return f"L-{self.id:04d}"


@dataclass(frozen=True)
class LeadEvent:
    """One entry of a lead's history."""

    lead_id: int
    actor: str
    kind: str
    detail: str
    created_at: datetime
