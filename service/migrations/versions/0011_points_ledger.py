"""points ledger: accredited activities as content (PE-online course id, type, period, rule);
points records per person, registry and activity with delivery status; reversing hours; the
points job's cursor

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ACTIVITY_TYPE = sa.Enum("e-learning", "expertisegroep", "klassikaal", name="activity_type", native_enum=False,
                        create_constraint=True, length=14)


def upgrade() -> None:
    # Neither table was ever written by the service (no code created rows): recreate them.
    op.drop_table("accreditation_records")
    op.drop_table("accredited_activities")
    with op.batch_alter_table("earning_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counting", sa.Enum("threshold", "per_hour", name="earning_counting",
                                                          native_enum=False, create_constraint=True, length=9),
                                      nullable=False, server_default="threshold"))
        batch_op.add_column(sa.Column("test_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("learning_hours", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reverses_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_learning_hours_reverses_id_learning_hours"), "learning_hours",
                                    ["reverses_id"], ["id"], ondelete="CASCADE")
        batch_op.create_unique_constraint(op.f("uq_learning_hours_reverses_id"), ["reverses_id"])
    op.create_table(
        "accredited_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registry_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=True),
        sa.Column("type", ACTIVITY_TYPE, nullable=False),
        sa.Column("earning_rule_id", sa.Integer(), nullable=False),
        sa.Column("pe_course_id", sa.Integer(), nullable=True),
        sa.Column("external_course_id", sa.String(100), nullable=True),
        sa.Column("module_id", sa.String(100), nullable=True),
        sa.Column("edition_id", sa.String(100), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["registry_id"], ["accreditation_registries.id"], ondelete="CASCADE",
                                name=op.f("fk_accredited_activities_registry_id_accreditation_registries")),
        sa.ForeignKeyConstraint(["earning_rule_id"], ["earning_rules.id"],
                                name=op.f("fk_accredited_activities_earning_rule_id_earning_rules")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accredited_activities")),
        sa.UniqueConstraint("registry_id", "code", name=op.f("uq_accredited_activities_registry_id_code")),
    )
    op.create_table(
        "accreditation_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("registry_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("award_key", sa.String(40), nullable=False),
        sa.Column("is_reversal", sa.Boolean(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("points", sa.Numeric(6, 2, asdecimal=False), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("entry_ids", sa.JSON(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activity_type", ACTIVITY_TYPE, nullable=False),
        sa.Column("accreditation_id", sa.String(100), nullable=False),
        sa.Column("pe_course_id", sa.Integer(), nullable=True),
        sa.Column("external_course_id", sa.String(100), nullable=True),
        sa.Column("module_id", sa.String(100), nullable=True),
        sa.Column("edition_id", sa.String(100), nullable=True),
        sa.Column("certificate_code", sa.String(64), nullable=True),
        sa.Column("status", sa.Enum("pending", "exported", "accepted", "rejected", name="record_status",
                                    native_enum=False, create_constraint=True, length=8), nullable=False),
        sa.Column("status_code", sa.String(32), nullable=True),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE",
                                name=op.f("fk_accreditation_records_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE",
                                name=op.f("fk_accreditation_records_person_id_people")),
        sa.ForeignKeyConstraint(["registry_id"], ["accreditation_registries.id"],
                                name=op.f("fk_accreditation_records_registry_id_accreditation_registries")),
        sa.ForeignKeyConstraint(["activity_id"], ["accredited_activities.id"],
                                name=op.f("fk_accreditation_records_activity_id_accredited_activities")),
        sa.ForeignKeyConstraint(["reverses_id"], ["accreditation_records.id"],
                                name=op.f("fk_accreditation_records_reverses_id_accreditation_records")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditation_records")),
        sa.UniqueConstraint("uuid", name=op.f("uq_accreditation_records_uuid")),
        sa.UniqueConstraint("certificate_code", name=op.f("uq_accreditation_records_certificate_code")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_accreditation_records_reverses_id")),
        sa.UniqueConstraint("activity_id", "person_id", "award_key", "is_reversal",
                            name=op.f("uq_accreditation_records_activity_id_person_id_award_key_is_reversal")),
    )
    op.create_index(op.f("ix_accreditation_records_person_id"), "accreditation_records", ["person_id"])
    op.create_index(op.f("ix_accreditation_records_activity_id"), "accreditation_records", ["activity_id"])
    op.create_index("ix_accreditation_records_registry_status", "accreditation_records",
                    ["organisation_id", "registry_id", "status"])
    op.create_table(
        "points_cursors",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("last_entry_id", sa.Integer(), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE",
                                name=op.f("fk_points_cursors_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_points_cursors")),
    )


def downgrade() -> None:
    op.drop_table("points_cursors")
    op.drop_index("ix_accreditation_records_registry_status", "accreditation_records")
    op.drop_index(op.f("ix_accreditation_records_activity_id"), "accreditation_records")
    op.drop_index(op.f("ix_accreditation_records_person_id"), "accreditation_records")
    op.drop_table("accreditation_records")
    op.drop_table("accredited_activities")
    with op.batch_alter_table("learning_hours", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_learning_hours_reverses_id"), type_="unique")
        batch_op.drop_constraint(op.f("fk_learning_hours_reverses_id_learning_hours"), type_="foreignkey")
        batch_op.drop_column("reverses_id")
    with op.batch_alter_table("earning_rules", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_earning_rules_earning_counting"), type_="check")
        batch_op.drop_column("test_minutes")
        batch_op.drop_column("counting")
    op.create_table(
        "accredited_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("registry_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("coaching", "test", "elearning", name="activity_kind", native_enum=False,
                                  create_constraint=True), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE",
                                name=op.f("fk_accredited_activities_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["registry_id"], ["accreditation_registries.id"], ondelete="CASCADE",
                                name=op.f("fk_accredited_activities_registry_id_accreditation_registries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accredited_activities")),
        sa.UniqueConstraint("organisation_id", "registry_id", "kind",
                            name=op.f("uq_accredited_activities_organisation_id_registry_id_kind")),
    )
    op.create_table(
        "accreditation_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("earning_rule_id", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Numeric(6, 2, asdecimal=False), nullable=False),
        sa.Column("points", sa.Numeric(6, 2, asdecimal=False), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("certificate_code", sa.String(64), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["corrects_id"], ["accreditation_records.id"],
                                name=op.f("fk_accreditation_records_corrects_id_accreditation_records")),
        sa.ForeignKeyConstraint(["earning_rule_id"], ["earning_rules.id"],
                                name=op.f("fk_accreditation_records_earning_rule_id_earning_rules")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE",
                                name=op.f("fk_accreditation_records_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditation_records")),
        sa.UniqueConstraint("certificate_code", name=op.f("uq_accreditation_records_certificate_code")),
        sa.UniqueConstraint("uuid", name=op.f("uq_accreditation_records_uuid")),
    )
    op.create_index(op.f("ix_accreditation_records_person_id"), "accreditation_records", ["person_id"])
