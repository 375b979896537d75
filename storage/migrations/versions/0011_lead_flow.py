"""Lead flow: consents with their wording and version, response-timer claims, staff away, the assignment rotation.

Revision ID: 0011_lead_flow
Revises: 0010_webhooks
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0011_lead_flow"
down_revision = "0010_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("status_since", UTCDateTime(), nullable=True))
    op.create_table(
        "lead_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name="fk_lead_consents_lead_id_leads", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_lead_consents"),
    )
    op.create_index("ix_lead_consents_lead_id", "lead_consents", ["lead_id"])
    op.create_table(
        "lead_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name="fk_lead_reminders_lead_id_leads", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_lead_reminders"),
        sa.UniqueConstraint("lead_id", "status", "since", "stage", name="uq_lead_reminders_lead_id"),
    )
    op.create_table(
        "staff_away",
        sa.Column("name", sa.String(160), nullable=False),
        sa.Column("away", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_staff_away"),
    )
    op.create_table(
        "lead_rotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last", sa.String(160), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lead_rotation"),
    )
    # The old 48-hour follow-up is now the response timer's staff stage for `new`: a lead already followed up
    # keeps its claim, so it is not reminded again.
    op.execute(
        "INSERT INTO lead_reminders (lead_id, status, since, stage, claimed_at) "
        "SELECT id, 'new', created_at, 'staff', reminded_at FROM leads "
        "WHERE reminded_at IS NOT NULL AND status = 'new'"
    )


def downgrade() -> None:
    op.drop_table("lead_rotation")
    op.drop_table("staff_away")
    op.drop_table("lead_reminders")
    op.drop_index("ix_lead_consents_lead_id", table_name="lead_consents")
    op.drop_table("lead_consents")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("status_since")
