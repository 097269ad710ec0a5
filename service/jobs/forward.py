"""Deliver xAPI statements from the outbox to each organisation's LRS: never lost, never doubled.

A batch is *leased* in one short statement (``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE
SKIP LOCKED) RETURNING``): its rows get a ``next_attempt_at`` in the future, so no other
forwarder takes them, and no transaction stays open while the LRS is called. After the
call the rows are marked delivered, dead or deferred. A forwarder killed mid-batch leaves
its rows pending; when the lease runs out they are sent again, which the deterministic
statement ids make harmless (the LRS answers 200 for the same content, or 409, which the
client settles by comparing). Up to three batches per organisation are in flight at once: three
sender threads only POST, each taking the next leased batch from a queue, while one thread
leases and settles, keeping a leased batch in reserve for each sender, so a sender that
finished goes on at once; settling a batch and leasing the next share one transaction, and a
delivered batch is one UPDATE (tests/bench/bench_xapi_forwarder.py).
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Text, cast, select, text, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from service import metrics
from service import models as m
from service.db import Database, Listener, utcnow
from service.models.outbox import OPEN_ROWS
from xapi.client import BatchResult, LRSClient, backoff_delay
from xapi.errors import LRSError, LRSUnavailableError

logger = logging.getLogger(__name__)

#: the table itself: the per-batch statements skip the ORM's bulk-update machinery (CPU the LRS needs)
OUTBOX = m.OutboxItem.__table__

DEFAULT_BATCH = 100
#: never retry sooner than this after a failure, whatever the jitter drew
MIN_RETRY_SECONDS = 5.0
#: how long a leased batch is hidden from other forwarders; longer than any send can take
LEASE_SECONDS = 300
#: seconds between tries to record a sent batch while the database is away (about half a minute in all)
SETTLE_PAUSES = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


@dataclass(frozen=True)
class LrsTarget:
    """Where one organisation's statements go. The password never appears in repr or logs."""

    endpoint: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass
class ForwardReport:
    delivered: int = 0
    rejected: int = 0
    conflicts: int = 0
    deferred: int = 0
    batches: int = 0

    def add(self, other: ForwardReport) -> None:
        for name in ("delivered", "rejected", "conflicts", "deferred", "batches"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def target_for(organisation: m.Organisation, default: LrsTarget | None) -> LrsTarget | None:
    """The organisation's own LRS, else the deployment's default, else None (statements wait)."""
    if organisation.lrs_endpoint:
        return LrsTarget(organisation.lrs_endpoint, organisation.lrs_username, organisation.lrs_password)
    return default


def new_rows_listener(database: Database) -> Listener | None:
    """What a ``--loop`` worker waits on: PostgreSQL announces every INSERT into the outbox
    (a trigger, migration 0026); None on SQLite, whose worker looks every ``--interval``."""
    return database.listener(m.NOTIFY_CHANNEL)


def _due(now: datetime, kind: m.OutboxKind = m.OutboxKind.XAPI):
    return (
        OUTBOX.c.kind == kind,
        OUTBOX.c.status == m.OutboxStatus.PENDING,
        OUTBOX.c.next_attempt_at <= now,
        OUTBOX.c.compacted_at.is_(None),  # a compacted row has nothing left to send, whatever its status
    )


def organisations_with_due_statements(session: Session, now: datetime, has_default: bool) -> list[m.Organisation]:
    query = select(m.Organisation).where(
        m.Organisation.id.in_(select(OUTBOX.c.organisation_id).where(*_due(now)).distinct())
    )
    if not has_default:
        query = query.where(m.Organisation.lrs_endpoint.is_not(None))
    return list(session.scalars(query.order_by(m.Organisation.id)))


@dataclass(frozen=True)
class Leased:
    """A leased outbox row: just what sending and marking need."""

    id: int
    dedupe_key: str
    payload: dict | str  # xAPI: the statement's JSON text, sent as stored; other kinds: parsed
    attempts: int
    organisation_id: int


def claim_batch(session: Session, organisation_id: int | None, now: datetime, limit: int,
                lease_seconds: float = LEASE_SECONDS, kind: m.OutboxKind = m.OutboxKind.XAPI) -> list[Leased]:
    """Lease up to ``limit`` due rows (of one organisation), oldest first, skipping rows others hold."""
    statement = lease_statement(session.get_bind().dialect.name, organisation_id, now, limit, lease_seconds, kind)
    return sorted((Leased(*row) for row in session.execute(statement)), key=lambda r: r.id)


def lease_statement(dialect: str, organisation_id: int | None, now: datetime, limit: int,
                    lease_seconds: float = LEASE_SECONDS, kind: m.OutboxKind = m.OutboxKind.XAPI):
    """The UPDATE ... RETURNING that leases a batch. The due rows of an organisation are read in
    id order from ``ix_outbox_items_open`` (migration 0027), so a lease stops after ``limit`` rows
    whatever the backlog and however many rows were delivered before it."""
    due = (
        select(OUTBOX.c.id)
        .where(*_due(now, kind), *([OUTBOX.c.organisation_id == organisation_id] if organisation_id else []),
               text(OPEN_ROWS))  # the index's own predicate, literally: SQLite does not infer it from 'pending'
        .order_by(OUTBOX.c.id)
        .limit(limit)
    )
    if dialect == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # xAPI statements go out as the JSON text they were stored as: no parse and re-serialise
    payload = cast(OUTBOX.c.payload, Text) if kind is m.OutboxKind.XAPI else OUTBOX.c.payload
    return (  # the table, not the ORM entity: no bulk-update machinery per batch
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(due.scalar_subquery()))
        .values(next_attempt_at=now + timedelta(seconds=lease_seconds))
        .returning(OUTBOX.c.id, OUTBOX.c.dedupe_key, payload, OUTBOX.c.attempts, OUTBOX.c.organisation_id)
    )


def retry_at(now: datetime, attempts: int, retry_after: float | None, rng) -> datetime:
    delay = backoff_delay(attempts, retry_after=retry_after, rng=rng)
    return now + timedelta(seconds=max(MIN_RETRY_SECONDS, delay))


def deliver(database: Database, rows: list[Leased], client: LRSClient, clock: Callable[[], datetime] = utcnow,
            rng: random.Random | None = None) -> ForwardReport:
    """Send leased ``rows`` as one batch, then record what became of each (own transaction)."""
    return settle(database, rows, send(rows, client), clock, rng)


def send(rows: list[Leased], client: LRSClient) -> BatchResult | LRSError:
    """POST the batch; an LRS error is returned (for ``settle``), not raised. No database work."""
    try:
        with metrics.FORWARD_SECONDS.time():
            return client.post_serialized([(row.dedupe_key, row.payload) for row in rows])
    except LRSError as exc:
        return exc


def settle(database: Database, rows: list[Leased], result: BatchResult | LRSError,
           clock: Callable[[], datetime] = utcnow, rng: random.Random | None = None) -> ForwardReport:
    """Record what the LRS made of a sent batch, in one short transaction of its own."""
    return through_outage(database, lambda session: record(session, rows, result, clock(), rng))


def through_outage(database: Database, work: Callable[[Session], object], pauses=SETTLE_PAUSES,
                   sleep: Callable[[float], None] = time.sleep):
    """``work(session)`` in a transaction of its own, tried again while the database is away.

    For what must follow a send: a batch the LRS took but that is not recorded stays leased,
    waits out ``LEASE_SECONDS`` and goes to the LRS a second time. A database that restarts or
    drops its connections is back within the pauses; a longer outage raises (the worker's loop
    backs off, the lease runs out).
    """
    for pause in (*pauses, None):
        try:
            with database.begin() as session:
                return work(session)
        except (OperationalError, InterfaceError) as exc:
            if pause is None:
                raise
            if pause == pauses[0]:
                logger.warning("Database unavailable after a send, trying again for %.0f s: %s", sum(pauses),
                               type(getattr(exc, "orig", None) or exc).__name__)
            sleep(pause)
    raise AssertionError("unreachable")


def record(session: Session, rows: list[Leased], result: BatchResult | LRSError, now: datetime,
           rng: random.Random | None = None) -> ForwardReport:
    """Mark a sent batch's rows delivered, dead or conflicting, or (the LRS failed) due again after a backoff."""
    rng = rng or random
    report = ForwardReport(batches=1)
    if isinstance(result, LRSError):
        # Unavailable (timeout, 429, 5xx) or refused as a whole (401/403: the set-up, not the
        # statements): keep every row and try again after a backoff.
        retry_after = result.retry_after if isinstance(result, LRSUnavailableError) else None
        session.execute(update(m.OutboxItem), [
            {"id": r.id, "attempts": r.attempts + 1, "last_error": str(result)[:1000],
             "next_attempt_at": retry_at(now, r.attempts + 1, retry_after, rng)}
            for r in rows
        ])
        report.deferred = len(rows)
        level = logging.WARNING if isinstance(result, LRSUnavailableError) else logging.ERROR
        logger.log(level, "LRS did not take %d statements of organisation %s: %s", len(rows), rows[0].organisation_id,
                   result)
        return report
    by_key = {row.dedupe_key: row for row in rows}
    changes = []  # the rare refused and conflicting rows, each with its own reason
    for key, reason in result.rejected.items():
        changes.append({"id": by_key[key].id, "status": m.OutboxStatus.DEAD, "last_error": reason[:1000],
                        "attempts": by_key[key].attempts + 1})
        logger.error("LRS rejected statement %s (outbox row %s): %s", key, by_key[key].id, reason[:200])
    for key in result.conflicts:
        changes.append({"id": by_key[key].id, "status": m.OutboxStatus.CONFLICT,
                        "last_error": "the LRS holds a different statement with this id",
                        "attempts": by_key[key].attempts + 1})
        logger.error("ALERT: LRS holds a different statement with id %s (outbox row %s)", key, by_key[key].id)
    if result.delivered:  # the common case: one UPDATE for the batch, not one per row
        session.execute(
            update(OUTBOX).where(OUTBOX.c.id.in_([by_key[k].id for k in result.delivered]))
            .values(status=m.OutboxStatus.DELIVERED, delivered_at=now, last_error=None,
                    attempts=OUTBOX.c.attempts + 1))
    if changes:
        session.execute(update(m.OutboxItem), changes)
    report.delivered, report.rejected, report.conflicts = len(result.delivered), len(result.rejected), len(result.conflicts)
    return report


def forward(
    database: Database,
    default: LrsTarget | None,
    client_for: Callable[[LrsTarget], LRSClient],
    batch_size: int = DEFAULT_BATCH,
    clock: Callable[[], datetime] = utcnow,
    should_stop: Callable[[], bool] = lambda: False,
    in_flight: int = 3,
) -> ForwardReport:
    """Send every due statement, batch by batch, until none is due or ``should_stop()``.

    Up to ``in_flight`` batches per organisation are sent at once (1 in tests whose database
    is a single rolled-back connection). A stop waits for the batches already sent.
    """
    report = ForwardReport()
    with ThreadPoolExecutor(max_workers=max(1, in_flight), thread_name_prefix="xapi-forward") as pool:
        while not should_stop():
            with database.begin() as session:
                organisations = organisations_with_due_statements(session, clock(), default is not None)
            round_report = ForwardReport()
            for organisation in organisations:
                target = target_for(organisation, default)
                if target is not None:
                    round_report.add(_forward_organisation(database, organisation.id, client_for(target), pool,
                                                           batch_size, clock, should_stop, in_flight))
            report.add(round_report)
            if round_report.delivered + round_report.rejected + round_report.conflicts == 0:
                break
    return report


def _forward_organisation(database, organisation_id, client, pool, batch_size, clock, should_stop, in_flight):
    """Keep ``in_flight`` batches on their way to the LRS; this thread leases and settles.

    ``in_flight`` senders in the pool each take the next leased batch from a queue, POST it and
    take the next, so a sender never waits for this thread's database work (before, a finished
    POST's slot waited while this thread settled another batch: three batches were in flight
    only 77% of the time on PostgreSQL). This thread keeps a leased batch waiting for each
    sender, and settles each sent batch in one transaction with the lease of the next. A failed
    POST (the LRS is down) or a stop halts the senders: batches not sent yet come back unsent
    and are made due again at once.
    """
    if in_flight <= 1:  # one batch at a time (tests whose database is one rolled-back connection)
        report = ForwardReport()
        while not should_stop():
            with database.begin() as session:
                rows = claim_batch(session, organisation_id, clock(), batch_size)
            if not rows:
                break
            report.add(batch := deliver(database, rows, client, clock))
            if batch.deferred:
                break
        return report
    report, unsent, leased = ForwardReport(), [], 0
    ready: queue.SimpleQueue = queue.SimpleQueue()  # leased batches for the senders; None ends a sender
    sent: queue.SimpleQueue = queue.SimpleQueue()  # (rows, the LRS's answer, or None: not sent)
    halt = threading.Event()

    failures: list[Exception] = []  # what a sender raised (a bug, not the LRS): raised here after the cleanup

    def sender() -> None:
        # Every batch taken comes back on ``sent``, whatever happens, or this thread would wait forever.
        while (rows := ready.get()) is not None:
            result = None
            if not (halt.is_set() or should_stop()):
                try:
                    result = send(rows, client)
                except Exception as error:  # noqa: BLE001 - handed to the leasing thread, which raises it
                    failures.append(error)
                if not isinstance(result, BatchResult):
                    halt.set()  # this LRS is down (or the send broke): the other senders send nothing more for now
            sent.put((rows, result))

    def lease(session) -> list[Leased]:
        return claim_batch(session, organisation_id, clock(), batch_size)

    senders = [pool.submit(sender) for _ in range(in_flight)]
    try:
        more = True
        while more and leased < 2 * in_flight and not should_stop():  # a batch for each sender, and one waiting each
            if leased:  # batches are on their way: the database must be waited for, they are settled below
                rows = through_outage(database, lease)
            else:
                with database.begin() as session:
                    rows = lease(session)
            if rows:
                ready.put(rows)
                leased += 1
            more = bool(rows)
        while leased:
            rows, result = sent.get()
            leased -= 1
            if result is None:
                unsent.extend(rows)
                continue
            go_on = more and not halt.is_set() and not should_stop()

            def settle_and_lease(session, rows=rows, result=result, go_on=go_on):
                batch = record(session, rows, result, clock())
                return batch, (lease(session) if go_on and not batch.deferred else [])

            batch, following = through_outage(database, settle_and_lease)
            report.add(batch)
            if following:
                ready.put(following)
                leased += 1
            elif go_on and not batch.deferred:
                more = False  # nothing more is due
    finally:
        halt.set()
        for _ in senders:
            ready.put(None)
        for each in senders:
            each.result()
        while not sent.empty():
            rows, result = sent.get()
            if result is None:
                unsent.extend(rows)
        if unsent:  # leased but never sent (a stop, an LRS down, a failed send): due again now, not after the lease
            with database.begin() as session:
                session.execute(update(OUTBOX).where(OUTBOX.c.id.in_([r.id for r in unsent]))
                                .values(next_attempt_at=clock()))
    if failures:
        raise failures[0]
    return report
