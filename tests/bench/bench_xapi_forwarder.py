"""Benchmark: statements per second into the real LRS, like with like, measured in one run.

    .venv/bin/python -m tests.bench.bench_xapi_forwarder [--count 10000] [--rounds 7]

1. ceiling: the same statements as pre-serialised JSON text (as the outbox stores them), POSTed
   in batches of 100 with as many batches in flight as the forwarder keeps (3), from memory:
   no database at all;
2. worker: the real ``digitoets xapi forward --loop`` process, already running (it delivered a
   warm-up batch) and idle, on a SQLite file and on PostgreSQL (when it answers). On PostgreSQL
   it runs as deployed (``--interval 5``) and the outbox's NOTIFY wakes it; SQLite has no such
   signal, so there it looks every 0.05 s. The statements are committed to the outbox in one
   transaction and the clock runs from that commit until the last row's ``delivered_at``
   (the worker's clock when it settled that batch), so it includes noticing them, leasing,
   sending and settling each batch, but not how often the benchmark looks;
3. naive peer: tincan's RemoteLRS, one statement per request (a smaller sample: it is slow).

The methods are interleaved round by round, each measurement against a fresh LRS (the in-memory
LRS slows as it fills). A run is 10,000 statements per method: a backlog after an outage, where
the pace matters, and long enough that the worker's start (woken, first lease) is not a tenth of
it. The LRS itself is the noise: for the same 10,000 statements it used 4.2 to 5.9 s of CPU from
one fresh start to the next (``/proc/<pid>/stat``), so single rounds spread +-10-20%; read
the medians. It prints the median rate of each, the spread over the rounds, and the
worker's share of the same round's ceiling per round and its median; the target is the worker at
>= 90% of the ceiling on both databases. Beside the rate it prints how busy the worker kept the
LRS against the ceiling (the LRS's CPU seconds per second of the run, from ``/proc/<pid>/stat``):
that figure does not depend on the LRS's pace, and varies by a few percent where the rate varies
by twenty.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import func, select, text

from service.db import Database, make_engine
from service.jobs import forward
from service.migrate import upgrade
from service.models import Organisation, OutboxItem
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


ROOT = Path(__file__).resolve().parents[2]
IN_FLIGHT = 3  # as service.jobs.forward.forward
BATCH = forward.DEFAULT_BATCH


def serialised(batch: list[dict]) -> list[tuple[str, str]]:
    """(id, JSON text) pairs, as the forwarder reads them from the outbox."""
    return [(statement["id"], json.dumps(statement)) for statement in batch]


class Run(NamedTuple):
    """One measurement: statements per second, and how busy the LRS was meanwhile (its CPU
    seconds per second of the run; a little over 1 when it runs flat out, its garbage collector
    working beside it)."""

    rate: float
    lrs_busy: float


def lrs_cpu_seconds(pid: int) -> float:
    """CPU seconds the LRS process has used so far, all threads (Linux ``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ceiling(endpoint: str, batch: list[dict], lrs_cpu: Callable[[], float] = float) -> Run:
    """Pre-serialised batches of 100, IN_FLIGHT at a time over one keep-alive client, like the forwarder."""
    pairs = serialised(batch)
    chunks = [pairs[n:n + BATCH] for n in range(0, len(pairs), BATCH)]
    with LRSClient(endpoint, USERNAME, PASSWORD, timeout=(3, 60)) as client, \
            ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        began, cpu = time.perf_counter(), lrs_cpu()
        results = list(pool.map(client.post_serialized, chunks))
        elapsed, cpu = time.perf_counter() - began, lrs_cpu() - cpu
    assert sum(len(r.delivered) for r in results) == len(batch), "the ceiling lost statements"
    return Run(len(batch) / elapsed, cpu / elapsed)


def _worker(endpoint: str, url: str, instance: Path) -> subprocess.Popen:
    env = {**os.environ, "DIGITOETS_ENV": "testing", "DIGITOETS_DATABASE_URL": url,
           "DIGITOETS_INSTANCE_PATH": str(instance), "DIGITOETS_LRS_ENDPOINT": endpoint,
           "DIGITOETS_LRS_USERNAME": USERNAME, "DIGITOETS_LRS_PASSWORD": PASSWORD}
    # PostgreSQL: the worker as deployed (--interval 5), woken by the outbox's NOTIFY; SQLite has no
    # such signal, so its worker looks every 0.05 s
    interval = [] if url.startswith("postgresql") else ["--interval", "0.05"]
    command = [sys.executable, "-c", "from service.cli import main; main()", "xapi", "forward", "--loop", *interval]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_delivered(database: Database, org_id: int, count: int, process: subprocess.Popen) -> datetime:
    """Wait until ``count`` rows of ``org_id`` are delivered; returns the last row's ``delivered_at``.

    That is the worker's own clock when it settled the batch, so how often this loop looks does
    not count. It looks every 0.1 s at the organisation's delivered counter (``outbox_totals``,
    one row): counting the open rows instead read thousands of rows each time (7-12 ms on
    PostgreSQL), about a tenth of a core taken from the worker and the LRS that the ceiling
    never paid.
    """
    delivered = text("SELECT delivered FROM outbox_totals WHERE organisation_id = :org AND kind = 'xapi'")
    began = time.perf_counter()
    while True:
        with database.engine.connect() as conn:
            if (conn.execute(delivered, {"org": org_id}).scalar() or 0) >= count:
                break
        if time.perf_counter() - began > 600 or process.poll() is not None:
            raise RuntimeError("the worker stopped or did not deliver everything within 10 minutes")
        time.sleep(0.1)
    with database.begin() as session:
        return session.scalar(select(func.max(OutboxItem.delivered_at)).where(OutboxItem.organisation_id == org_id))


def _organisation(database: Database) -> int:
    with database.begin() as session:
        org = Organisation(slug=f"bench-{uuid.uuid4().hex[:6]}", name="bench")
        session.add(org)
        session.flush()
        return org.id


def worker(endpoint: str, batch: list[dict], url: str, lrs_cpu: Callable[[], float] = float) -> Run:
    """The running ``--loop`` worker: from the commit of ``batch`` to the last row marked delivered.

    A warm-up batch goes first, so the worker has started, connected and idles between rounds.
    """
    database = Database(url, engine=make_engine(url))
    warm, measured = _organisation(database), _organisation(database)
    process = _worker(endpoint, url, Path(tempfile.mkdtemp(prefix="digitoets-worker-")))
    try:
        with database.begin() as session:
            events.enqueue(session, warm, statements(WARM_UP))
        _wait_delivered(database, warm, WARM_UP, process)
        time.sleep(1.5)  # back to idling between rounds (longer than the worker's shortest pause, 1 s)
        with database.begin() as session:
            events.enqueue(session, measured, batch)
        committed, cpu = datetime.now(UTC), lrs_cpu()
        elapsed = (_wait_delivered(database, measured, len(batch), process) - committed).total_seconds()
        cpu = lrs_cpu() - cpu  # the LRS is idle again once the last batch is settled
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
        database.dispose()
    assert f"delivered {len(batch) + WARM_UP}," in out, (out, err[-2000:])
    return Run(len(batch) / elapsed, cpu / elapsed)


WARM_UP = 200


def naive(endpoint: str, batch: list[dict], lrs_cpu: Callable[[], float] = float) -> Run:
    import tincan

    lrs = tincan.RemoteLRS(endpoint=endpoint, username=USERNAME, password=PASSWORD, version="1.0.3")
    objects = [tincan.Statement(s) for s in batch]
    began, cpu = time.perf_counter(), lrs_cpu()
    for statement in objects:
        response = lrs.save_statement(statement)
        assert response.success, response.data
    elapsed = time.perf_counter() - began
    return Run(len(batch) / elapsed, (lrs_cpu() - cpu) / elapsed)


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


def fresh(measure, *args) -> Run:
    """Run one measurement against its own new LRS: the in-memory LRS slows as it fills."""
    lrs = start_lrs()
    try:
        ceiling(lrs.endpoint, statements(200))  # warm-up: JIT, connection, first allocations
        return measure(lrs.endpoint, *args, lrs_cpu=lambda: lrs_cpu_seconds(lrs.pid))
    finally:
        lrs.stop()


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def spread(values: list[float]) -> str:
    return f"{min(values):.0f}-{max(values):.0f} (+-{(max(values) - min(values)) / 2 / median(values):.0%})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--naive-count", type=int, default=300, help="0: leave the naive peer out")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ResourceWarning)  # tincan's RemoteLRS never closes its connections
    folder = Path(tempfile.mkdtemp(prefix="digitoets-bench-"))
    sqlite_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(sqlite_url)
    pg_url = postgres_url()
    if pg_url:
        upgrade(pg_url)
    runs: dict[str, list[Run]] = {}
    try:
        for _ in range(args.rounds):  # interleaved, so drift on the machine hits every method alike
            runs.setdefault(CEILING, []).append(fresh(ceiling, statements(args.count)))
            runs.setdefault(SQLITE, []).append(fresh(worker, statements(args.count), sqlite_url))
            if pg_url:
                runs.setdefault(POSTGRES, []).append(fresh(worker, statements(args.count), pg_url))
            if args.naive_count:
                runs.setdefault(NAIVE, []).append(fresh(naive, statements(args.naive_count)))
    finally:
        if pg_url:
            drop_postgres(pg_url)
    rates = {name: median([run.rate for run in values]) for name, values in runs.items()}
    top = rates[CEILING]
    print(f"statements per second, median of {args.rounds} rounds ({args.count} per run; naive peer {args.naive_count}); "
          f"batches of {BATCH}, {IN_FLIGHT} in flight")
    for name, rate in rates.items():
        lrs_ms = median([run.lrs_busy / run.rate * 1000 for run in runs[name]])
        print(f"  {name:55s} {rate:7.0f}/s  {rate / top:6.1%} of ceiling   spread "
              f"{spread([run.rate for run in runs[name]])}   LRS CPU {lrs_ms:.3f} ms a statement")
    for name in (SQLITE, POSTGRES):
        if name in rates:
            # each round's worker against the same round's ceiling: the machine's drift hits both
            ratios = [w.rate / c.rate for w, c in zip(runs[name], runs[CEILING], strict=True)]
            share = median(ratios)
            verdict = "meets" if share >= 0.9 else "MISSES"
            naive_part = f"{rates[name] / rates[NAIVE]:.1f}x the naive peer; " if NAIVE in rates else ""
            print(f"  {name}: per round {', '.join(f'{r:.0%}' for r in ratios)} of that round's ceiling, "
                  f"median {share:.0%}; {naive_part}{verdict} the 90% target")
            # The rate follows the LRS's own pace, which differs from one fresh LRS to the next;
            # how busy the forwarder keeps it does not: each round's worker against its ceiling.
            busy = [w.lrs_busy / c.lrs_busy for w, c in zip(runs[name], runs[CEILING], strict=True)]
            print(f"    it kept the LRS {median(busy):.0%} as busy as the ceiling did (the LRS's CPU seconds per "
                  f"second, each round against its ceiling: {', '.join(f'{b:.0%}' for b in busy)})")


CEILING = "ceiling (pre-serialised JSON, 3 batches of 100 in flight)"
SQLITE = "worker (xapi forward --loop), SQLite"
POSTGRES = "worker (xapi forward --loop), PostgreSQL"
NAIVE = "tincan RemoteLRS, one per request"

if __name__ == "__main__":
    main()
