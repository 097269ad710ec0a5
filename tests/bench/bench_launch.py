"""Benchmark: the LTI login and launch of Digitoets beside a bare pylti1p3 Flask tool, in one run.

    .venv/bin/python -m tests.bench.bench_launch [--launches 300] [--database sqlite|postgresql|both]

Both tools sit behind the same test LMS (``tests/support/platform.py``, lti1p3platform), which
signs the same kind of id_token (same claims, same key) for each. Per round each tool gets a
login initiation and the launch of the token the LMS signed for that login; the time is the
server time of the request, in-process through Flask's test client (the same overhead for both).

The baseline is the tool the pylti1p3 README describes, nothing more: ``ToolConfDict`` with the
registration, ``FlaskOIDCLogin`` / ``FlaskMessageLaunch``, launch data and the platform's key
set in an in-process dict cache. It validates the token and redirects; it stores no person.

Digitoets does what a launch needs in production on the chosen database: the registration
read, state and nonce checked and spent, the launch stored for any worker, the person, roles,
function, course and placement recorded, signed in. It prints median and p95 of each, the ratios
(issue 13: launch at most 2x the bare tool), and the SQL statements and transactions of one
login and one launch (a signed-in employee launching again), and the floor for a tool that keeps
its launch state in the database: the bare launch plus the launch's round trips (statements,
BEGIN, COMMIT), each at the price of ``SELECT 1`` measured in the same run. Wall time on a shared machine is
noisy; the CPU time of the request's thread is printed beside it (it leaves out the time the
database server itself spends, which the SQL counts stand for).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from flask import Flask, redirect
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.contrib.flask.launch_data_storage.cache import FlaskCacheDataStorage
from pylti1p3.tool_config import ToolConfDict

from mappings.loader import load_folder
from service import create_app
from service import models as m
from service.config import Settings
from service.db import Database, make_engine
from service.migrate import upgrade
from service.operations import registrations
from service.operations.content import load_content
from tests.bench.bench_xapi_forwarder import drop_postgres, postgres_url
from tests.support.platform import TestPlatform, new_private_key, _public_pem
from tests.support.sql_counter import count_sql

TOOL = "http://localhost"
LAUNCH_URL = f"{TOOL}/lti/launch"
CUSTOM = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}
CONTENT = Path(__file__).resolve().parents[1] / "fixtures" / "content"


class DictCache:
    """The cache a bare pylti1p3 tool would use (memcached-like ``get``/``set``), in this process."""

    def __init__(self):
        self.values: dict[str, tuple[object, float]] = {}

    def get(self, key):
        value, until = self.values.get(key, (None, 0.0))
        return value if until > time.time() else None

    def set(self, key, value, exp=None):
        self.values[key] = (value, time.time() + (exp or 86400))


def bare_tool(lms: TestPlatform) -> Flask:
    """A minimal pylti1p3 Flask tool with a dict-based ToolConf, for the same LMS."""
    private = new_private_key()
    conf = ToolConfDict({lms.issuer: [{
        "default": True, "client_id": lms.client_id, "auth_login_url": lms.auth_url,
        "auth_token_url": lms.token_url, "key_set_url": lms.jwks_url, "key_set": None,
        "deployment_ids": [lms.deployment_id],
    }]})
    conf.set_private_key(lms.issuer, private, client_id=lms.client_id)
    conf.set_public_key(lms.issuer, _public_pem(private), client_id=lms.client_id)
    app = Flask("bare_pylti1p3_tool")
    app.secret_key = "bench-secret-key-bench-secret-key-0123456789"
    cache = DictCache()

    @app.post("/lti/login")
    def login():
        storage = FlaskCacheDataStorage(cache)
        oidc = FlaskOIDCLogin(FlaskRequest(), conf, launch_data_storage=storage)
        return oidc.redirect(LAUNCH_URL)

    @app.post("/lti/launch")
    def launch():
        storage = FlaskCacheDataStorage(cache)
        message = FlaskMessageLaunch(FlaskRequest(), conf, launch_data_storage=storage)
        message.set_public_key_caching(storage, cache_lifetime=3600)
        data = message.get_launch_data()
        return redirect(f"/ok/{data['sub']}")

    return app


def digitoets(database_url: str, folder: Path, lms_factory) -> tuple[Flask, Database, TestPlatform]:
    engine = make_engine(database_url)
    upgrade(database_url, engine=engine)
    database = Database(database_url, engine=engine)
    settings = Settings(env="testing", instance_path=folder / "instance", database_url=database_url,
                        secret_key="bench-secret-key-that-is-long-enough-0123456789", content_path=CONTENT,
                        base_url=TOOL)
    app = create_app(settings, database=database)
    lms = lms_factory(app.extensions["digitoets.lti"].keys.jwks)
    with database.begin() as session:
        load_content(session, load_folder(CONTENT))
        org = m.Organisation(slug="bench", name="Bench")
        session.add(org)
        session.flush()
        registrations.register_platform(
            session, org, issuer=lms.issuer, client_id=lms.client_id, auth_login_url=lms.auth_url,
            auth_token_url=lms.token_url, key_set_url=lms.jwks_url, deployment_ids=[lms.deployment_id])
    return app, database, lms


_flows = itertools.count(1)
_lineitems: dict[int, str] = {}


def _lineitem(lms: TestPlatform) -> str:
    if id(lms) not in _lineitems:
        _lineitems[id(lms)] = lms.add_lineitem("course-1", label="Digitoets ECD", score_maximum=100,
                                               resource_link_id="link-1")["id"]
    return _lineitems[id(lms)]


def timed(client, path: str, data: dict, address: str) -> tuple[tuple[float, float], object]:
    """(wall seconds, this thread's CPU seconds) of one request, and its response."""
    began, cpu = time.perf_counter(), time.thread_time()
    response = client.post(path, data=data, environ_base={"REMOTE_ADDR": address})
    return (time.perf_counter() - began, time.thread_time() - cpu), response


def one_flow(client, lms: TestPlatform, times: dict[str, list[float]], name: str) -> None:
    """A login and its launch; each flow from its own address (the per-address rate limit stays on).

    The placement keeps its gradebook column, as in a real LMS (the test LMS would otherwise add
    a new line item at every login initiation).
    """
    n = next(_flows)
    address = f"10.{n // 65025 % 250}.{n // 255 % 255}.{n % 255}"
    initiation = lms.login_initiation(LAUNCH_URL, custom=CUSTOM, lineitem=_lineitem(lms))
    seconds, login = timed(client, "/lti/login", initiation, address)
    assert login.status_code == 302, login.get_data(as_text=True)[:500]
    times[f"{name} login"].append(seconds[0])
    times[f"{name} login cpu"].append(seconds[1])
    form = lms.authorize(login.location)
    seconds, launch = timed(client, "/lti/launch", form, address)
    assert launch.status_code == 302, launch.get_data(as_text=True)[:500]
    times[f"{name} launch"].append(seconds[0])
    times[f"{name} launch cpu"].append(seconds[1])


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def run(backend: str, launches: int) -> None:
    url = postgres_url() if backend == "postgresql" else None
    if backend == "postgresql" and url is None:
        print("PostgreSQL not reachable on 127.0.0.1:5432: skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = url or f"sqlite:///{folder / 'bench.sqlite3'}"
        platforms: list[TestPlatform] = []

        def lms_factory(key_set):
            platforms.append(TestPlatform(tool_key_set=key_set, tool_launch_url=LAUNCH_URL).start())
            return platforms[-1]

        try:
            app, database, lms = digitoets(url, folder, lms_factory)
            ours, bare = app.test_client(), bare_tool(lms).test_client()
            times: dict[str, list[float]] = {f"{tool} {step}{kind}": [] for kind in ("", " cpu")
                                             for tool in ("bare", "ours") for step in ("login", "launch")}
            for _ in range(5):  # warm-up: imports, first key set fetch, connection pool
                one_flow(bare, lms, {k: [] for k in times}, "bare")
                one_flow(ours, lms, {k: [] for k in times}, "ours")
            for _ in range(launches):  # interleaved, so both see the same machine load
                one_flow(bare, lms, times, "bare")
                one_flow(ours, lms, times, "ours")
            round_trip = statement_round_trip(database)
            params = lms.login_initiation(LAUNCH_URL, custom=CUSTOM, lineitem=_lineitem(lms))
            with count_sql(database) as login_sql:
                login = ours.post("/lti/login", data=params, environ_base={"REMOTE_ADDR": "10.255.0.1"})
            form = lms.authorize(login.location)
            with count_sql(database) as launch_sql:
                assert ours.post("/lti/launch", data=form, environ_base={"REMOTE_ADDR": "10.255.0.1"}).status_code == 302
            database.dispose()
        finally:
            for platform in platforms:
                platform.stop()
            if backend == "postgresql":
                drop_postgres(url)
    print(f"\n== {backend}: {launches} logins and launches per tool (server time, in-process) ==")
    print(f"{'':18}{'median ms':>11}{'p95 ms':>9}   (cpu: this thread's CPU time, less sensitive to load)")
    for name, values in sorted(times.items(), key=lambda item: (item[0].endswith("cpu"), item[0])):
        print(f"{name:18}{statistics.median(values) * 1000:>11.2f}{p95(values) * 1000:>9.2f}")
    for step in ("login", "launch", "login cpu", "launch cpu"):
        ratio = statistics.median(times[f"ours {step}"]) / statistics.median(times[f"bare {step}"])
        ratio95 = p95(times[f"ours {step}"]) / p95(times[f"bare {step}"])
        print(f"{step}: Digitoets / bare pylti1p3 = {ratio:.2f}x median, {ratio95:.2f}x p95"
              + ("   (target launch <= 2x)" if step == "launch" else ""))
    for step, counted in (("login", login_sql), ("launch", launch_sql)):
        print(f"SQL per {step} (signed-in employee, again): {counted.statements} statements, "
              f"{counted.transactions} transactions; per table {dict(counted.tables())}")
    # What keeping the state in the database costs at the least, on this machine: the bare
    # tool's launch plus the launch's statements and its BEGIN and COMMIT, each at the cost of
    # the cheapest statement there is (SELECT 1 on a pooled connection), measured in this run.
    trips = launch_sql.statements + 2 * launch_sql.transactions
    floor = statistics.median(times["bare launch"]) + trips * round_trip[0]
    floor_cpu = statistics.median(times["bare launch cpu"]) + trips * round_trip[1]
    print(f"one statement round trip (SELECT 1): {round_trip[0] * 1000:.3f} ms wall, {round_trip[1] * 1000:.3f} ms cpu")
    print(f"floor with the launch's {trips} round trips: {floor * 1000:.2f} ms = "
          f"{floor / statistics.median(times['bare launch']):.2f}x bare (cpu {floor_cpu * 1000:.2f} ms = "
          f"{floor_cpu / statistics.median(times['bare launch cpu']):.2f}x); Digitoets is "
          f"{statistics.median(times['ours launch']) / floor:.2f}x that floor "
          f"({statistics.median(times['ours launch cpu']) / floor_cpu:.2f}x cpu)")


def statement_round_trip(database: Database, rounds: int = 300) -> tuple[float, float]:
    """Median (wall, this thread's CPU) seconds of ``SELECT 1`` on a pooled connection."""
    walls, cpus = [], []
    with database.engine.connect() as connection:
        for _ in range(rounds):
            began, cpu = time.perf_counter(), time.thread_time()
            connection.exec_driver_sql("SELECT 1").all()
            walls.append(time.perf_counter() - began)
            cpus.append(time.thread_time() - cpu)
        connection.rollback()
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=300)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        run(backend, args.launches)


if __name__ == "__main__":
    main()
