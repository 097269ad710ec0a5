"""outbox totals per statement: PostgreSQL counts a settled batch in one upsert, not one per row

``outbox_totals`` (migration 0020) was kept by a row trigger on PostgreSQL: the forwarder's
UPDATE that marks a batch of 100 delivered ran 100 upserts of the same counter row. A
statement-level trigger sees the UPDATE's old and new rows (transition tables) and adds the
net change per organisation and kind in one upsert. PostgreSQL allows no column list on a
trigger with transition tables, so it runs after every UPDATE of ``outbox_items`` (a lease
pays a join of its rows and writes nothing).

Measured, the CPU of every PostgreSQL process from /proc per 10,000 statements: lease and settle
cycles of 100 without an LRS, 0.89-1.08 s before and 0.64-0.81 s after; the ``--loop`` worker
delivering to the real LRS (tests/bench/bench_xapi_forwarder.py, 4 rounds each, alternated),
0.97-1.14 s before and 0.76-0.96 s after. The forwarder shares two cores with the LRS: that is
CPU the LRS gets back.

SQLite has no statement-level triggers: its row triggers stay. Insert and delete keep their row
triggers on both databases; their conditions (a row inserted or deleted as delivered) are rare.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

PER_STATEMENT = (
    "CREATE FUNCTION outbox_totals_on_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO outbox_totals (organisation_id, kind, delivered) "
    "SELECT new_rows.organisation_id, new_rows.kind, "
    "sum(CASE WHEN new_rows.status = 'delivered' THEN 1 ELSE -1 END) "
    "FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id "
    "WHERE (old_rows.status = 'delivered') <> (new_rows.status = 'delivered') "
    "GROUP BY new_rows.organisation_id, new_rows.kind "
    "HAVING sum(CASE WHEN new_rows.status = 'delivered' THEN 1 ELSE -1 END) <> 0 "
    "ON CONFLICT (organisation_id, kind) DO UPDATE SET delivered = outbox_totals.delivered + EXCLUDED.delivered; "
    "RETURN NULL; END $$"
)

#: migration 0020's row trigger, for the downgrade
ADD_ONE = ("INSERT INTO outbox_totals (organisation_id, kind, delivered) VALUES (NEW.organisation_id, NEW.kind, 1) "
           "ON CONFLICT (organisation_id, kind) DO UPDATE SET delivered = outbox_totals.delivered + 1")
TAKE_ONE = ("UPDATE outbox_totals SET delivered = delivered - 1 "
            "WHERE organisation_id = OLD.organisation_id AND kind = OLD.kind")
PER_ROW = (f"CREATE FUNCTION outbox_totals_on_status() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
           f"IF OLD.status = 'delivered' THEN {TAKE_ONE}; ELSE {ADD_ONE}; END IF; RETURN NULL; END $$")


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE outbox_items IN SHARE ROW EXCLUSIVE MODE")  # no delivery between the two triggers
    op.execute("DROP TRIGGER outbox_totals_on_status ON outbox_items")
    op.execute("DROP FUNCTION outbox_totals_on_status()")
    op.execute(PER_STATEMENT)
    op.execute("CREATE TRIGGER outbox_totals_on_update AFTER UPDATE ON outbox_items "
               "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION outbox_totals_on_update()")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE outbox_items IN SHARE ROW EXCLUSIVE MODE")
    op.execute("DROP TRIGGER outbox_totals_on_update ON outbox_items")
    op.execute("DROP FUNCTION outbox_totals_on_update()")
    op.execute(PER_ROW)
    op.execute("CREATE TRIGGER outbox_totals_on_status AFTER UPDATE OF status ON outbox_items FOR EACH ROW "
               "WHEN (OLD.status <> NEW.status AND (OLD.status = 'delivered' OR NEW.status = 'delivered')) "
               "EXECUTE FUNCTION outbox_totals_on_status()")
