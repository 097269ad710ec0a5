"""export claims: who makes a background accreditation export, and how many makers claimed it

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accreditation_exports") as batch:
        # the maker holding the lease: its page updates and its finish only count while it still holds it
        batch.add_column(sa.Column("claimed_by", sa.String(100), nullable=True))
        # how often a maker took it; after a few makers stopped halfway the export is given up
        batch.add_column(sa.Column("claims", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("accreditation_exports") as batch:
        batch.drop_column("claims")
        batch.drop_column("claimed_by")
