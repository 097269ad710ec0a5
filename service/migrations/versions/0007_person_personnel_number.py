"""A person's HR personnel number, as the LMS sends it, so an HR import can find them later

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("personnel_number", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_people_organisation_id_personnel_number", ["organisation_id", "personnel_number"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_organisation_id_personnel_number")
        batch_op.drop_column("personnel_number")
