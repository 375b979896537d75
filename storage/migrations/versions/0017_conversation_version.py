"""Step-by-step conversations: a version bumped by every save, so a step is saved only over the state it read (two
messages of one user handled at once by two replicas no longer both keep their answer).

Revision ID: 0017_conversation_version
Revises: 0016_member_prefs
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_conversation_version"
down_revision = "0016_member_prefs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("version")
