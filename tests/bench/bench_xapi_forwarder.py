"""Benchmark: statements per second into the real LRS, three ways, measured in one run.

    .venv/bin/python -m tests.bench.bench_xapi_forwarder [--count 3000]

1. ceiling: a direct bulk POST of the statements in batches of 100 (the LRS's own limit for
   one client),
2. forwarder: our outbox forwarder reading the same number of statements from the database
   (SQLite file, and PostgreSQL when it answers), sending and marking them,
3. naive peer: tincan's RemoteLRS, one statement per request (a smaller sample: it is slow).

It prints each rate and the ratios. The target is forwarder >= 80% of the ceiling. Each run
uses fresh statements (new ids), so the LRS never answers from a duplicate.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
import uuid
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from service.db import Database, make_engine
from service.jobs import forward
from service.migrate import upgrade
from service.models import Organisation
from service.operations import events
from tests.support.lrs import PASSWORD, USERNAME, start_lrs
from xapi import events as xe
from xapi.client import LRSClient
from xapi.statements import StatementBuilder

BUILDER = StatementBuilder("https://digitoets.example")


def statements(count: int) -> list[dict]:
    learner = xe.Actor(home_page="https://lms.example", name=str(uuid.uuid4()))
    test = xe.TestRef(code="ecd-rapportage", version="1", title="Rapporteren", application="ecd")
    start = datetime(2026, 11, 23, 9, tzinfo=UTC)
    return [
        BUILDER.attempt_launched(xe.AttemptRef(uuid.uuid4(), "bench", test, learner, start + timedelta(seconds=n)))
        for n in range(count)
    ]


def ceiling(endpoint: str, batch: list[dict]) -> float:
    with LRSClient(endpoint, USERNAME, PASSWORD, timeout=(3, 60)) as client:
        began = time.perf_counter()
        result = client.post_batch(batch)
        elapsed = time.perf_counter() - began
    assert result.complete and len(result.delivered) == len(batch)
    return len(batch) / elapsed


def forwarder(endpoint: str, batch: list[dict], url: str) -> float:
    database = Database(url, engine=make_engine(url))
    with database.begin() as session:
        org = Organisation(slug=f"bench-{uuid.uuid4().hex[:6]}", name="bench")
        session.add(org)
        session.flush()
        events.enqueue(session, org.id, batch)
    clients: dict = {}
    target = forward.LrsTarget(endpoint, USERNAME, PASSWORD)
    began = time.perf_counter()
    def client_for(t):
        return clients.setdefault(t, LRSClient(t.endpoint, t.username, t.password, timeout=(3, 60)))

    report = forward.forward(database, target, client_for)
    elapsed = time.perf_counter() - began
    for client in clients.values():
        client.close()
    database.dispose()
    assert report.delivered == len(batch), report
    return len(batch) / elapsed


def naive(endpoint: str, batch: list[dict]) -> float:
    import tincan

    lrs = tincan.RemoteLRS(endpoint=endpoint, username=USERNAME, password=PASSWORD, version="1.0.3")
    objects = [tincan.Statement(s) for s in batch]
    began = time.perf_counter()
    for statement in objects:
        response = lrs.save_statement(statement)
        assert response.success, response.data
    return len(batch) / (time.perf_counter() - began)


def postgres_url() -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError:
        return None
    from sqlalchemy import create_engine, text

    name = f"digitoets_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def fresh(measure, *args) -> float:
    """Run one measurement against its own new LRS: the in-memory LRS slows as it fills."""
    lrs = start_lrs()
    try:
        ceiling(lrs.endpoint, statements(200))  # warm-up: JIT, connection, first allocations
        return measure(lrs.endpoint, *args)
    finally:
        lrs.stop()


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--naive-count", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ResourceWarning)  # tincan's RemoteLRS never closes its connections
    folder = Path(tempfile.mkdtemp(prefix="digitoets-bench-"))
    sqlite_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(sqlite_url)
    pg_url = postgres_url()
    if pg_url:
        upgrade(pg_url)
    runs: dict[str, list[float]] = {}
    try:
        for _ in range(args.rounds):  # interleaved, so drift on the machine hits every method alike
            runs.setdefault(CEILING, []).append(fresh(ceiling, statements(args.count)))
            runs.setdefault("forwarder, SQLite", []).append(fresh(forwarder, statements(args.count), sqlite_url))
            if pg_url:
                runs.setdefault("forwarder, PostgreSQL", []).append(fresh(forwarder, statements(args.count), pg_url))
            runs.setdefault(NAIVE, []).append(fresh(naive, statements(args.naive_count)))
    finally:
        if pg_url:
            drop_postgres(pg_url)
    rates = {name: median(values) for name, values in runs.items()}
    top = rates[CEILING]
    print(f"statements per second, median of {args.rounds} rounds ({args.count} per run; naive peer {args.naive_count})")
    for name, rate in rates.items():
        spread = ", ".join(f"{v:.0f}" for v in runs[name])
        print(f"  {name:40s} {rate:8.0f}/s  {rate / top:6.1%} of ceiling   (runs: {spread})")
    for name in [n for n in rates if n.startswith("forwarder")]:
        verdict = "meets" if rates[name] >= 0.8 * top else "MISSES"
        print(f"  {name}: {rates[name] / rates[NAIVE]:.1f}x the naive peer; {verdict} the 80% target")


CEILING = "ceiling (bulk POST, batches of 100)"
NAIVE = "tincan RemoteLRS, one per request"

if __name__ == "__main__":
    main()
