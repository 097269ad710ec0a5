"""job run counts: ok, failed and skipped runs per scheduled job, for /metrics

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_locks") as batch:
        for name in ("runs_ok", "runs_failed", "runs_skipped"):
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_locks") as batch:
        for name in ("last_finished_at", "runs_skipped", "runs_failed", "runs_ok"):
            batch.drop_column(name)
