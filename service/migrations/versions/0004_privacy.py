"""privacy: leaver period, pseudonymised people, and an append-only audit log on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

The audit log (``audit_events``) has no update or delete operation in the code. On
PostgreSQL a trigger also refuses UPDATE and DELETE, so a bug or a hand-written query cannot
rewrite history either. It lets through only what the foreign keys themselves do: the actor
set to NULL when that person row is deleted, and rows removed together with their whole
organisation. TRUNCATE (a superuser's tool, and the test suite's clean-up) is not a row event.
SQLite has no such trigger: there the code path alone keeps the log append-only.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY = """
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
       AND (NEW.id, NEW.organisation_id, NEW.action, NEW.subject, NEW.detail, NEW.at)
           IS NOT DISTINCT FROM (OLD.id, OLD.organisation_id, OLD.action, OLD.subject, OLD.detail, OLD.at) THEN
        RETURN NEW;  -- ON DELETE SET NULL: the actor's person row was removed
    END IF;
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM organisations WHERE id = OLD.organisation_id) THEN
        RETURN OLD;  -- ON DELETE CASCADE: the whole organisation is removed
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
"""


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leaver_months", sa.Integer(), nullable=False, server_default="24"))
        batch_op.create_check_constraint(op.f("ck_organisations_leaver_months_positive"), "leaver_months >= 1")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pseudonymised_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_people_pseudonymised_at"), ["pseudonymised_at"], unique=False)
    if op.get_context().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_pseudonymised_at"))
        batch_op.drop_column("pseudonymised_at")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_organisations_leaver_months_positive"), type_="check")
        batch_op.drop_column("leaver_months")
