"""exemptions for HR records: HR can exempt someone from the HR file who has not launched yet

``exemptions.hr_record_id`` holds the HR record such an exemption is granted to; ``person_id``
may then be NULL (one of the two is always set). The exemption follows the record, so it applies
to the person the record is linked to at their first launch.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exemptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hr_record_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_exemptions_hr_record_id_hr_records"), "hr_records",
                                    ["hr_record_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_exemptions_hr_record_id"), ["hr_record_id"], unique=False)
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f("ck_exemptions_holder"), "person_id IS NOT NULL OR hr_record_id IS NOT NULL")


def downgrade() -> None:
    # an exemption of a record nobody launched for has no person to keep it: it goes
    op.execute("DELETE FROM exemptions WHERE person_id IS NULL")
    with op.batch_alter_table("exemptions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_exemptions_holder"), type_="check")
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f("ix_exemptions_hr_record_id"))
        batch_op.drop_constraint(batch_op.f("fk_exemptions_hr_record_id_hr_records"), type_="foreignkey")
        batch_op.drop_column("hr_record_id")
