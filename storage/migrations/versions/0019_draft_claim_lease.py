"""Form drafts: a claimed draft (its last page being submitted) records when it was claimed and keeps its page, so a
claim left by a process that stopped mid-submission lapses after a short lease instead of hiding the draft until it
expires.

Revision ID: 0019_draft_claim_lease
Revises: 0018_answer_votes
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0019_draft_claim_lease"
down_revision = "0018_answer_votes"
branch_labels = None
depends_on = None

_DRAFTS = sa.table(
    "form_drafts",
    sa.column("page", sa.Integer()),
    sa.column("updated_at", UTCDateTime()),
    sa.column("claimed_at", UTCDateTime()),
)


def upgrade() -> None:
    with op.batch_alter_table("form_drafts") as batch:
        batch.add_column(sa.Column("claimed_at", UTCDateTime(), nullable=True))
    # page -1 marked a claim and lost the page: such a draft restarts at its first page, answers kept
    op.execute(_DRAFTS.update().where(_DRAFTS.c.page == -1).values(claimed_at=_DRAFTS.c.updated_at, page=0))


def downgrade() -> None:
    op.execute(_DRAFTS.update().where(_DRAFTS.c.claimed_at.is_not(None)).values(page=-1))
    with op.batch_alter_table("form_drafts") as batch:
        batch.drop_column("claimed_at")
