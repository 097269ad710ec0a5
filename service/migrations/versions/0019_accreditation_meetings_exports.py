"""accreditation: a classroom activity's meeting id, and long exports made in the background

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accredited_activities") as batch:
        batch.add_column(sa.Column("meeting_id", sa.String(length=100), nullable=True))
    with op.batch_alter_table("accreditation_records") as batch:
        batch.add_column(sa.Column("meeting_id", sa.String(length=100), nullable=True))
    op.create_table(
        "accreditation_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.Enum("waiting", "running", "done", "failed", name="export_status",
                                    native_enum=False, create_constraint=True, length=7), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("mimetype", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_accreditation_exports_organisation_id_organisations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_id"], ["people.id"], name=op.f("fk_accreditation_exports_actor_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditation_exports")),
        sa.UniqueConstraint("uuid", name=op.f("uq_accreditation_exports_uuid")),
    )
    op.create_index(op.f("ix_accreditation_exports_organisation_id"), "accreditation_exports", ["organisation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_accreditation_exports_organisation_id"), table_name="accreditation_exports")
    op.drop_table("accreditation_exports")
    with op.batch_alter_table("accreditation_records") as batch:
        batch.drop_column("meeting_id")
    with op.batch_alter_table("accredited_activities") as batch:
        batch.drop_column("meeting_id")
