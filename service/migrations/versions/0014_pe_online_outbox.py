"""PE-online delivery through the outbox: the outbox kind 'pe_online'

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OLD_KINDS = ("xapi", "ags_score", "mail")
NEW_KINDS = ("xapi", "ags_score", "mail", "pe_online")


def _kinds(values):
    return sa.Enum(*values, name="outbox_kind", native_enum=False, create_constraint=True, length=9)


def upgrade() -> None:
    with op.batch_alter_table("outbox_items", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kinds(OLD_KINDS), type_=_kinds(NEW_KINDS), existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM outbox_items WHERE kind = 'pe_online'")
    with op.batch_alter_table("outbox_items", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kinds(NEW_KINDS), type_=_kinds(OLD_KINDS), existing_nullable=False)
