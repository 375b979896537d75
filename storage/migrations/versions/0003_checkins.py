"""Study groups, members, check-in runs and answers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "study_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(128), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("questions_json", sa.Text(), nullable=False),
        sa.Column("ask_mood", sa.Boolean(), nullable=False),
        sa.Column("dm_members", sa.Boolean(), nullable=False),
        sa.Column("window_hours", sa.Integer(), nullable=False),
        sa.Column("reminder_hours", sa.Integer(), nullable=False),
        sa.Column("rrule", sa.Text()),
        sa.Column("skip_dates_json", sa.Text(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", UTCDateTime()),
        sa.Column("created_by", sa.String(160), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_study_groups"),
        sa.UniqueConstraint("platform", "channel", name="uq_study_groups_platform"),
    )
    op.create_index("ix_study_groups_next_run_at", "study_groups", ["next_run_at"])
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("is_facilitator", sa.Boolean(), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["study_groups.id"], name="fk_group_members_group_id_study_groups", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name="pk_group_members"),
    )
    op.create_table(
        "checkin_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("posted_at", UTCDateTime()),
        sa.Column("closes_at", UTCDateTime(), nullable=False),
        sa.Column("reminder_due_at", UTCDateTime(), nullable=False),
        sa.Column("reminder_sent_at", UTCDateTime()),
        sa.Column("questions_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["study_groups.id"], name="fk_checkin_runs_group_id_study_groups", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_checkin_runs"),
        sa.UniqueConstraint("group_id", "scheduled_at", name="uq_checkin_runs_group_id"),
    )
    op.create_index("ix_checkin_runs_status_closes_at", "checkin_runs", ["status", "closes_at"])
    op.create_table(
        "checkin_answers",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("answers_json", sa.Text(), nullable=False),
        sa.Column("mood", sa.Integer()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["checkin_runs.id"], name="fk_checkin_answers_run_id_checkin_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "user_id", name="pk_checkin_answers"),
    )


def downgrade() -> None:
    op.drop_table("checkin_answers")
    op.drop_index("ix_checkin_runs_status_closes_at", table_name="checkin_runs")
    op.drop_table("checkin_runs")
    op.drop_table("group_members")
    op.drop_index("ix_study_groups_next_run_at", table_name="study_groups")
    op.drop_table("study_groups")
