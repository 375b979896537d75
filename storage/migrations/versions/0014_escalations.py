"""Peers before staff: helper opt-ins, escalations and the peers asked, "Save as recipe" claims, who asked.

Revision ID: 0014_escalations
Revises: 0013_help_threads
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0014_escalations"
down_revision = "0013_help_threads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "helpers",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("topics", sa.String(500), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", name="pk_helpers"),
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(128), nullable=False),
        sa.Column("thread", sa.String(64), nullable=True),
        sa.Column("link", sa.String(500), nullable=True),
        sa.Column("asker", sa.String(128), nullable=False),
        sa.Column("peers_asked", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("staff_due_at", UTCDateTime(), nullable=True),
        sa.Column("escalated_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["asked_questions.id"],
            name="fk_escalations_question_id_asked_questions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_escalations"),
        sa.UniqueConstraint("question_id", name="uq_escalations_question_id"),
    )
    op.create_index("ix_escalations_staff_due_at", "escalations", ["staff_due_at"])
    op.create_table(
        "escalation_peers",
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name="fk_escalation_peers_escalation_id_escalations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("escalation_id", "platform", "user_id", name="pk_escalation_peers"),
    )
    op.create_index("ix_escalation_peers_user", "escalation_peers", ["platform", "user_id", "asked_at"])
    op.create_table(
        "recipe_offers",
        sa.Column("question_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["asked_questions.id"],
            name="fk_recipe_offers_question_id_asked_questions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("question_id", name="pk_recipe_offers"),
    )
    with op.batch_alter_table("asked_questions") as batch:
        batch.add_column(sa.Column("asker", sa.String(128), nullable=True))
        batch.add_column(sa.Column("notified_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("asked_questions") as batch:
        batch.drop_column("notified_at")
        batch.drop_column("asker")
    op.drop_table("recipe_offers")
    op.drop_index("ix_escalation_peers_user", table_name="escalation_peers")
    op.drop_table("escalation_peers")
    op.drop_index("ix_escalations_staff_due_at", table_name="escalations")
    op.drop_table("escalations")
    op.drop_table("helpers")
