"""A help thread keeps when a person last replied in it, besides the first reply: a question its asker passed to
staff after a peer's reply reads "a person replied" again once someone replies after staff were told, which the first
reply's time alone could never show. Existing threads start from their first reply.

Revision ID: 0021_last_human_reply
Revises: 0020_vote_changes
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0021_last_human_reply"
down_revision = "0020_vote_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("help_threads") as batch:
        batch.add_column(sa.Column("last_human_reply_at", UTCDateTime(), nullable=True))
    op.execute("UPDATE help_threads SET last_human_reply_at = first_human_reply_at")


def downgrade() -> None:
    with op.batch_alter_table("help_threads") as batch:
        batch.drop_column("last_human_reply_at")
