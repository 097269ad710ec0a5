"""The lti package's storage Protocols over our tables, so any worker can finish any launch.

Two kinds of store:

* ``SessionLaunchStateStore`` and ``SessionRegistrationStore`` work inside the caller's
  transaction: the login and the launch run in ONE transaction each (``LtiTool.request_scope``).
  Reads are remembered for the request (one ``prefetch`` for the keys a launch needs),
  writes wait for ``flush`` at the end and go to the database as one INSERT; only ``add_once``
  (a nonce spent, a one-time link used) is written at once, because its answer is the check.
  A login's flush also deletes a bounded batch of expired rows (``PURGE_BATCH``, more than
  a login and its launch write) when its pending count saw any, so launch state is purged as it
  expires, not only by the retention timer.
* ``DbLaunchStateStore`` and ``DbRegistrationStore`` give each call its own short transaction,
  for the steps outside a login or launch (the cookie check, one-time links, deep linking).
  Inside a request scope, ``DbLaunchStateStore`` hands its calls to that scope's store, so code
  that uses ``tool().store`` (one-time links) joins the launch's transaction.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, case, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload

from lti.registration import Registration
from service import models as m
from service.db import Database, utcnow
from service.operations.registrations import to_registration

#: expired rows a login deletes at most: more than a login and its launch write (about 6), so
#: the purge keeps up, and small, so no login waits on a long DELETE whatever piled up
PURGE_BATCH = 20
_STATE = m.LtiLaunchState
_current: ContextVar[SessionLaunchStateStore | None] = ContextVar("lti_request_store", default=None)


#: built once: constructing a statement costs more than running it from the compiled cache
_BY_CLIENT = (select(m.LtiRegistration)
              .options(joinedload(m.LtiRegistration.deployments), joinedload(m.LtiRegistration.organisation))
              .where(m.LtiRegistration.issuer == bindparam("issuer"),
                     m.LtiRegistration.client_id == bindparam("client_id")))


def find_registration(session: Session, issuer: str, client_id: str | None,
                      deployment_id: str | None = None) -> m.LtiRegistration | None:
    """The registration row of ``issuer`` and ``client_id`` (deployments and organisation loaded with it).

    (issuer, client_id) is unique across organisations. A login without ``client_id`` picks
    among the issuer's registrations that list its deployment id (or all of them), the oldest
    active one first: another organisation's admin who adds the same issuer later cannot take
    over or block this organisation's logins.
    """
    if client_id is not None:  # (issuer, client_id) is unique: no ordering, no LIMIT subquery
        return session.scalars(_BY_CLIENT, {"issuer": issuer, "client_id": client_id}).unique().first()
    query = (select(m.LtiRegistration)
             .options(joinedload(m.LtiRegistration.deployments), joinedload(m.LtiRegistration.organisation))
             .where(m.LtiRegistration.issuer == issuer))
    query = query.order_by(case((m.LtiRegistration.status == m.RegistrationStatus.ACTIVE, 0), else_=1),
                           m.LtiRegistration.id).limit(1)
    row = None
    if deployment_id:
        row = session.scalars(query.where(m.LtiRegistration.deployments.any(
            m.LtiDeployment.deployment_id == deployment_id))).unique().first()
    return row or session.scalars(query).unique().first()


class DbRegistrationStore:
    """``lti.registration.RegistrationStore`` over ``lti_registrations``, a transaction per call."""

    def __init__(self, database: Database):
        self.database = database

    def find(self, issuer: str, client_id: str | None, deployment_id: str | None = None) -> Registration | None:
        with self.database.begin() as session:
            row = find_registration(session, issuer, client_id, deployment_id)
            return to_registration(row) if row is not None else None


class SessionRegistrationStore:
    """``RegistrationStore`` in the request's session: each registration is read once per request.

    The row stays in the session, so ``record_launch`` gets it (and its organisation) without
    another query.
    """

    def __init__(self, session: Session):
        self.session = session
        self._found: dict[tuple, Registration | None] = {}
        self._rows: list[m.LtiRegistration] = []  # the session's identity map only holds weak references

    def find(self, issuer: str, client_id: str | None, deployment_id: str | None = None) -> Registration | None:
        key = (issuer, client_id, deployment_id if client_id is None else None)
        if key not in self._found:
            row = find_registration(self.session, *key)
            if row is not None:
                self._rows.append(row)
            self._found[key] = to_registration(row) if row is not None else None
        return self._found[key]


_TABLE = _STATE.__table__
_READ = select(_TABLE.c.key, _TABLE.c.value).where(_TABLE.c.key.in_(bindparam("keys", expanding=True)),
                                                   _TABLE.c.expires_at > bindparam("now"))


@functools.cache
def _statements(dialect: str) -> tuple:
    """(upsert, add_once) for ``dialect``, built once; parameters key, value, expires_at (and now)."""
    insert = pg_insert(_TABLE) if dialect == "postgresql" else sqlite_insert(_TABLE)
    # RETURNING makes SQLAlchemy send many rows as ONE multi-row INSERT ("insertmanyvalues")
    # instead of a statement per row (psycopg's executemany)
    upsert = insert.on_conflict_do_update(
        index_elements=[_TABLE.c.key], set_={"value": insert.excluded.value, "expires_at": insert.excluded.expires_at},
    ).returning(_TABLE.c.key)
    add_once = insert.on_conflict_do_update(
        index_elements=[_TABLE.c.key], where=_TABLE.c.expires_at <= bindparam("now"),
        set_={"value": insert.excluded.value, "expires_at": insert.excluded.expires_at}).returning(_TABLE.c.key)
    return upsert, add_once


def _like_prefix(prefix: str) -> str:
    return prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


class SessionLaunchStateStore:
    """``lti.registration.LaunchStateStore`` inside the caller's transaction (see the module docstring)."""

    def __init__(self, session: Session, *, purge: bool = False):
        self.session = session
        self.purge = purge
        self._known: dict[str, str | None] = {}  # read (or written) this request; None: absent
        self._pending: dict[str, tuple[str, datetime]] = {}
        self._deleted: set[str] = set()
        self._any_expired: bool | None = None  # seen by ``count_live_many``; None: not known

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read every key of ``keys`` not known yet, in one query."""
        wanted = [key for key in dict.fromkeys(keys) if key not in self._known]
        if not wanted:
            return
        found = dict(self.session.connection().execute(_READ, {"keys": wanted, "now": utcnow()}).all())
        for key in wanted:
            self._known[key] = found.get(key)

    def get(self, key: str) -> str | None:
        if key not in self._known:
            self.prefetch([key])
        return self._known[key]

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        self._pending[key] = (value, utcnow() + timedelta(seconds=ttl_seconds))
        self._deleted.discard(key)
        self._known[key] = value

    def delete(self, key: str) -> None:
        self._pending.pop(key, None)
        self._deleted.add(key)
        self._known[key] = None

    def count_live(self, prefix: str) -> int:
        return self.count_live_many([prefix])[0]

    def count_live_many(self, prefixes: list[str] | tuple[str, ...], *, ttl_seconds: int | None = None
                        ) -> tuple[int, ...]:
        """How many unexpired keys start with each prefix, in one query.

        ``ttl_seconds``: the longest time-to-live those keys were written with. The query then
        reads only rows expiring within it (the ``expires_at`` index), not every live row: a
        login's count does not grow with the launches of the last hours (6 h launch data).
        """
        now = utcnow()
        statement = _count_statement(len(prefixes))
        params = {f"p{i}": _like_prefix(prefix) for i, prefix in enumerate(prefixes)}
        until = now + timedelta(seconds=ttl_seconds) if ttl_seconds is not None else _FAR
        *counts, expired = self.session.connection().execute(statement, {**params, "now": now, "until": until}).one()
        self._any_expired = bool(expired)
        return tuple(int(count) for count in counts)

    def add_once(self, key: str, ttl_seconds: int) -> bool:
        """Atomic across workers: an INSERT that takes over the key only when it expired."""
        now = utcnow()
        connection = self.session.connection()
        taken = connection.execute(_statements(connection.dialect.name)[1], {
            "key": key, "value": "1", "expires_at": now + timedelta(seconds=ttl_seconds), "now": now}).first() is not None
        if taken:
            self._known[key] = "1"
        return taken

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        """Hold ``key`` against other workers until this transaction ends, and read it afresh.

        PostgreSQL: a transaction-level advisory lock. SQLite: the transaction already holds the
        database's write lock (``BEGIN IMMEDIATE``), so nobody else can be in between.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock(_lock_id(key))))
        self._known.pop(key, None)
        yield

    def flush(self) -> None:
        """Write what this request set and deleted; with ``purge``, delete some expired rows too."""
        if self._deleted:
            self.session.execute(delete(_STATE).where(_STATE.key.in_(sorted(self._deleted)))
                                 .execution_options(synchronize_session=False))
            self._deleted.clear()
        if not self._pending:
            return
        if self.purge and self._any_expired is not False:  # a login's count saw whether any expired
            purge_expired(self.session, utcnow())
        rows = [{"key": key, "value": value, "expires_at": expires}
                for key, (value, expires) in self._pending.items()]
        connection = self.session.connection()
        connection.execute(_statements(connection.dialect.name)[0], rows).all()  # one statement, all rows
        self._pending.clear()


@functools.cache
def _count_statement(prefixes: int):
    """Live keys per LIKE pattern ``p0``, ``p1``, ... in one query."""
    expired = _TABLE.alias("expired")
    any_expired = exists(select(expired.c.key).where(expired.c.expires_at <= bindparam("now")))
    return select(*[func.coalesce(func.sum(case((_TABLE.c.key.like(bindparam(f"p{i}"), escape="/"), 1), else_=0)), 0)
                    for i in range(prefixes)], any_expired.label("any_expired")).where(_TABLE.c.expires_at > bindparam("now"),
                                                     _TABLE.c.expires_at <= bindparam("until"))


#: ``count_live_many`` without a time-to-live: every live row
_FAR = datetime(9999, 12, 31, tzinfo=timezone.utc)


_PURGE = delete(_TABLE).where(_TABLE.c.key.in_(
    select(_TABLE.c.key).where(_TABLE.c.expires_at <= bindparam("now")).limit(bindparam("limit"))
    .with_for_update(skip_locked=True)))


def purge_expired(session: Session, now: datetime, limit: int = PURGE_BATCH) -> int:
    """Delete at most ``limit`` expired launch state rows; rows another transaction holds are skipped."""
    return session.connection().execute(_PURGE, {"now": now, "limit": limit}).rowcount


@contextmanager
def bound_store(store: SessionLaunchStateStore) -> Iterator[SessionLaunchStateStore]:
    """Make ``DbLaunchStateStore`` calls in this block go to ``store`` (the request's transaction)."""
    token = _current.set(store)
    try:
        yield store
    finally:
        _current.reset(token)


class DbLaunchStateStore:
    """``lti.registration.LaunchStateStore`` over ``lti_launch_states``, a transaction per call.

    Inside ``bound_store`` every call goes to the request's store instead.
    """

    def __init__(self, database: Database):
        self.database = database

    def get(self, key: str) -> str | None:
        if (bound := _current.get()) is not None:
            return bound.get(key)
        with self.database.begin() as session:
            return session.scalar(select(_STATE.value).where(_STATE.key == key, _STATE.expires_at > utcnow()))

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        if (bound := _current.get()) is not None:
            return bound.set(key, value, ttl_seconds)
        with self.database.begin() as session:
            one = SessionLaunchStateStore(session, purge=False)
            one.set(key, value, ttl_seconds)
            one.flush()

    def delete(self, key: str) -> None:
        if (bound := _current.get()) is not None:
            return bound.delete(key)
        with self.database.begin() as session:
            session.execute(delete(_STATE).where(_STATE.key == key))

    def count_live(self, prefix: str) -> int:
        """Counts live keys with ``prefix``, after deleting a batch of expired rows."""
        if (bound := _current.get()) is not None:
            return bound.count_live(prefix)
        with self.database.begin() as session:
            purge_expired(session, utcnow())
            return SessionLaunchStateStore(session).count_live(prefix)

    def add_once(self, key: str, ttl_seconds: int) -> bool:
        """Atomic across workers: an INSERT that takes over the key only when it expired."""
        if (bound := _current.get()) is not None:
            return bound.add_once(key, ttl_seconds)
        with self.database.begin() as session:
            return SessionLaunchStateStore(session).add_once(key, ttl_seconds)
