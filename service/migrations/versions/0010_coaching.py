"""digicoach queue: coach scopes, drop-in hours, contact and planning on help requests, a closed
status with a reason, session versions with attendees, and a pick-up target per organisation

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OLD_STATUSES = ("new", "claimed", "planned", "resolved", "cancelled")
NEW_STATUSES = OLD_STATUSES + ("closed",)


def _enum(values, name, length=None):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def _when():
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pickup_days", sa.Integer(), nullable=False, server_default="2"))
        batch_op.create_check_constraint(op.f("ck_organisations_pickup_days_positive"), "pickup_days >= 1")
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=_enum(OLD_STATUSES, "help_request_status", 9),
                              type_=_enum(NEW_STATUSES, "help_request_status", 9), existing_nullable=False)
        batch_op.add_column(sa.Column("contact_method", _enum(("in_person", "phone", "email", "teams"),
                                                              "contact_method", 9), nullable=True))
        batch_op.add_column(sa.Column("contact_detail", sa.String(320), nullable=True))
        batch_op.add_column(sa.Column("share_items", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("planned_at", _when(), nullable=True))
        batch_op.add_column(sa.Column("place_kind", _enum(("ward", "drop_in", "online"), "place_kind", 7), nullable=True))
        batch_op.add_column(sa.Column("place", sa.String(500), nullable=True))
        batch_op.add_column(sa.Column("close_reason", _enum(
            ("withdrawn", "no_response", "referred_ict", "referred_training"), "close_reason", 17), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", _when(), nullable=True))
    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("created_at", _when(), nullable=True))
        batch_op.add_column(sa.Column("voided_at", _when(), nullable=True))
        batch_op.add_column(sa.Column("voided_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_coaching_sessions_voided_by_id_people"), "people", ["voided_by_id"], ["id"],
                                    ondelete="SET NULL")
    op.create_table(
        "coaching_session_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("held_at", _when(), nullable=False),
        sa.Column("form", _enum(("on_the_job", "drop_in", "online"), "session_form", 10), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("applications", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["coaching_sessions.id"],
                                name=op.f("fk_coaching_session_versions_session_id_coaching_sessions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["people.id"],
                                name=op.f("fk_coaching_session_versions_recorded_by_id_people"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_session_versions")),
        sa.UniqueConstraint("session_id", "number", name=op.f("uq_coaching_session_versions_session_id_number")),
    )
    op.create_index(op.f("ix_coaching_session_versions_session_id"), "coaching_session_versions", ["session_id"])
    op.create_table(
        "coaching_attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint("minutes >= 1 AND minutes <= 600", name=op.f("ck_coaching_attendances_minutes_range")),
        sa.ForeignKeyConstraint(["version_id"], ["coaching_session_versions.id"],
                                name=op.f("fk_coaching_attendances_version_id_coaching_session_versions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_coaching_attendances_person_id_people"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_attendances")),
        sa.UniqueConstraint("uuid", name=op.f("uq_coaching_attendances_uuid")),
        sa.UniqueConstraint("version_id", "person_id", name=op.f("uq_coaching_attendances_version_id_person_id")),
    )
    op.create_index(op.f("ix_coaching_attendances_version_id"), "coaching_attendances", ["version_id"])
    op.create_index(op.f("ix_coaching_attendances_person_id"), "coaching_attendances", ["person_id"])
    op.create_table(
        "coach_scopes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", _when(), nullable=False),
        sa.CheckConstraint("(location_id IS NULL) <> (team_id IS NULL)", name=op.f("ck_coach_scopes_location_or_team")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_coach_scopes_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_coach_scopes_person_id_people"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name=op.f("fk_coach_scopes_location_id_locations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_coach_scopes_team_id_teams"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["granted_by_id"], ["people.id"], name=op.f("fk_coach_scopes_granted_by_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_scopes")),
        sa.UniqueConstraint("person_id", "location_id", "team_id", name=op.f("uq_coach_scopes_person_id_location_id_team_id")),
    )
    op.create_index(op.f("ix_coach_scopes_organisation_id"), "coach_scopes", ["organisation_id"])
    op.create_index(op.f("ix_coach_scopes_person_id"), "coach_scopes", ["person_id"])
    op.create_table(
        "drop_in_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", _when(), nullable=False),
        sa.Column("ends_at", _when(), nullable=False),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("cancelled_at", _when(), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_drop_in_hours_ends_after_start")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_drop_in_hours_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name=op.f("fk_drop_in_hours_location_id_locations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coach_id"], ["people.id"], name=op.f("fk_drop_in_hours_coach_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drop_in_hours")),
    )
    op.create_index(op.f("ix_drop_in_hours_organisation_id"), "drop_in_hours", ["organisation_id"])
    op.create_index(op.f("ix_drop_in_hours_location_id"), "drop_in_hours", ["location_id"])
    op.create_index(op.f("ix_drop_in_hours_starts_at"), "drop_in_hours", ["starts_at"])


def downgrade() -> None:
    op.drop_table("drop_in_hours")
    op.drop_table("coach_scopes")
    op.drop_table("coaching_attendances")
    op.drop_table("coaching_session_versions")
    op.execute("DELETE FROM coaching_sessions WHERE person_id IS NULL")
    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_coaching_sessions_voided_by_id_people"), type_="foreignkey")
        for column in ("void_reason", "voided_by_id", "voided_at", "created_at"):
            batch_op.drop_column(column)
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
    op.execute("UPDATE help_requests SET status = 'cancelled' WHERE status = 'closed'")
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        for name in ("ck_help_requests_contact_method", "ck_help_requests_place_kind", "ck_help_requests_close_reason"):
            batch_op.drop_constraint(op.f(name), type_="check")
        for column in ("reminded_at", "close_reason", "place", "place_kind", "planned_at", "share_items",
                       "contact_detail", "contact_method"):
            batch_op.drop_column(column)
        batch_op.alter_column("status", existing_type=_enum(NEW_STATUSES, "help_request_status", 9),
                              type_=_enum(OLD_STATUSES, "help_request_status", 9), existing_nullable=False)
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_organisations_pickup_days_positive"), type_="check")
        batch_op.drop_column("pickup_days")
