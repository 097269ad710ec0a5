"""hr dashboard figures: the default views of /hr per organisation, computed ahead by the worker

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hr_dashboard_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("view_key", sa.String(64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        # one view as JSON: group figures only (groups under the minimum pooled), never a person
        sa.Column("figures", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE",
                                name=op.f("fk_hr_dashboard_figures_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hr_dashboard_figures")),
        sa.UniqueConstraint("organisation_id", "view_key", name=op.f("uq_hr_dashboard_figures_organisation_id_view_key")),
    )


def downgrade() -> None:
    op.drop_table("hr_dashboard_figures")
