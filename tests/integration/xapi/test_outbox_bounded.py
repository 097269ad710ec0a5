"""The outbox stays cheap to look at and small, whatever its size.

- counts come from the partial index of rows not delivered, and from ``outbox_totals``, a
  counter the migration's triggers keep exact (checked against a real count here);
- delivered payloads are compacted after DIGITOETS_OUTBOX_PAYLOAD_DAYS: the statement id and the
  status stay, and a compacted row is never sent again, even when someone puts it back in line.
Everything runs against the real LRS.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import case, delete, func, insert, select, text, update

from service import models as m
from service.jobs import forward, purge
from service.models.outbox import OutboxTotal
from service.operations import outbox
from xapi.client import BatchResult
from tests.integration.xapi.test_forwarder_faults import pool, produce, stored_ids, target

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


def _totals(session) -> dict[tuple[int, str], int]:
    return {(o, k.value): n for o, k, n in session.execute(
        select(OutboxTotal.organisation_id, OutboxTotal.kind, OutboxTotal.delivered)) if n}


def _real_counts(session) -> dict[tuple[int, str], int]:
    return {(o, k.value): n for o, k, n in session.execute(
        select(m.OutboxItem.organisation_id, m.OutboxItem.kind, func.count())
        .where(m.OutboxItem.status == m.OutboxStatus.DELIVERED)
        .group_by(m.OutboxItem.organisation_id, m.OutboxItem.kind))}


def _rows(org_id: int, count: int, status: m.OutboxStatus, kind=m.OutboxKind.XAPI, prefix="k", delivered_at=None):
    return [{"organisation_id": org_id, "kind": kind, "dedupe_key": f"{prefix}{n}", "payload": {"n": n},
             "status": status, "delivered_at": delivered_at} for n in range(count)]


@pytest.fixture
def two_organisations(database, make_person) -> tuple[int, int]:
    """The ids of organisations zorg-a and zorg-b, each with one person."""
    make_person("a", function=None, org_slug="zorg-a")
    make_person("b", function=None, org_slug="zorg-b")
    with database.begin() as session:
        return tuple(session.scalar(select(m.Organisation.id).where(m.Organisation.slug == s))
                     for s in ("zorg-a", "zorg-b"))


def test_the_delivered_counter_follows_every_change_of_status(database, two_organisations):
    a, b = two_organisations
    with database.begin() as session:
        session.execute(insert(m.OutboxItem), _rows(a, 7, m.OutboxStatus.DELIVERED, prefix="a")
                        + _rows(a, 3, m.OutboxStatus.PENDING, prefix="p")
                        + _rows(b, 2, m.OutboxStatus.DELIVERED, m.OutboxKind.MAIL, prefix="b"))
        assert _totals(session) == _real_counts(session) == {(a, "xapi"): 7, (b, "mail"): 2}
        session.execute(update(m.OutboxItem).where(m.OutboxItem.dedupe_key.in_(["p0", "p1"]))
                        .values(status=m.OutboxStatus.DELIVERED))
        session.execute(update(m.OutboxItem).where(m.OutboxItem.dedupe_key == "a0").values(status=m.OutboxStatus.DEAD))
        session.execute(update(m.OutboxItem).where(m.OutboxItem.dedupe_key == "a1").values(attempts=3))  # no status change
        session.execute(delete(m.OutboxItem).where(m.OutboxItem.dedupe_key.in_(["a2", "p2", "b0"])))
        assert _totals(session) == _real_counts(session) == {(a, "xapi"): 7, (b, "mail"): 1}
        counts = outbox.counts_by_kind(session, a)
        assert counts["xapi"] == {"pending": 0, "delivered": 7, "dead": 1, "conflict": 0}
        assert outbox.outbox_counts(session) == {("zorg-a", "delivered"): 7, ("zorg-a", "dead"): 1}


def test_one_statement_that_moves_rows_both_ways_across_organisations_keeps_the_counter_exact(database, two_organisations):
    """One statement that sends rows to 'delivered' and takes others from it nets out per organisation and kind."""
    a, b = two_organisations
    with database.begin() as session:
        session.execute(insert(m.OutboxItem), _rows(a, 4, m.OutboxStatus.DELIVERED, prefix="a")
                        + _rows(a, 3, m.OutboxStatus.PENDING, prefix="p")
                        + _rows(b, 5, m.OutboxStatus.DELIVERED, prefix="b")
                        + _rows(b, 2, m.OutboxStatus.DELIVERED, m.OutboxKind.MAIL, prefix="m"))
        assert _totals(session) == {(a, "xapi"): 4, (b, "xapi"): 5, (b, "mail"): 2}
        # one UPDATE: 3 pending rows of a delivered, 2 delivered rows of a and 1 of b put back in line
        flipped = (m.OutboxItem.dedupe_key.in_(["p0", "p1", "p2", "a0", "a1", "b0"]))
        session.execute(update(m.OutboxItem).where(flipped).values(status=case(
            (m.OutboxItem.status == m.OutboxStatus.DELIVERED, m.OutboxStatus.PENDING.value),
            else_=m.OutboxStatus.DELIVERED.value)))
        assert _totals(session) == _real_counts(session) == {(a, "xapi"): 5, (b, "xapi"): 4, (b, "mail"): 2}
        # one UPDATE that changes no status, and one DELETE across both organisations and kinds
        session.execute(update(m.OutboxItem).values(attempts=m.OutboxItem.attempts + 1))
        session.execute(delete(m.OutboxItem).where(m.OutboxItem.dedupe_key.in_(["a2", "a0", "b1", "m0"])))
        assert _totals(session) == _real_counts(session) == {(a, "xapi"): 4, (b, "xapi"): 3, (b, "mail"): 1}


def test_a_settled_batch_raises_the_counter_with_one_upsert_on_postgresql(database, two_organisations):
    """A count, not a timing: the forwarder's settle of a batch of 100 (with a refused row and a
    lease in the same transaction, as the worker does) counts the batch exactly; on PostgreSQL
    the counter's trigger runs once per statement (migration 0028), not once per row. SQLite
    has only row triggers: there the count is checked, not the calls."""
    a, b = two_organisations
    with database.begin() as session:
        session.execute(insert(m.OutboxItem),
                        _rows(a, 101, m.OutboxStatus.PENDING) + _rows(b, 5, m.OutboxStatus.PENDING, prefix="b"))
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            session.execute(text("SET LOCAL track_functions = 'pl'"))
        rows = forward.claim_batch(session, a, NOW + timedelta(days=1), 101)
        refused = rows[0].dedupe_key
        result = BatchResult(delivered=[r.dedupe_key for r in rows[1:]], rejected={refused: "invalid"})
        report = forward.record(session, rows, result, NOW)
        forward.claim_batch(session, b, NOW + timedelta(days=1), 100)
        assert (report.delivered, report.rejected) == (100, 1)
        assert _totals(session) == _real_counts(session) == {(a, "xapi"): 100}
        if postgres:  # the lease, the settle, the refused row and the second lease: four UPDATEs
            calls = session.scalar(text("SELECT calls FROM pg_stat_xact_user_functions "
                                        "WHERE funcname = 'outbox_totals_on_update'"))
            assert calls == 4, calls


def test_the_forwarder_raises_the_counter(committed_database, lrs):
    org_id, _ = produce(committed_database, 30)
    assert forward.forward(committed_database, target(lrs), pool()).delivered == 30
    with committed_database.begin() as session:
        assert _totals(session) == _real_counts(session) == {(org_id, "xapi"): 30}
        assert outbox.outbox_counts(session) == {("zorg-a", "delivered"): 30}


def test_the_counts_are_read_from_the_partial_index(database, make_person):
    """A plan check, not a timing: the open rows' query can use ix_outbox_items_open (a bound
    parameter instead of the literal predicate would make the index unusable)."""
    make_person("a", function=None)
    with database.begin() as session:
        org_id = session.scalar(select(m.Organisation.id))
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            session.execute(text("SET LOCAL enable_seqscan = off"))
        counts = (select(m.OutboxItem.kind, m.OutboxItem.status, func.count())
                  .where(m.OutboxItem.organisation_id == org_id, outbox._OPEN)
                  .group_by(m.OutboxItem.kind, m.OutboxItem.status))
        dead = outbox.dead_letters_query(org_id, m.OutboxKind.XAPI, limit=100)  # as /beheer/xapi lists them
        for query in (counts, dead):
            compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
            plan = " ".join(str(row) for row in session.execute(
                text(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + str(compiled))))
            assert "ix_outbox_items_open" in plan, plan


def test_a_lease_reads_its_batch_in_id_order_from_the_open_rows_index(database, two_organisations):
    """A plan check, not a timing: behind many delivered rows and a backlog of another
    organisation, the forwarder's lease takes its rows in id order from ix_outbox_items_open and
    stops after the batch; it neither sorts the whole backlog nor walks the primary key past every
    delivered row (199-371 ms a lease behind 300,300 of them, before migration 0027)."""
    a, b = two_organisations
    with database.begin() as session:
        session.execute(insert(m.OutboxItem), _rows(a, 3000, m.OutboxStatus.DELIVERED, prefix="d", delivered_at=NOW)
                        + _rows(b, 400, m.OutboxStatus.PENDING, prefix="b") + _rows(a, 400, m.OutboxStatus.PENDING))
        session.execute(text("ANALYZE"))
        dialect = session.get_bind().dialect
        compiled = forward.lease_statement(dialect.name, a, NOW + timedelta(days=1), 100).compile(dialect=dialect)
        if dialect.name == "postgresql":
            plan = session.connection().exec_driver_sql("EXPLAIN " + compiled.string, compiled.params).all()
        else:
            plan = session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + compiled.string,
                tuple(str(compiled.params[name]) for name in compiled.positiontup)).all()
        plan = " ".join(str(row) for row in plan)
        assert "ix_outbox_items_open" in plan, plan
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan


def test_a_compacted_statement_keeps_its_id_and_is_never_sent_again(committed_database, lrs):
    org_id, ids = produce(committed_database, 4)
    assert forward.forward(committed_database, target(lrs), pool()).delivered == 4
    with committed_database.begin() as session:  # two were delivered 31 days ago, two yesterday
        session.execute(update(m.OutboxItem).where(m.OutboxItem.dedupe_key.in_(ids[:2]))
                        .values(delivered_at=NOW - timedelta(days=31)))
        session.execute(update(m.OutboxItem).where(m.OutboxItem.dedupe_key.in_(ids[2:]))
                        .values(delivered_at=NOW - timedelta(days=1)))
    assert purge.compact_outbox(committed_database, NOW, days=30, dry_run=True) == {"xapi": 2}
    assert purge.compact_outbox(committed_database, NOW, days=30) == {"xapi": 2}
    assert purge.compact_outbox(committed_database, NOW, days=30) == {}  # a second run finds nothing
    with committed_database.begin() as session:
        rows = {r.dedupe_key: r for r in session.scalars(select(m.OutboxItem))}
        assert all(rows[i].payload is None and rows[i].compacted_at == NOW for i in ids[:2])
        assert all(rows[i].payload is not None and rows[i].compacted_at is None for i in ids[2:])
        assert {r.status for r in rows.values()} == {m.OutboxStatus.DELIVERED}
        assert session.scalar(select(func.count()).select_from(m.OutboxItem).where(m.OutboxItem.payload.is_(None))) == 2
        # someone puts every row back in line by hand, and marks them refused for a retry too
        session.execute(update(m.OutboxItem).values(status=m.OutboxStatus.PENDING,
                                                  next_attempt_at=datetime.now(UTC) - timedelta(minutes=1)))
    before = sorted(stored_ids(lrs))
    report = forward.forward(committed_database, target(lrs), pool())
    assert report.delivered == 2  # only the two with a payload; the LRS answers 200 for the same statement
    with committed_database.begin() as session:
        statuses = {r.dedupe_key: r.status for r in session.scalars(select(m.OutboxItem))}
        assert all(statuses[i] is m.OutboxStatus.PENDING for i in ids[:2])  # never leased, never sent
        session.execute(update(m.OutboxItem).where(m.OutboxItem.dedupe_key.in_(ids[:2])).values(status=m.OutboxStatus.DEAD))
        assert outbox.retry_dead_letters(session, None, NOW, organisation_id=org_id) == 0
    assert sorted(stored_ids(lrs)) == before


def test_scores_keep_their_score_and_mails_lose_everything(database, make_person):
    make_person("a", function=None)
    old = NOW - timedelta(days=40)
    with database.begin() as session:
        org_id = session.scalar(select(m.Organisation.id))
        session.add_all([
            m.OutboxItem(organisation_id=org_id, kind=m.OutboxKind.AGS_SCORE, dedupe_key="attempt:1",
                         status=m.OutboxStatus.DELIVERED, delivered_at=old,
                         payload={"score_given": 7, "score_maximum": 10, "user_id": "lms-user-1",
                                  "lineitem_url": "https://lms.example/li/1", "registration_id": 3}),
            m.OutboxItem(organisation_id=org_id, kind=m.OutboxKind.MAIL, dedupe_key="1:mail", delivered_at=old,
                         status=m.OutboxStatus.DELIVERED, payload={"to": "ans@zorg.example", "subject": "Hulpvraag"}),
            m.OutboxItem(organisation_id=org_id, kind=m.OutboxKind.MAIL, dedupe_key="1:waits", delivered_at=None,
                         status=m.OutboxStatus.PENDING, payload={"to": "bo@zorg.example", "subject": "Later"}),
        ])
    assert purge.compact_outbox(database, NOW, days=30) == {"ags_score": 1, "mail": 1}
    with database.begin() as session:
        rows = {r.dedupe_key: r for r in session.scalars(select(m.OutboxItem))}
        assert rows["attempt:1"].payload == {"score_given": 7, "score_maximum": 10}
        assert rows["1:mail"].payload is None and rows["1:mail"].status is m.OutboxStatus.DELIVERED
        assert rows["1:waits"].payload == {"to": "bo@zorg.example", "subject": "Later"}  # not delivered: untouched


def test_the_command_takes_its_days_from_the_setting(runner, database, make_person):
    make_person("a", function=None)
    with database.begin() as session:
        org_id = session.scalar(select(m.Organisation.id))
        now = datetime.now(UTC)
        session.execute(insert(m.OutboxItem), _rows(org_id, 3, m.OutboxStatus.DELIVERED, delivered_at=now - timedelta(days=10)))
    dry = runner.invoke(args=["retention", "compact-outbox", "--dry-run"], env={"DIGITOETS_OUTBOX_PAYLOAD_DAYS": "7"})
    assert dry.exit_code == 0 and "xapi\t3" in dry.output and "over 7 days" in dry.output
    assert "xapi\t" not in runner.invoke(args=["retention", "compact-outbox"]).output  # default 30 days: none due
    done = runner.invoke(args=["retention", "compact-outbox"], env={"DIGITOETS_OUTBOX_PAYLOAD_DAYS": "7"})
    assert done.exit_code == 0 and "xapi\t3" in done.output
    bad = runner.invoke(args=["retention", "compact-outbox"], env={"DIGITOETS_OUTBOX_PAYLOAD_DAYS": "0"})
    assert bad.exit_code == 2 and "DIGITOETS_OUTBOX_PAYLOAD_DAYS" in bad.output
