"""function choice: the organisation's default function, and why an employee changed theirs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("default_function_profile_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_organisations_default_function_profile_id_function_profiles"),
            "function_profiles", ["default_function_profile_id"], ["id"], ondelete="SET NULL",
        )
    with op.batch_alter_table("function_assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("is_default", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("function_assignments", schema=None) as batch_op:
        batch_op.drop_column("is_default")
        batch_op.drop_column("reason")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_organisations_default_function_profile_id_function_profiles"), type_="foreignkey"
        )
        batch_op.drop_column("default_function_profile_id")
