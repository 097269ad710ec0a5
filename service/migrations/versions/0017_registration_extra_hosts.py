"""registration extra hosts: more host names of an LMS where its return URLs may point (Canvas)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lti_registrations") as batch_op:
        batch_op.add_column(sa.Column("extra_hosts", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("lti_registrations") as batch_op:
        batch_op.drop_column("extra_hosts")
