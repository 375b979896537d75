"""Votes can be changed: a member who pressed "Helpful" by mistake presses "Not helpful" and the latest wins. The
vote's row keeps when it was first cast (``created_at``) and says when it was last changed (``changed_at``).

Revision ID: 0020_vote_changes
Revises: 0019_draft_claim_lease
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0020_vote_changes"
down_revision = "0019_draft_claim_lease"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answer_votes") as batch:
        batch.add_column(sa.Column("changed_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("answer_votes") as batch:
        batch.drop_column("changed_at")
