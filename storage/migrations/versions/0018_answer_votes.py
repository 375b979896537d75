"""Votes per shown answer: a vote on a recipe picked from a question's suggestions and one on its direct answer no
longer share the question's one ``feedback`` slot (the later overwrote the earlier). The votes kept in that slot
move over, with no voter (who cast them was not recorded).

Revision ID: 0018_answer_votes
Revises: 0017_conversation_version
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0018_answer_votes"
down_revision = "0017_conversation_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("recipe_id", sa.String(300), nullable=False),
        sa.Column("voter", sa.String(160), nullable=True),
        sa.Column("vote", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["asked_questions.id"],
            name="fk_answer_votes_question_id_asked_questions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_answer_votes"),
        sa.UniqueConstraint("question_id", "recipe_id", "voter", name="uq_answer_votes_question_id"),
    )
    op.create_index("ix_answer_votes_question_id", "answer_votes", ["question_id"])
    op.execute(
        "INSERT INTO answer_votes (question_id, recipe_id, voter, vote, created_at) "
        "SELECT id, recipe_id, NULL, feedback, created_at FROM asked_questions "
        "WHERE feedback IS NOT NULL AND recipe_id IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_answer_votes_question_id", table_name="answer_votes")
    op.drop_table("answer_votes")
