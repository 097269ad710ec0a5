"""outbox notify: PostgreSQL announces new outbox rows, so a waiting worker starts at once

A statement-level trigger runs ``pg_notify('digitoets_outbox', '')`` after every INSERT into
``outbox_items``. PostgreSQL delivers the notification when the inserting transaction commits,
never when it rolls back, and folds identical ones of one transaction into one.
``xapi forward --loop`` listens on the channel and ends its pause between rounds
(service/jobs/worker.py). SQLite has no such signal: its worker looks every ``--interval``.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

#: service.models.outbox.NOTIFY_CHANNEL at the time of this migration
CHANNEL = "digitoets_outbox"


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               f"PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$")
    op.execute("CREATE TRIGGER outbox_notify AFTER INSERT ON outbox_items FOR EACH STATEMENT "
               "EXECUTE FUNCTION outbox_notify()")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox_items")
    op.execute("DROP FUNCTION IF EXISTS outbox_notify()")
