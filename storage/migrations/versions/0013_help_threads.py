"""Help threads: questions asked in threads and watched channels, their first human reply, and who solved them.

Revision ID: 0013_help_threads
Revises: 0012_people
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0013_help_threads"
down_revision = "0012_people"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "help_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(128), nullable=False),
        sa.Column("thread", sa.String(64), nullable=False),
        sa.Column("asker", sa.String(128), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("recipe_id", sa.String(300), nullable=True),
        sa.Column("bot_answered", sa.Boolean(), nullable=False),
        sa.Column("first_human_reply_at", UTCDateTime(), nullable=True),
        sa.Column("first_human_replier", sa.String(128), nullable=True),
        sa.Column("solved_at", UTCDateTime(), nullable=True),
        sa.Column("solved_by", sa.String(128), nullable=True),
        sa.Column("solver", sa.String(128), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["asked_questions.id"],
            name="fk_help_threads_question_id_asked_questions",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_help_threads"),
        sa.UniqueConstraint("platform", "channel", "thread", name="uq_help_threads_platform"),
    )
    op.create_index("ix_help_threads_solved_at", "help_threads", ["solved_at"])


def downgrade() -> None:
    op.drop_index("ix_help_threads_solved_at", table_name="help_threads")
    op.drop_table("help_threads")
