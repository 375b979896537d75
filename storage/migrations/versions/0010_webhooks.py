"""Outgoing webhooks: one row per signed POST to one endpoint, kept until answered.

Revision ID: 0010_webhooks
Revises: 0009
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0010_webhooks"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("msg_id", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("lead_id", sa.Integer(), sa.ForeignKey("leads.id", ondelete="SET NULL"), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("give_up_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint("msg_id", name="uq_webhook_deliveries_msg_id"),
    )
    op.create_index("ix_webhook_deliveries_status_due_at", "webhook_deliveries", ["status", "due_at"])
    op.create_index("ix_webhook_deliveries_lead_id", "webhook_deliveries", ["lead_id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_lead_id", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_status_due_at", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
