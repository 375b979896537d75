"""Plain dataclasses the repositories return; features never see ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "CheckinAnswer",
    "CheckinRun",
    "Conversation",
    "FormDraft",
    "Identity",
    "Lead",
    "LeadEvent",
    "Member",
    "PersonData",
    "Sender",
    "StudyGroup",
]


@dataclass(frozen=True)
class Conversation:
    """A form being filled in step by step; ``version`` counts the saves of its row, as read."""

    platform: str
    channel: str
    user: str
    form_json: str
    values: dict[str, str]
    step: int
    version: int = 0


@dataclass(frozen=True)
class FormDraft:
    """A form shown in pages and not submitted yet; ``page`` is the next page to show."""

    token: str
    platform: str
    channel: str
    user: str
    form_json: str
    values: dict[str, str]
    page: int
    page_size: int


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
    duplicate_of: int | None = None
    status_since: datetime | None = None
    """When the lead entered its current status."""

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


@dataclass(frozen=True)
class StudyGroup:
    """A study group and its check-in settings."""

    id: int
    name: str
    platform: str
    channel: str
    timezone: str
    questions: tuple[str, ...]
    ask_mood: bool
    dm_members: bool
    window_hours: int
    reminder_hours: int
    rrule: str | None
    skip_dates: tuple[str, ...]
    paused: bool
    next_run_at: datetime | None


@dataclass(frozen=True)
class Member:
    """A member of a study group, and since when (None where it was not read)."""

    user: str
    is_facilitator: bool
    joined_at: datetime | None = None


@dataclass(frozen=True)
class CheckinRun:
    """One check-in: ``status`` is open, closed or missed."""

    id: int
    group_id: int
    scheduled_at: datetime
    status: str
    posted_at: datetime | None
    closes_at: datetime
    reminder_sent_at: datetime | None
    questions: tuple[str, ...]


@dataclass(frozen=True)
class CheckinAnswer:
    """A member's answers to a run."""

    run_id: int
    user: str
    answers: tuple[str, ...]
    mood: int | None
    updated_at: datetime


@dataclass(frozen=True)
class Identity:
    """One platform account: ``platform`` (``slack``, ``discord``, ``console``) and the platform's user id."""

    platform: str
    user: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.user}"


@dataclass(frozen=True)
class Sender:
    """A chat account that sent leads found by the email typed into them; not followed, since an email typed into a
    form says nothing about who typed it (an assistant sends their boss's address)."""

    identity: Identity
    lead_ids: tuple[int, ...]


@dataclass(frozen=True)
class PersonData:
    """How a person is named in the data: their linked identities, and what their leads add.

    Attributes:
        identities: every platform account of the person (one, when nothing is linked; none, when named by email).
        emails: email addresses staff named them by.
        names: names typed in the leads with those emails.
        lead_ids: their leads: sent from their identities, or with an email staff named them by.
        senders: the accounts, not theirs, that sent their leads found by email (not followed).
    """

    identities: tuple[Identity, ...]
    emails: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    lead_ids: tuple[int, ...] = ()
    senders: tuple[Sender, ...] = ()
