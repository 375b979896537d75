"""Scheduled messages kept until sent: claim, send, mark sent, with a lease and retries.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_scheduled_messages"),
        sa.UniqueConstraint("key", name="uq_scheduled_messages_key"),
    )
    op.create_index("ix_scheduled_messages_status_due_at", "scheduled_messages", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_scheduled_messages_status_due_at", table_name="scheduled_messages")
    op.drop_table("scheduled_messages")
