"""role source: roles from the LMS and roles granted in the tool are kept apart

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SOURCE = sa.Enum("lms", "tool", name="role_source", native_enum=False, create_constraint=True, length=4)


def upgrade() -> None:
    with op.batch_alter_table("person_roles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", SOURCE, nullable=False, server_default="lms"))
    # what the LMS gave (a launch, the roster) is "lms"; anything an admin or the demo granted is "tool"
    op.execute("UPDATE person_roles SET source = 'tool' WHERE granted_by NOT IN ('lti', 'nrps')")
    with op.batch_alter_table("person_roles", schema=None) as batch_op:
        batch_op.alter_column("source", server_default=None)
        batch_op.drop_constraint("uq_person_roles_person_id_role", type_="unique")
        batch_op.create_unique_constraint(op.f("uq_person_roles_person_id_role_source"), ["person_id", "role", "source"])


def downgrade() -> None:
    # keep one row per role, preferring the tool's grant
    op.execute("DELETE FROM person_roles WHERE source = 'lms' AND EXISTS (SELECT 1 FROM person_roles AS t "
               "WHERE t.person_id = person_roles.person_id AND t.role = person_roles.role AND t.source = 'tool')")
    with op.batch_alter_table("person_roles", schema=None) as batch_op:
        # the enum's CHECK names the column: drop it first, or SQLite's table copy keeps a CHECK on a missing column
        batch_op.drop_constraint(op.f("ck_person_roles_role_source"), type_="check")
        batch_op.drop_constraint("uq_person_roles_person_id_role_source", type_="unique")
        batch_op.create_unique_constraint(op.f("uq_person_roles_person_id_role"), ["person_id", "role"])
        batch_op.drop_column("source")
