"""outbox bounded: counts from a partial index and a counter, payloads compacted after delivery

- ``ix_outbox_items_open``: the rows not delivered (few), per organisation, kind and status;
- ``outbox_totals``: delivered rows per organisation and kind, kept exact by triggers on
  ``outbox_items`` (insert, delete, and a status change to or from 'delivered'), so no job has
  to remember it and the admin pages never count millions of delivered rows;
- ``payload`` may be NULL and ``compacted_at`` says when it was removed or cut down
  (``digitoets retention compact-outbox``); ``ix_outbox_items_compactable`` finds what is due.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

OPEN_ROWS = "status <> 'delivered'"
COMPACTABLE_ROWS = "status = 'delivered' AND compacted_at IS NULL"
KINDS = ("xapi", "ags_score", "mail", "pe_online")

ADD_ONE = ("INSERT INTO outbox_totals (organisation_id, kind, delivered) VALUES (NEW.organisation_id, NEW.kind, 1) "
           "ON CONFLICT (organisation_id, kind) DO UPDATE SET delivered = outbox_totals.delivered + 1")
TAKE_ONE = ("UPDATE outbox_totals SET delivered = delivered - 1 "
            "WHERE organisation_id = OLD.organisation_id AND kind = OLD.kind")

#: (trigger name, event, condition, statements); the same on both databases
TRIGGERS = (
    ("outbox_totals_on_insert", "INSERT", "NEW.status = 'delivered'", [ADD_ONE]),
    ("outbox_totals_on_delete", "DELETE", "OLD.status = 'delivered'", [TAKE_ONE]),
    ("outbox_totals_on_status", "UPDATE OF status",
     "OLD.status <> NEW.status AND (OLD.status = 'delivered' OR NEW.status = 'delivered')",
     ["IF OLD.status = 'delivered' THEN", TAKE_ONE, "ELSE", ADD_ONE, "END IF"]),
)


def _create_triggers(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("LOCK TABLE outbox_items IN SHARE ROW EXCLUSIVE MODE")  # no delivery between seed and trigger
        for name, event, condition, body in TRIGGERS:
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       + "".join(f"{line}; " if not line.endswith(("THEN", "ELSE")) else f"{line} " for line in body)
                       + "RETURN NULL; END $$")
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON outbox_items FOR EACH ROW "
                       f"WHEN ({condition}) EXECUTE FUNCTION {name}()")
        return
    for name, event, condition, body in TRIGGERS:
        if event.startswith("UPDATE"):  # SQLite has no IF: one trigger per direction
            op.execute(f"CREATE TRIGGER {name}_from AFTER {event} ON outbox_items FOR EACH ROW "
                       f"WHEN OLD.status = 'delivered' AND NEW.status <> 'delivered' BEGIN {TAKE_ONE}; END")
            op.execute(f"CREATE TRIGGER {name}_to AFTER {event} ON outbox_items FOR EACH ROW "
                       f"WHEN OLD.status <> 'delivered' AND NEW.status = 'delivered' BEGIN {ADD_ONE}; END")
        else:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON outbox_items FOR EACH ROW "
                       f"WHEN {condition} BEGIN {body[0]}; END")


def _drop_triggers(dialect: str) -> None:
    for name, event, _condition, _body in TRIGGERS:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON outbox_items")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        elif event.startswith("UPDATE"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}_from")
            op.execute(f"DROP TRIGGER IF EXISTS {name}_to")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "outbox_totals",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="outbox_kind", native_enum=False, create_constraint=True, length=9),
                  nullable=False),
        sa.Column("delivered", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_outbox_totals_organisation_id_organisations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organisation_id", "kind", name=op.f("pk_outbox_totals")),
    )
    with op.batch_alter_table("outbox_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compacted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("payload", existing_type=sa.JSON(), nullable=True)
    op.create_index("ix_outbox_items_open", "outbox_items", ["organisation_id", "kind", "status"],
                    postgresql_where=sa.text(OPEN_ROWS), sqlite_where=sa.text(OPEN_ROWS))
    op.create_index("ix_outbox_items_compactable", "outbox_items", ["delivered_at"],
                    postgresql_where=sa.text(COMPACTABLE_ROWS), sqlite_where=sa.text(COMPACTABLE_ROWS))
    _create_triggers(dialect)
    op.execute("INSERT INTO outbox_totals (organisation_id, kind, delivered) SELECT organisation_id, kind, count(*) "
               "FROM outbox_items WHERE status = 'delivered' GROUP BY organisation_id, kind")


def downgrade() -> None:
    _drop_triggers(op.get_bind().dialect.name)
    op.drop_index("ix_outbox_items_compactable", table_name="outbox_items")
    op.drop_index("ix_outbox_items_open", table_name="outbox_items")
    op.execute("DELETE FROM outbox_items WHERE payload IS NULL")  # compacted rows cannot hold the old NOT NULL
    with op.batch_alter_table("outbox_items", schema=None) as batch_op:
        batch_op.alter_column("payload", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("compacted_at")
    op.drop_table("outbox_totals")
