"""ORM models. Only repositories use them; features see the dataclasses in :mod:`storage.records`.

Every string column says in ``info["personal"]`` whether it holds personal data, for ``leads forget``
(:mod:`storage.forget`; a test fails on an unmarked column):

- ``"owner"``: a user id whose row is that user's own (a half-filled form, a membership, check-in answers);
- ``"id"``: a user id or email that points at someone (an assignee, a history actor);
- ``"text"``: free text people type, which may name anyone;
- ``"json"``: JSON whose string values (under ``info["personal_keys"]`` when given) are such text; the user id
  under ``info["personal_owner"]`` makes the row that user's own;
- ``"no"``: structural (status, platform, channel, timezone, rule, keys): never read nor changed.

``info["personal_when"] = (column, values)`` limits the marking to rows whose ``column`` is one of ``values``.
``info["personal_owns"]`` on an ``id`` column names the row's columns that are the own words of whom it names (erased
whole with them); a table's ``info["personal_copies"]`` names its column that may copy such words (see
:mod:`storage.wording`). ``info["personal_forgotten"]`` is what an ``id`` becomes instead of ``(forgotten)``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

__all__ = [
    "AskedQuestionRow",
    "Base",
    "CheckinAnswerRow",
    "CheckinRunRow",
    "ConversationRow",
    "DigestClaimRow",
    "FormDraftRow",
    "GroupMemberRow",
    "LeadConsentRow",
    "LeadEventRow",
    "LeadReminderRow",
    "LeadRotationRow",
    "LeadRow",
    "LearnedExampleRow",
    "ProcessedEventRow",
    "ScheduledMessageRow",
    "StaffAwayRow",
    "StudyGroupRow",
    "WebhookDeliveryRow",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ConversationRow(Base):
    """A form being filled in step by step, one per user and channel."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("platform", "channel", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    channel: Mapped[str] = mapped_column(String(128), info={"personal": "no"})
    user_id: Mapped[str] = mapped_column(String(128), info={"personal": "owner"})
    form_json: Mapped[str] = mapped_column(Text, info={"personal": "no"})
    values_json: Mapped[str] = mapped_column(Text, default="{}", info={"personal": "json"})
    step: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by every save: a step saves over what it read
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FormDraftRow(Base):
    """A form shown in pages (modals) and not submitted yet: what was typed so far, by a token sent with each page."""

    __tablename__ = "form_drafts"

    token: Mapped[str] = mapped_column(String(64), primary_key=True, info={"personal": "no"})
    platform: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    channel: Mapped[str] = mapped_column(String(128), info={"personal": "no"})
    user_id: Mapped[str] = mapped_column(String(128), info={"personal": "owner"})
    form_json: Mapped[str] = mapped_column(Text, info={"personal": "no"})
    values_json: Mapped[str] = mapped_column(Text, default="{}", info={"personal": "json"})
    page: Mapped[int] = mapped_column(Integer, default=0)
    page_size: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # its last page is being submitted since


class LeadRow(Base):
    """A consulting request. Personal fields are nulled when the person asks to be forgotten."""

    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_email_lower", "email_lower"),
        Index("uq_leads_submission_key", "submission_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200), info={"personal": "text"})
    email: Mapped[str | None] = mapped_column(String(254), info={"personal": "id"})
    email_lower: Mapped[str | None] = mapped_column(String(254), info={"personal": "id"})
    organization: Mapped[str | None] = mapped_column(String(200), info={"personal": "text"})
    help_kind: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    description: Mapped[str | None] = mapped_column(Text, info={"personal": "text"})
    timeline: Mapped[str | None] = mapped_column(String(200), info={"personal": "text"})
    budget: Mapped[str | None] = mapped_column(String(200), info={"personal": "text"})
    status: Mapped[str] = mapped_column(String(16), default="new", info={"personal": "no"})
    assignee: Mapped[str | None] = mapped_column(String(128), info={"personal": "id"})
    platform: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    requester: Mapped[str | None] = mapped_column(String(128), info={"personal": "id"})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A hash of who sent which answers: the same submission delivered twice makes one lead (unique, even across
    # replicas). Erased with the personal fields.
    submission_key: Mapped[str | None] = mapped_column(String(64), info={"personal": "no"})
    # Another open lead with the same email address when this one came in; staff merge or keep both.
    duplicate_of: Mapped[int | None] = mapped_column(Integer)
    # When the lead entered its current status (None: since it was created); the response timer counts from here.
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LeadEventRow(Base):
    """One entry of a lead's history: who did what, when."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(160), info={"personal": "id"})
    kind: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    detail: Mapped[str] = mapped_column(
        Text, default="", info={"personal": "text", "personal_when": ("kind", ("note", "merged", "assigned"))}
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LeadConsentRow(Base):
    """A consent asked on the consult form: the words shown, their version, the answer, when and where."""

    __tablename__ = "lead_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16), info={"personal": "no"})
    given: Mapped[bool] = mapped_column()
    text: Mapped[str] = mapped_column(Text, info={"personal": "no"})
    version: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    platform: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LeadReminderRow(Base):
    """A missed response target's reminder, claimed once: the unique key means one process sends each stage."""

    __tablename__ = "lead_reminders"
    __table_args__ = (UniqueConstraint("lead_id", "status", "since", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), info={"personal": "no"})
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    stage: Mapped[str] = mapped_column(String(16), info={"personal": "no"})
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffAwayRow(Base):
    """A staff member's ``leads away on|off``: overrides the settings' away list."""

    __tablename__ = "staff_away"

    name: Mapped[str] = mapped_column(String(160), primary_key=True, info={"personal": "owner"})
    away: Mapped[bool] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LeadRotationRow(Base):
    """Who got the last lead handed out in turn (one row), so replicas and restarts continue the rotation."""

    __tablename__ = "lead_rotation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[str | None] = mapped_column(String(160), info={"personal": "id"})
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StudyGroupRow(Base):
    """A study group bound to one chat channel, with its check-in schedule."""

    __tablename__ = "study_groups"
    __table_args__ = (UniqueConstraint("platform", "channel"), Index("ix_study_groups_next_run_at", "next_run_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), info={"personal": "no"})
    platform: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    channel: Mapped[str] = mapped_column(String(128), info={"personal": "no"})
    timezone: Mapped[str] = mapped_column(String(64), info={"personal": "no"})
    questions_json: Mapped[str] = mapped_column(Text, info={"personal": "no"})
    ask_mood: Mapped[bool] = mapped_column(default=False)
    dm_members: Mapped[bool] = mapped_column(default=False)
    window_hours: Mapped[int] = mapped_column(Integer, default=24)
    reminder_hours: Mapped[int] = mapped_column(Integer, default=4)
    rrule: Mapped[str | None] = mapped_column(Text, info={"personal": "no"})
    skip_dates_json: Mapped[str] = mapped_column(Text, default="[]", info={"personal": "no"})
    paused: Mapped[bool] = mapped_column(default=False)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(160), info={"personal": "id"})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Meetings (storage.meetings): the secret of the group's calendar feed URL; the reminders before each meeting
    # (minutes, comma-separated, largest first); where the reflections summary goes ("channel" or "dm"); and a
    # check-in tied to meetings instead of the rrule ("before:MINUTES" or "after"; None: the rrule).
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True, info={"personal": "no"})
    meeting_reminders: Mapped[str] = mapped_column(String(64), default="1440,60", info={"personal": "no"})
    reflection_summary: Mapped[str] = mapped_column(String(8), default="channel", info={"personal": "no"})
    checkin_meetings: Mapped[str | None] = mapped_column(String(16), info={"personal": "no"})


class GroupMemberRow(Base):
    """A member of a study group; ``is_facilitator`` marks those who run it."""

    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("study_groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True, info={"personal": "owner"})
    is_facilitator: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CheckinRunRow(Base):
    """One scheduled check-in. The unique (group, time) pair means a run is created once, whoever ticks."""

    __tablename__ = "checkin_runs"
    __table_args__ = (
        UniqueConstraint("group_id", "scheduled_at"),
        Index("ix_checkin_runs_status_closes_at", "status", "closes_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("study_groups.id", ondelete="CASCADE"))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), info={"personal": "no"})
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminder_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    questions_json: Mapped[str] = mapped_column(Text, info={"personal": "no"})


class CheckinAnswerRow(Base):
    """A member's answers to one run; edited in place until the run closes."""

    __tablename__ = "checkin_answers"

    run_id: Mapped[int] = mapped_column(ForeignKey("checkin_runs.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True, info={"personal": "owner"})
    answers_json: Mapped[str] = mapped_column(Text, info={"personal": "json"})
    mood: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AskedQuestionRow(Base):
    """A question the bot was asked, what it answered, and the feedback it got."""

    __tablename__ = "asked_questions"
    __table_args__ = (Index("ix_asked_questions_recipe_id", "recipe_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32), info={"personal": "no"})
    question: Mapped[str] = mapped_column(Text, info={"personal": "text"})
    recipe_id: Mapped[str | None] = mapped_column(String(300), info={"personal": "no"})
    score: Mapped[float] = mapped_column(Float, default=0.0)
    feedback: Mapped[str | None] = mapped_column(String(16), info={"personal": "no"})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who asked, to tell them once a recipe answers it; cleared then or after escalation.asker_days
    # (storage.questions.forget_askers). notified_at: when a recipe closed the question (it leaves kb gaps).
    # The question is the asker's own words: forgetting them erases it whole (the row stays, for the counts).
    asker: Mapped[str | None] = mapped_column(String(128), info={"personal": "id", "personal_owns": ("question",)})
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LearnedExampleRow(Base):
    """A question confirmed to be answered by a recipe; used as an extra example phrasing."""

    __tablename__ = "learned_examples"
    # A question learned from a vote or `kb confirm` copies its asker's words: it goes when they are forgotten.
    __table_args__ = (UniqueConstraint("recipe_id", "question"), {"info": {"personal_copies": "question"}})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipe_id: Mapped[str] = mapped_column(String(300), info={"personal": "no"})
    question: Mapped[str] = mapped_column(String(1500), info={"personal": "text"})
    source: Mapped[str] = mapped_column(String(16), info={"personal": "no"})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessedEventRow(Base):
    """A platform event already handled; shared by replicas so a retried delivery is answered once."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(200), primary_key=True, info={"personal": "no"})
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ScheduledMessageRow(Base):
    """A message the scheduler sends (check-in prompts, reminders, summaries, staff follow-ups), kept until sent.

    Written in the same transaction as the claim that produced it; claimed for a lease, sent, then marked sent.
    """

    __tablename__ = "scheduled_messages"
    __table_args__ = (Index("ix_scheduled_messages_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True, info={"personal": "no"})
    payload: Mapped[str] = mapped_column(
        Text, info={"personal": "json", "personal_keys": ("text", "title", "fields"), "personal_owner": "user"}
    )
    status: Mapped[str] = mapped_column(String(16), info={"personal": "no"})
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200), info={"personal": "no"})


class DigestClaimRow(Base):
    """A weekly digest claimed by one process; the period key is the primary key, so it is sent once."""

    __tablename__ = "pulse_digests"

    period: Mapped[str] = mapped_column(String(64), primary_key=True, info={"personal": "no"})
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebhookDeliveryRow(Base):
    """One signed webhook POST to one endpoint, kept until it is answered 2xx, refused, or 24 hours have passed.

    Written in the same transaction as the lead change it reports; claimed for a lease, sent, then marked.
    ``msg_id`` is the ``webhook-id`` header, the same on every attempt, so receivers can drop a repeat.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_due_at", "status", "due_at"),
        {"info": {"forget_with_lead": "delete"}},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    msg_id: Mapped[str] = mapped_column(String(64), unique=True, info={"personal": "no"})
    url: Mapped[str] = mapped_column(String(2000), info={"personal": "no"})
    event: Mapped[str] = mapped_column(String(40), info={"personal": "no"})
    payload: Mapped[str] = mapped_column(Text, info={"personal": "json", "personal_keys": ("data",)})
    # The lead whose details the body copies: exported with the person's leads, deleted when they are forgotten.
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), info={"personal": "no"})
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200), info={"personal": "no"})


# The pulse report counts by week over these columns (migration 0008).
Index("ix_asked_questions_created_at", AskedQuestionRow.created_at)
Index("ix_checkin_runs_scheduled_at", CheckinRunRow.scheduled_at)
Index("ix_leads_created_at", LeadRow.created_at)

# The other tables live in modules of their own (models_*.py); imported here so the metadata (and Alembic) has
# every table.
from storage import (  # noqa: E402, F401
    models_calendars,
    models_escalations,
    models_help,
    models_meetings,
    models_people,
    models_votes,
)
