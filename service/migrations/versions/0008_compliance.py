"""compliance picture: exemptions, targets, monthly snapshots; the organisation's person-view,
expiring-window and validity settings; first levels per skill and an as-of index on observations

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hr_person_view", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("expiring_days", sa.Integer(), nullable=False, server_default="60"))
        batch_op.add_column(sa.Column("valid_months", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f("ck_organisations_expiring_days_positive"), "expiring_days >= 0")
        batch_op.create_check_constraint(op.f("ck_organisations_valid_months_positive"),
                                         "valid_months IS NULL OR valid_months >= 1")
    with op.batch_alter_table("current_skill_levels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("first_observed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE current_skill_levels SET "
        "first_observed_at = (SELECT o.observed_at FROM skill_observations o WHERE o.person_id = "
        "current_skill_levels.person_id AND o.skill_id = current_skill_levels.skill_id "
        "ORDER BY o.observed_at, o.id LIMIT 1), "
        "first_level = (SELECT o.level FROM skill_observations o WHERE o.person_id = "
        "current_skill_levels.person_id AND o.skill_id = current_skill_levels.skill_id "
        "ORDER BY o.observed_at, o.id LIMIT 1)"
    )
    with op.batch_alter_table("skill_observations", schema=None) as batch_op:
        batch_op.create_index("ix_skill_observations_person_id_skill_id_observed_at",
                              ["person_id", "skill_id", "observed_at"], unique=False)
    op.create_table(
        "exemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_exemptions_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_exemptions_person_id_people"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["skill_id"], ["skills.id"], name=op.f("fk_exemptions_skill_id_skills")),
        sa.ForeignKeyConstraint(["granted_by_id"], ["people.id"], name=op.f("fk_exemptions_granted_by_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exemptions")),
    )
    with op.batch_alter_table("exemptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exemptions_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index("ix_exemptions_person_id_skill_id", ["person_id", "skill_id"], unique=False)
    op.create_table(
        "compliance_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("percent > 0 AND percent <= 100", name=op.f("ck_compliance_targets_percent_range")),
        sa.CheckConstraint("level IN ('organisation', 'location', 'team', 'function')",
                           name=op.f("ck_compliance_targets_level_known")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_compliance_targets_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"],
                                name=op.f("fk_compliance_targets_created_by_id_people"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_targets")),
    )
    with op.batch_alter_table("compliance_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_compliance_targets_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "compliance_snapshot_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("groups", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_compliance_snapshot_runs_organisation_id_organisations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_snapshot_runs")),
        sa.UniqueConstraint("organisation_id", "month", name=op.f("uq_compliance_snapshot_runs_organisation_id_month")),
    )
    op.create_table(
        "compliance_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("group_key", sa.String(length=100), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("all_met", sa.Integer(), nullable=False),
        sa.Column("statuses", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["compliance_snapshot_runs.id"],
                                name=op.f("fk_compliance_snapshots_run_id_compliance_snapshot_runs"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_compliance_snapshots_organisation_id_organisations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_snapshots")),
        sa.UniqueConstraint("run_id", "level", "group_key", name=op.f("uq_compliance_snapshots_run_id_level_group_key")),
    )
    with op.batch_alter_table("compliance_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_compliance_snapshots_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_compliance_snapshots_organisation_id"), ["organisation_id"], unique=False)


def downgrade() -> None:
    op.drop_table("compliance_snapshots")
    op.drop_table("compliance_snapshot_runs")
    op.drop_table("compliance_targets")
    op.drop_table("exemptions")
    with op.batch_alter_table("skill_observations", schema=None) as batch_op:
        batch_op.drop_index("ix_skill_observations_person_id_skill_id_observed_at")
    with op.batch_alter_table("current_skill_levels", schema=None) as batch_op:
        batch_op.drop_column("first_observed_at")
        batch_op.drop_column("first_level")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_organisations_valid_months_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_organisations_expiring_days_positive"), type_="check")
        batch_op.drop_column("valid_months")
        batch_op.drop_column("expiring_days")
        batch_op.drop_column("hr_person_view")
