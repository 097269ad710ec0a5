"""Mail through the outbox: the outbox kind 'mail'; a coach's choice of a mail per help request or a daily digest

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_KINDS = ("xapi", "ags_score")
NEW_KINDS = ("xapi", "ags_score", "mail")


def _kinds(values):
    return sa.Enum(*values, name="outbox_kind", native_enum=False, create_constraint=True, length=9)


def upgrade() -> None:
    with op.batch_alter_table("outbox_items", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kinds(OLD_KINDS), type_=_kinds(NEW_KINDS), existing_nullable=False)
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "coach_mail", sa.Enum("immediate", "daily", name="coach_mail", native_enum=False, create_constraint=True),
            nullable=False, server_default="immediate",
        ))


def downgrade() -> None:
    op.execute("DELETE FROM outbox_items WHERE kind = 'mail'")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_people_coach_mail"), type_="check")
        batch_op.drop_column("coach_mail")
    with op.batch_alter_table("outbox_items", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kinds(NEW_KINDS), type_=_kinds(OLD_KINDS), existing_nullable=False)
