"""The connection pool on PostgreSQL (issue 13): fewer round trips, same recovery.

- A pooled connection is pinged before use only after it lay idle (``service.db._ping_when_idle``),
  not at every checkout as ``pool_pre_ping`` would: one round trip less per transaction.
- A connection the server ended while it lay idle (``pg_terminate_backend``: what a database
  restart or an idle-session firewall does to it) is still replaced before use, so the request
  that checks it out succeeds.
- ``Database.read()`` runs a single read in autocommit: no BEGIN and no COMMIT.
Real PostgreSQL throughout; the idle threshold is shortened so the test need not wait 5 s (and
lengthened where a test needs "a moment ago", so a loaded machine cannot make it idle).
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from service.db import Database, make_engine

pytestmark = pytest.mark.postgres

IDLE = 0.3


@pytest.fixture
def make_pool(database_url):
    """An engine with one pooled connection that pings after ``idle`` seconds; ``engine.pings`` counts the pings."""
    engines = []

    def make(idle: float = IDLE):
        engine = make_engine(database_url, ping_after_idle=idle, pool_size=1, max_overflow=0)
        pings: list[float] = []
        original = engine.dialect.do_ping

        def counted(dbapi_connection):
            pings.append(time.monotonic())
            return original(dbapi_connection)

        engine.dialect.do_ping = counted
        engine.pings = pings
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def pool_engine(make_pool):
    return make_pool()


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_used_a_moment_ago_is_not_pinged_again(make_pool):
    engine = make_pool(idle=60)  # "a moment ago" with room to spare on a loaded machine
    first = _backend_pid(engine)
    for _ in range(5):
        assert _backend_pid(engine) == first  # the same pooled connection each time
    assert engine.pings == []


def test_an_idle_connection_is_pinged_once_before_use(pool_engine):
    first = _backend_pid(pool_engine)
    time.sleep(IDLE * 2)
    assert _backend_pid(pool_engine) == first
    assert len(pool_engine.pings) == 1


def test_a_connection_the_server_ended_while_idle_is_replaced_before_the_request_uses_it(pool_engine, database_url):
    first = _backend_pid(pool_engine)
    killer = make_engine(database_url)
    with killer.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
    killer.dispose()
    time.sleep(IDLE * 2)
    second = _backend_pid(pool_engine)  # no error: the ping found it dead, the pool connected anew
    assert second != first
    assert len(pool_engine.pings) == 1


def test_a_read_runs_without_begin_and_commit(pool_engine, database_url):
    database = Database(database_url, engine=pool_engine)
    with database.read() as session:
        in_transaction = session.execute(text("SELECT now() = statement_timestamp()")).scalar_one()
    # in autocommit each statement is its own transaction: its start time is the statement's;
    # inside BEGIN, now() is the time of the (earlier) BEGIN
    assert in_transaction is True
    with database.begin() as session:
        session.execute(text("SELECT pg_sleep(0.01)"))
        assert session.execute(text("SELECT now() = statement_timestamp()")).scalar_one() is False
