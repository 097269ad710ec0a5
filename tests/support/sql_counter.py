"""Count the SQL statements and transactions a block of code runs (issue 13: counts, not times).

    with count_sql(database) as counted:
        client.post("/lti/launch", data=...)
    assert counted.statements <= 6, counted.report()
    assert counted.transactions == 1, counted.report()

``target`` is a ``service.db.Database``, an ``Engine`` or a ``Connection``; the listeners go on
the engine, so connections that were open before the block count too.

- ``statements``: what the application asked the database (SELECT, INSERT, UPDATE, DELETE, ...).
  Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) is not a statement here.
- ``transactions``: every ``begin`` of a connection plus every SAVEPOINT. With the tests'
  ``database`` fixture (one outer transaction rolled back after the test) each
  ``Database.begin()`` of the app is a savepoint, so both fixtures count one per ``begin()``.
  A nested savepoint inside a real transaction counts as one more: stricter, never looser.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT|END)\b", re.IGNORECASE)
_TABLES = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)


@dataclass
class SqlCount:
    """What ran inside one ``count_sql`` block."""

    sql: list[str] = field(default_factory=list)
    transactions: int = 0
    savepoints: int = 0
    begins: int = 0

    @property
    def statements(self) -> int:
        return len(self.sql)

    def tables(self) -> Counter:
        """How many statements name each table (FROM, JOIN, INTO, UPDATE)."""
        counts: Counter = Counter()
        for statement in self.sql:
            counts.update(set(_TABLES.findall(statement)))
        return counts

    def touching(self, table: str) -> int:
        """How many statements name ``table``."""
        return self.tables()[table]

    def report(self) -> str:
        """Readable for an assertion message: the totals, then each statement on a line."""
        lines = [f"{self.statements} statements, {self.transactions} transactions "
                 f"({self.begins} begin, {self.savepoints} savepoint)"]
        lines += [f"  {i + 1:>2}. {' '.join(s.split())[:200]}" for i, s in enumerate(self.sql)]
        return "\n".join(lines)


def _engine_of(target) -> Engine:
    if isinstance(target, Engine):
        return target
    if isinstance(target, Connection):
        return target.engine
    return target.engine  # service.db.Database


@contextmanager
def count_sql(target) -> Iterator[SqlCount]:
    """Count the statements and transactions run on ``target``'s engine inside the block."""
    engine = _engine_of(target)
    counted = SqlCount()

    def on_statement(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not _CONTROL.match(statement):
            counted.sql.append(statement)

    def on_begin(_conn):
        counted.begins += 1
        counted.transactions += 1

    def on_savepoint(_conn, _name):
        counted.savepoints += 1
        counted.transactions += 1

    listeners = (("before_cursor_execute", on_statement), ("begin", on_begin), ("savepoint", on_savepoint))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield counted
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
