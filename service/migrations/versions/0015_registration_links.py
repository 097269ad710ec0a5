"""registration links: a secret (hashed) link per organisation for LTI dynamic registration

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registration_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE",
                                name=op.f("fk_registration_links_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"], ondelete="SET NULL",
                                name=op.f("fk_registration_links_created_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_registration_links_token_hash")),
    )
    with op.batch_alter_table("registration_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registration_links_organisation_id"), ["organisation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("registration_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_links_organisation_id"))
    op.drop_table("registration_links")
