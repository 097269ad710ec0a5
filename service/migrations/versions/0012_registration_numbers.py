"""registration numbers encrypted at rest (longer column) and erased when consent is withdrawn; an
organisation's PE-online account (user id, encrypted key, e-mail for error reports)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No number was ever stored (the service had no page for it): nothing to encrypt here.
    with op.batch_alter_table("registration_numbers", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.String(64), type_=sa.String(255), nullable=True)
    op.create_table(
        "pe_online_accounts",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(100), nullable=False),
        sa.Column("user_key", sa.String(255), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("endpoint", sa.String(500), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE",
                                name=op.f("fk_pe_online_accounts_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_pe_online_accounts")),
    )


def downgrade() -> None:
    op.drop_table("pe_online_accounts")
    op.execute("DELETE FROM registration_numbers")  # encrypted numbers do not fit the old column
    with op.batch_alter_table("registration_numbers", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.String(255), type_=sa.String(64), nullable=False)
