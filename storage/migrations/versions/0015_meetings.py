"""Meetings: dated meetings of study groups, RSVPs, notices claimed once, reflections, late joiners' catch-ups,
and the groups' meeting settings (calendar feed token, reminders, where the reflections summary goes, check-ins
tied to meetings).

Revision ID: 0015_meetings
Revises: 0014_escalations
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0015_meetings"
down_revision = "0014_escalations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("study_groups") as batch:
        batch.add_column(sa.Column("calendar_token", sa.String(64), nullable=True))
        batch.add_column(sa.Column("meeting_reminders", sa.String(64), nullable=False, server_default="1440,60"))
        batch.add_column(sa.Column("reflection_summary", sa.String(8), nullable=False, server_default="channel"))
        batch.add_column(sa.Column("checkin_meetings", sa.String(16), nullable=True))
        batch.create_unique_constraint("uq_study_groups_calendar_token", ["calendar_token"])
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(80), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("local_start", sa.String(16), nullable=False),
        sa.Column("length_minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("link", sa.String(500), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(40), nullable=True),
        sa.Column("platform_event_id", sa.String(64), nullable=True),
        sa.Column("synced_sequence", sa.Integer(), nullable=False),
        sa.Column("next_notice_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["study_groups.id"], name="fk_meetings_group_id_study_groups", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.UniqueConstraint("uid", name="uq_meetings_uid"),
    )
    op.create_index("ix_meetings_group_id", "meetings", ["group_id"])
    op.create_index("ix_meetings_status_starts_at", "meetings", ["status", "starts_at"])
    op.create_index("ix_meetings_next_notice_at", "meetings", ["next_notice_at"])
    op.create_table(
        "meeting_rsvps",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("answer", sa.String(8), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_meeting_rsvps_meeting_id_meetings", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name="pk_meeting_rsvps"),
    )
    op.create_table(
        "meeting_notices",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_meeting_notices_meeting_id_meetings", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_id", "kind", name="pk_meeting_notices"),
    )
    op.create_table(
        "meeting_reflections",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("plus", sa.Text(), nullable=False),
        sa.Column("delta", sa.Text(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_meeting_reflections_meeting_id_meetings", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name="pk_meeting_reflections"),
    )
    op.create_table(
        "meeting_catchups",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["study_groups.id"], name="fk_meeting_catchups_group_id_study_groups", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name="pk_meeting_catchups"),
    )


def downgrade() -> None:
    op.drop_table("meeting_catchups")
    op.drop_table("meeting_reflections")
    op.drop_table("meeting_notices")
    op.drop_table("meeting_rsvps")
    op.drop_index("ix_meetings_next_notice_at", table_name="meetings")
    op.drop_index("ix_meetings_status_starts_at", table_name="meetings")
    op.drop_index("ix_meetings_group_id", table_name="meetings")
    op.drop_table("meetings")
    with op.batch_alter_table("study_groups") as batch:
        batch.drop_constraint("uq_study_groups_calendar_token", type_="unique")
        batch.drop_column("checkin_meetings")
        batch.drop_column("reflection_summary")
        batch.drop_column("meeting_reminders")
        batch.drop_column("calendar_token")
