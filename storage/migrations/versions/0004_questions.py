"""Asked questions with their feedback, and examples learned from feedback.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asked_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("recipe_id", sa.String(300)),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("feedback", sa.String(16)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_asked_questions"),
    )
    op.create_index("ix_asked_questions_recipe_id", "asked_questions", ["recipe_id"])
    op.create_table(
        "learned_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipe_id", sa.String(300), nullable=False),
        sa.Column("question", sa.String(1500), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_learned_examples"),
        sa.UniqueConstraint("recipe_id", "question", name="uq_learned_examples_recipe_id"),
    )


def downgrade() -> None:
    op.drop_table("learned_examples")
    op.drop_index("ix_asked_questions_recipe_id", table_name="asked_questions")
    op.drop_table("asked_questions")
