"""The outbox forwarder against the real LRS: nothing lost, nothing doubled, whatever fails.

The LRS is Learning Locker's statement service on loopback with in-memory storage; it forgets
everything when it restarts, so each fault test uses an LRS process of its own and freezes it
with SIGSTOP instead of restarting it. Counting "by id" reads every statement back.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from service import models as m
from service.jobs import forward
from service.operations import events, outbox
from tests.support.lrs import PASSWORD, USERNAME
from xapi import events as xe
from xapi.client import LRSClient
from xapi.statements import StatementBuilder

BASE = "https://digitoets.example"
BUILDER = StatementBuilder(BASE)
ROOT = Path(__file__).resolve().parents[3]
LATER = timedelta(days=1)  # a clock past every backoff
#: timeouts for calls that are meant to fail on a frozen LRS: short, so the test is quick
FROZEN = (1, 1)
#: timeouts for calls that are meant to succeed: generous, so a busy machine cannot fail them
PATIENT = (5, 60)


def produce(database, count: int, slug: str = "zorg-a") -> tuple[int, list[str]]:
    """Write ``count`` launched statements of distinct attempts to the outbox, as events do."""
    learner = xe.Actor(home_page="https://lms.example", name=str(uuid.uuid4()))
    test = xe.TestRef(code="ecd-rapportage", version="1", title="Rapporteren", application="ecd")
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    statements = [
        BUILDER.attempt_launched(xe.AttemptRef(uuid.uuid4(), slug, test, learner, start + timedelta(seconds=n)))
        for n in range(count)
    ]
    with database.begin() as session:
        org = session.scalar(select(m.Organisation).where(m.Organisation.slug == slug))
        if org is None:
            org = m.Organisation(slug=slug, name=slug)
            session.add(org)
            session.flush()
        events.enqueue(session, org.id, statements)
        return org.id, [s["id"] for s in statements]


def pool(timeout=PATIENT):
    clients = {}

    def client_for(target):
        clients.setdefault(target, LRSClient(target.endpoint, target.username, target.password, timeout=timeout))
        return clients[target]

    return client_for


def deliver_everything(database, lrs, expected: int, rounds: int = 5) -> int:
    """Forward until ``expected`` rows are delivered, each round with a clock past every backoff.

    A success path must not hinge on one call beating a timeout: an LRS that just woke up may
    still be working through the requests it got while frozen. Returns how many were delivered.
    """
    delivered = 0
    for n in range(1, rounds + 1):
        report = forward.forward(database, target(lrs), pool(), clock=lambda n=n: datetime.now(UTC) + n * LATER)
        delivered += report.delivered
        if statuses(database) == {"delivered": expected}:
            break
    return delivered


def stored_ids(lrs) -> list[str]:
    with LRSClient(lrs.endpoint, USERNAME, PASSWORD, timeout=PATIENT) as client:
        return [s["id"] for s in client.fetch_statements(params={"limit": "500"})]


def statuses(database) -> dict[str, int]:
    with database.begin() as session:
        rows = session.execute(select(m.OutboxItem.status, func.count()).group_by(m.OutboxItem.status))
        return {status.value: count for status, count in rows}


def target(lrs) -> forward.LrsTarget:
    return forward.LrsTarget(lrs.endpoint, USERNAME, PASSWORD)


def test_a_thousand_statements_wait_while_the_lrs_is_frozen_then_arrive_once(committed_database, own_lrs):
    own_lrs.pause()
    try:
        _, ids = produce(committed_database, 1000)
        report = forward.forward(committed_database, target(own_lrs), pool(FROZEN))
        assert report.delivered == 0 and report.deferred in (100, 200, 300)  # the batches in flight timed out
        assert statuses(committed_database) == {"pending": 1000}
    finally:
        own_lrs.resume()
    assert deliver_everything(committed_database, own_lrs, 1000) == 1000
    assert statuses(committed_database) == {"delivered": 1000}
    arrived = stored_ids(own_lrs)
    assert len(arrived) == 1000 and set(arrived) == set(ids)


def test_a_slow_lrs_hits_the_timeout_and_is_retried(committed_database, own_lrs):
    _, ids = produce(committed_database, 5)
    own_lrs.pause()
    try:
        report = forward.forward(committed_database, target(own_lrs), pool(timeout=(1, 0.5)))
    finally:
        own_lrs.resume()
    assert report.deferred == 5
    with committed_database.begin() as session:
        rows = session.scalars(select(m.OutboxItem)).all()
        assert {r.attempts for r in rows} == {1}
        assert all("LRS did not answer POST within" in r.last_error for r in rows)
        assert all(r.next_attempt_at > datetime.now(UTC) for r in rows)
    assert forward.forward(committed_database, target(own_lrs), pool()).delivered == 0  # backoff not over yet
    assert deliver_everything(committed_database, own_lrs, 5) == 5
    assert sorted(stored_ids(own_lrs)) == sorted(ids)


def test_a_poisoned_statement_is_isolated_while_the_rest_of_its_batch_lands(committed_database, lrs):
    org_id, ids = produce(committed_database, 9)
    void_a = BUILDER.voided(ids[0], datetime.now(UTC))
    poison = BUILDER.voided(void_a["id"], datetime.now(UTC))  # valid xAPI shape; an LRS refuses voiding a voider
    with committed_database.begin() as session:
        events.enqueue(session, org_id, [void_a, poison])
    report = forward.forward(committed_database, target(lrs), pool())
    assert (report.delivered, report.rejected) == (10, 1)
    with committed_database.begin() as session:
        [dead] = outbox.dead_letters(session)
        assert dead.dedupe_key == poison["id"]
        assert "void" in dead.last_error.lower()


def test_without_an_lrs_statements_wait_visibly_and_go_once_one_is_configured(committed_database, lrs):
    org_id, ids = produce(committed_database, 3)
    assert forward.forward(committed_database, None, pool()).batches == 0
    with committed_database.begin() as session:
        assert outbox.outbox_counts(session) == {("zorg-a", "pending"): 3}
        session.get(m.Organisation, org_id).lrs_endpoint = lrs.endpoint
    assert forward.forward(committed_database, None, pool()).delivered == 3


def _forwarder(database_url: str, lrs, instance: Path, batch_size: int = 100, *extra: str,
               lrs_timeout: int = 30) -> subprocess.Popen:
    env = {
        **os.environ,
        "DIGITOETS_ENV": "testing",
        "DIGITOETS_DATABASE_URL": database_url,
        "DIGITOETS_INSTANCE_PATH": str(instance),
        "DIGITOETS_LRS_ENDPOINT": lrs.endpoint,
        "DIGITOETS_LRS_USERNAME": USERNAME,
        "DIGITOETS_LRS_PASSWORD": PASSWORD,
        "DIGITOETS_LRS_TIMEOUT": str(lrs_timeout),
    }
    command = [sys.executable, "-c", "from service.cli import main; main()", "xapi", "forward", "--batch-size",
               str(batch_size), *extra]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _connected_to(port: int, timeout: float = 30) -> bool:
    """True once some process holds an established TCP connection to ``port`` on loopback."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(["ss", "-Htn", "state", "established", f"( dport = :{port} )"],
                             capture_output=True, text=True, check=False).stdout
        if out.strip():
            return True
        time.sleep(0.05)
    return False


def _processes_connected_to(port: int, pids: set[int], timeout: float = 60) -> bool:
    """True once every process in ``pids`` holds an established TCP connection to ``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(["ss", "-Htnp", "state", "established", f"( dport = :{port} )"],
                             capture_output=True, text=True, check=False).stdout
        if pids <= {int(pid) for pid in re.findall(r"pid=(\d+)", out)}:
            return True
        time.sleep(0.1)
    return False


def test_a_forwarder_killed_mid_batch_loses_and_doubles_nothing(committed_database, database_url, own_lrs, tmp_path):
    _, ids = produce(committed_database, 250)
    own_lrs.pause()  # the forwarder's POST will hang inside the batch it claimed
    worker = _forwarder(database_url, own_lrs, tmp_path)
    try:
        assert _connected_to(own_lrs.port), "the forwarder never reached the LRS"
        time.sleep(0.3)  # let the request body reach the LRS's socket
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=10)  # reaps it and closes its pipes
    finally:
        own_lrs.resume()  # the LRS now stores the batch the killed forwarder never recorded
    assert statuses(committed_database) == {"pending": 250}
    # restarted after the lease of the killed forwarder ran out
    assert deliver_everything(committed_database, own_lrs, 250) == 250
    assert statuses(committed_database) == {"delivered": 250}
    arrived = stored_ids(own_lrs)
    assert len(arrived) == 250 and set(arrived) == set(ids)


@pytest.mark.postgres
def test_two_forwarders_at_once_never_send_a_row_twice(committed_database, database_url, lrs, tmp_path):
    _, ids = produce(committed_database, 1000, slug="zorg-twee")
    # Freeze the LRS until both forwarders hold a batch, so that a slow start of one (a busy
    # machine) cannot leave all the work to the other; a long read timeout rides out the wait.
    lrs.pause()
    try:
        workers = [_forwarder(database_url, lrs, tmp_path / str(n), batch_size=25, lrs_timeout=300) for n in range(2)]
        assert _processes_connected_to(lrs.port, {w.pid for w in workers}), "a forwarder never reached the LRS"
    finally:
        lrs.resume()
    outputs = [w.communicate(timeout=600) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
    delivered = [int(out.split("delivered ")[1].split(",")[0]) for out, _ in outputs]
    assert sum(delivered) == 1000, delivered  # a row sent by both would be counted twice
    assert all(count > 0 for count in delivered), "both forwarders should have taken work"
    assert statuses(committed_database) == {"delivered": 1000}


def test_the_worker_stops_cleanly_on_sigterm(committed_database, database_url, lrs, tmp_path):
    produce(committed_database, 20)
    looping = _forwarder(database_url, lrs, tmp_path, 100, "--loop", "--interval", "1")
    deadline = time.monotonic() + 180  # generous: only a failure waits this long
    while statuses(committed_database).get("delivered", 0) < 20 and time.monotonic() < deadline:
        time.sleep(0.2)
    looping.send_signal(signal.SIGTERM)
    out, err = looping.communicate(timeout=120)
    assert looping.returncode == 0, err
    assert "delivered 20" in out
    assert statuses(committed_database) == {"delivered": 20}


def _delivered_within(database, count: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if statuses(database).get("delivered", 0) >= count:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
def test_on_postgresql_new_statements_wake_a_waiting_worker_long_before_its_interval(
        committed_database, database_url, lrs, tmp_path):
    """The outbox's NOTIFY (migration 0026) ends the worker's pause: the employee's statements and
    score go out within about a second, not after ``--interval`` (here 120 s)."""
    looping = _forwarder(database_url, lrs, tmp_path, 100, "--loop", "--interval", "120")
    try:
        produce(committed_database, 5)  # before or during its first round, or the first wake-up
        assert _delivered_within(committed_database, 5, 60)
        time.sleep(1.5)  # the worker waits: its round is over, and so is its shortest pause (1 s)
        produce(committed_database, 5)
        # only a NOTIFY can end the 120 s pause; 60 s is patience for a busy machine, not a target
        assert _delivered_within(committed_database, 10, 60), "the waiting worker was not woken"
    finally:
        looping.send_signal(signal.SIGTERM)
        out, err = looping.communicate(timeout=120)
    assert looping.returncode == 0, err
    assert "delivered 10" in out


@pytest.mark.postgres
def test_a_rolled_back_enqueue_wakes_no_worker(committed_database):
    """Statements of a transaction that rolls back are not announced (nor stored)."""
    listener = forward.new_rows_listener(committed_database)
    try:
        assert not listener.wait(0.05)  # listening now; nothing yet
        with pytest.raises(RuntimeError), committed_database.begin() as session:
            org = m.Organisation(slug="zorg-terug", name="zorg-terug")
            session.add(org)
            session.flush()
            events.enqueue(session, org.id, [BUILDER.attempt_launched(xe.AttemptRef(
                uuid.uuid4(), "zorg-terug", xe.TestRef(code="ecd-rapportage", version="1", title="Rapporteren",
                                                       application="ecd"),
                xe.Actor(home_page="https://lms.example", name="x"), datetime(2026, 11, 23, 9, tzinfo=UTC)))])
            raise RuntimeError("the request failed after the enqueue")
        assert not listener.wait(0.5)
        produce(committed_database, 1)
        assert listener.wait(30)  # a committed enqueue is announced (30 s: patience, not a target)
        assert not listener.wait(0.05)  # once: the announcement was taken
    finally:
        listener.close()


@pytest.mark.postgres
def test_a_listener_whose_connection_was_killed_listens_again_on_a_new_one(committed_database):
    """A database restart (here: its backend killed) costs the worker only the wake-ups until it is back."""
    listener = forward.new_rows_listener(committed_database)
    try:
        assert not listener.wait(0.05)  # connected and listening
        killed = listener._connection.info.backend_pid
        with committed_database.engine.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": killed})
        assert not listener.wait(0.5)  # the loss reads as "nothing announced", never as an error
        assert not listener.wait(0.05)  # listening again, on a new connection
        assert listener._connection.info.backend_pid != killed
        produce(committed_database, 1)
        assert listener.wait(30)  # 30 s: patience for a busy machine, not a target
    finally:
        listener.close()


class BrokenClient:
    """A client whose send raises what no LRS answer can cause (a bug in the client): a double,
    because a real LRS cannot make ``post_serialized`` raise anything but an LRS error."""

    def __init__(self, lrs):
        self.real = LRSClient(lrs.endpoint, USERNAME, PASSWORD, timeout=PATIENT)
        self.calls = 0

    def post_serialized(self, statements):
        self.calls += 1
        if self.calls == 2:
            raise ValueError("a bug in the client")
        return self.real.post_serialized(statements)


def test_a_send_that_breaks_stops_the_forwarder_with_its_error_and_leaves_no_row_leased(committed_database, lrs):
    """Before, a sender thread that raised left the leasing thread waiting for its batch forever."""
    produce(committed_database, 600)  # six batches: three on their way, three in reserve
    client = BrokenClient(lrs)
    with pytest.raises(ValueError, match="a bug in the client"):
        forward.forward(committed_database, target(lrs), lambda _target: client)
    delivered = statuses(committed_database).get("delivered", 0)
    assert 100 <= delivered <= 500  # what was sent before (and beside) the broken send is recorded
    with committed_database.begin() as session:  # the rest is due at once, not hidden behind a lease
        leased = session.scalar(select(func.count()).select_from(m.OutboxItem).where(
            m.OutboxItem.status == m.OutboxStatus.PENDING, m.OutboxItem.next_attempt_at > datetime.now(UTC)))
    assert leased == 0
    assert deliver_everything(committed_database, lrs, 600) == 600 - delivered
