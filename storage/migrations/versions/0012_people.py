"""People and their platform identities, one-time link codes, and the privacy audit log.

Revision ID: 0012_people
Revises: 0011_lead_flow
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0012_people"
down_revision = "0011_lead_flow"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
    )
    op.create_table(
        "person_identities",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_person_identities_person_id_people", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("platform", "user_id", name="pk_person_identities"),
    )
    op.create_index("ix_person_identities_person_id", "person_identities", ["person_id"])
    op.create_table(
        "link_codes",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code_hash", name="pk_link_codes"),
    )
    op.create_index("ix_link_codes_expires_at", "link_codes", ["expires_at"])
    op.create_table(
        "privacy_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(160), nullable=False),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_audit"),
    )


def downgrade() -> None:
    op.drop_table("privacy_audit")
    op.drop_index("ix_link_codes_expires_at", table_name="link_codes")
    op.drop_table("link_codes")
    op.drop_index("ix_person_identities_person_id", table_name="person_identities")
    op.drop_table("person_identities")
    op.drop_table("people")
