"""Declarative base, column types and the per-app ``Database`` (engine + sessions).

The entrypoint owns the transaction: ``with database.begin() as session:`` commits on
success and rolls back on any exception; operations only ``flush``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, create_engine, event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from service.limits import refuse_unstorable

#: where create_app keeps the Database in ``app.extensions``
EXTENSION = "digitoets"
#: seconds a pooled connection may lie idle before its checkout pings the server first
PING_AFTER_IDLE = 5.0

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; constraint names are stable so migrations can refer to them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database.

    SQLite has no time zone type and gives naive values back; PostgreSQL converts to the
    session zone. Both come back here as aware UTC, and naive input is refused, because a
    naive time in an xAPI statement or a grade is a real bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, *, connect_timeout: float | None = None, statement_timeout: float | None = None,
                ping_after_idle: float = PING_AFTER_IDLE, **kwargs) -> Engine:
    """Create an engine; SQLite gets foreign keys on and a busy timeout for concurrent writers.

    ``connect_timeout`` and ``statement_timeout`` (seconds; PostgreSQL) bound how long a request
    can wait for a database that refuses or hangs: connecting (and waiting for a pooled
    connection) gives up after ``connect_timeout``, a statement after ``statement_timeout``, and
    a connection whose packets vanish (a network black hole) after ``statement_timeout`` too
    (``tcp_user_timeout`` and keepalives), instead of the kernel's minutes. A pooled connection
    idle ``ping_after_idle`` seconds or longer is pinged before use (``_ping_when_idle``).
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
    elif url.startswith("postgresql") and (connect_timeout or statement_timeout):
        args = dict(kwargs.get("connect_args", {}))
        if connect_timeout:
            args.setdefault("connect_timeout", max(1, math.ceil(connect_timeout)))  # libpq: whole seconds
            kwargs.setdefault("pool_timeout", connect_timeout)
        if statement_timeout:
            millis = int(statement_timeout * 1000)
            args.setdefault("options", f"-c statement_timeout={millis}")
            args.setdefault("tcp_user_timeout", millis)
            args.update({"keepalives": 1, "keepalives_idle": max(1, int(statement_timeout) // 3),
                         "keepalives_interval": 2, "keepalives_count": 3})
        kwargs["connect_args"] = args
    engine = create_engine(url, future=True, **kwargs)
    if engine.dialect.name != "sqlite":
        _ping_when_idle(engine, ping_after_idle)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # pysqlite's own transaction handling delays BEGIN and breaks SAVEPOINTs; let
            # SQLAlchemy emit BEGIN itself (the documented recipe), so a rollback is a rollback.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # IMMEDIATE takes the write lock at the start and waits (busy timeout) for it. A
            # deferred BEGIN that reads first and writes later fails at once with "database is
            # locked" when another writer committed in between (an autosave racing a form post).
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection at checkout only when it lay idle ``idle_seconds`` or longer.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: a database round trip per
    transaction, most of them on a connection that answered a moment ago (issue 13: about
    0.5 ms wall and 0.2 ms CPU a round trip on the 2-core machine, 70 per employee flow). This
    is SQLAlchemy's documented pessimistic recipe with a threshold: a connection that died
    while idle (a database restart overnight, a firewall dropping idle sessions) is still
    replaced before use; one that dies within ``idle_seconds`` of its last use fails its request
    (the Dutch 503 page, "try again"), and that disconnect invalidates the whole pool, so the
    next request gets a fresh connection.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # a new connection, or one used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError() from error  # the pool replaces it and checks out again
            raise


class Database:
    """One engine and its session factory, kept on the Flask app (``app.extensions``)."""

    def __init__(self, url: str, engine: Engine | None = None, bind: Connection | None = None):
        """Sessions on ``engine``; with ``bind`` (tests) they join that connection's transaction.

        A bound Database turns each ``begin()`` into a savepoint, so a test can roll back
        everything the app committed (SQLAlchemy's "external transaction" recipe).
        """
        self.url = url
        self.engine = engine or (bind.engine if bind is not None else make_engine(url))
        if bind is not None:
            self.sessionmaker = sessionmaker(bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint")
        else:
            self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        # A value its column cannot hold is a 422 and a rollback, never a database error.
        event.listen(self.sessionmaker, "before_flush", refuse_unstorable)

    def configure(self, **info) -> None:
        """Values every session carries in ``session.info`` (the deployment's base URL, say)."""
        self.sessionmaker.configure(info={**self.sessionmaker.kw.get("info", {}), **info})

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A session in a transaction: commit on success, roll back on any exception."""
        with self.sessionmaker.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for one read that needs no transaction of its own (the roles of every request).

        PostgreSQL runs it in autocommit: the statement alone, without BEGIN and COMMIT (two of
        the three round trips such a read costs). SQLite has no round trips, and a bound test
        database cannot leave its transaction: both get ``begin()``. Write nothing here.
        """
        if self.engine.dialect.name != "postgresql" or self.sessionmaker.kw.get("bind") is not self.engine:
            with self.begin() as session:
                yield session
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection, \
                Session(bind=connection, expire_on_commit=False, info=self.sessionmaker.kw.get("info", {})) as session:
            yield session

    def listener(self, channel: str) -> Listener | None:
        """A ``Listener`` for ``channel`` on PostgreSQL; None elsewhere (SQLite has no NOTIFY)."""
        return Listener(self.engine, channel) if self.engine.dialect.name == "postgresql" else None

    def dispose(self) -> None:
        self.engine.dispose()


class Listener:
    """Waits for PostgreSQL's notifications on one channel (LISTEN), on a connection of its own.

    The connection is the engine's (same address and timeouts), taken out of the pool for as
    long as the listener lives. A lost connection counts as no notification and is opened again
    at the next wait: a database restart only costs the early wake-ups until it is back.
    """

    def __init__(self, engine: Engine, channel: str):
        self.engine, self.channel = engine, channel
        self._connection = None

    def wait(self, timeout: float) -> bool:
        """True when a notification came within ``timeout`` seconds, or had come since the last wait.

        Every notification waiting is taken, so a burst of them wakes the waiter once.
        """
        try:
            connection = self._connect()
            if not any(True for _ in connection.notifies(timeout=timeout, stop_after=1)):
                return False
            for _ in connection.notifies(timeout=0):  # the rest of a burst
                pass
            return True
        except (exc.DBAPIError, self.engine.dialect.loaded_dbapi.Error):
            self.close()
            time.sleep(timeout)
            return False

    def _connect(self):
        if self._connection is None or self._connection.closed:
            pooled = self.engine.raw_connection()
            connection = pooled.driver_connection
            pooled.detach()  # its own connection from now on: closing it never returns it to the pool
            connection.rollback()
            connection.autocommit = True
            connection.execute(f"LISTEN {self.channel}")  # a constant identifier, never user input
            self._connection = connection
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None
