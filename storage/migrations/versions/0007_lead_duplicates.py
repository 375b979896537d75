"""Leads: a unique submission key (one lead per submission) and the lead a new one possibly duplicates.

Plain ``ADD COLUMN`` and a unique index, no batch table copy: on SQLite a copy drops ``leads``, and with foreign keys
on that would cascade to the lead history.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leads", sa.Column("submission_key", sa.String(64), nullable=True))
    op.add_column("leads", sa.Column("duplicate_of", sa.Integer(), nullable=True))
    op.create_index("uq_leads_submission_key", "leads", ["submission_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_leads_submission_key", table_name="leads")
    op.drop_column("leads", "duplicate_of")
    op.drop_column("leads", "submission_key")
