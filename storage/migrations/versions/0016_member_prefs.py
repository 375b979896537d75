"""Each identity's own settings: a time zone (``me tz``) and days away (``me away``); calendar sync claims.

Revision ID: 0016_member_prefs
Revises: 0015_meetings
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0016_member_prefs"
down_revision = "0015_meetings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_prefs",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", name="pk_member_prefs"),
    )
    op.create_table(
        "member_away",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member_away"),
    )
    op.create_index("ix_member_away_user_id", "member_away", ["user_id"])
    op.create_table(
        "calendar_sync_claims",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_calendar_sync_claims_meeting_id_meetings", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_id", name="pk_calendar_sync_claims"),
    )


def downgrade() -> None:
    op.drop_table("calendar_sync_claims")
    op.drop_index("ix_member_away_user_id", table_name="member_away")
    op.drop_table("member_away")
    op.drop_table("member_prefs")
