"""Weekly digest claims, and indexes for counting by week.

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pulse_digests",
        sa.Column("period", sa.String(64), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("period", name="pk_pulse_digests"),
    )
    op.create_index("ix_asked_questions_created_at", "asked_questions", ["created_at"])
    op.create_index("ix_checkin_runs_scheduled_at", "checkin_runs", ["scheduled_at"])
    op.create_index("ix_leads_created_at", "leads", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_leads_created_at", table_name="leads")
    op.drop_index("ix_checkin_runs_scheduled_at", table_name="checkin_runs")
    op.drop_index("ix_asked_questions_created_at", table_name="asked_questions")
    op.drop_table("pulse_digests")
