"""test campaigns: HR asks a function, team or location to take a test by a date

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("test_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("function_profile_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("location_id IS NOT NULL OR team_id IS NOT NULL OR function_profile_id IS NOT NULL",
                           name=op.f("ck_campaigns_has_group")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_campaigns_organisation_id_organisations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["test_id"], ["digi_tests.id"], name=op.f("fk_campaigns_test_id_digi_tests")),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name=op.f("fk_campaigns_location_id_locations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_campaigns_team_id_teams"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["function_profile_id"], ["function_profiles.id"],
                                name=op.f("fk_campaigns_function_profile_id_function_profiles")),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"], name=op.f("fk_campaigns_created_by_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index(op.f("ix_campaigns_organisation_id"), "campaigns", ["organisation_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_campaigns_organisation_id"), table_name="campaigns")
    op.drop_table("campaigns")
