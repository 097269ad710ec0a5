"""/metrics: Prometheus figures, not public, summed over gunicorn's worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import requests
from prometheus_client.parser import text_string_to_metric_families

from service import create_app
from service import models as m
from service.jobs import run_once
from service.migrate import upgrade
from tests.conftest import FIXTURE_CONTENT, ROOT
from tests.support.lrs import free_port


def samples(text: str) -> dict[tuple, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def requests_total(text: str, route: str, status: str = "200") -> float:
    return samples(text).get(("digitoets_http_requests_total",
                              (("method", "GET"), ("route", route), ("status", status))), 0.0)


def test_requests_are_counted_by_route_and_status(client):
    before = requests_total(client.get("/metrics").get_data(as_text=True), "/healthz")
    for _ in range(3):
        client.get("/healthz")
    client.get("/bestaat-niet")
    text = client.get("/metrics").get_data(as_text=True)
    assert requests_total(text, "/healthz") == before + 3
    assert requests_total(text, "(no route)", "404") >= 1
    assert samples(text)[("digitoets_http_request_duration_seconds_count", (("route", "/healthz"),))] >= 3


def test_metrics_are_not_public(client, settings, database):
    # through the reverse proxy (it adds X-Forwarded-For), or from another machine: nothing here
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    with_token = create_app(settings.__class__(**{**settings.__dict__, "metrics_token": "t" * 40}), database=database)
    scraper = with_token.test_client()
    assert scraper.get("/metrics").status_code == 404  # a token is set: loopback alone is not enough
    assert scraper.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert scraper.get("/metrics", headers={"Authorization": "Bearer " + "t" * 40}).status_code == 200


def test_outbox_depth_age_and_dead_letters_per_kind(client, database):
    now = datetime.now(UTC)
    with database.begin() as session:
        org = m.Organisation(slug="zorg-metrics", name="Zorg")
        session.add(org)
        session.flush()
        for n, status in enumerate([m.OutboxStatus.PENDING] * 3 + [m.OutboxStatus.DEAD, m.OutboxStatus.DELIVERED]):
            session.add(m.OutboxItem(organisation_id=org.id, kind=m.OutboxKind.XAPI, dedupe_key=f"s-{n}", payload={},
                                     status=status, created_at=now - timedelta(minutes=20 - n)))
    found = samples(client.get("/metrics").get_data(as_text=True))
    assert found[("digitoets_outbox_depth", (("kind", "xapi"),))] == 3
    assert found[("digitoets_outbox_dead_letters", (("kind", "xapi"),))] == 1
    assert found[("digitoets_outbox_depth", (("kind", "mail"),))] == 0
    assert 20 * 60 - 30 <= found[("digitoets_outbox_oldest_age_seconds", (("kind", "xapi"),))] <= 20 * 60 + 600


def test_under_gunicorn_the_figures_of_all_workers_are_added_up(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'metrics.sqlite3'}"
    upgrade(database_url)
    port = free_port()
    env = {**os.environ, "DIGITOETS_ENV": "testing", "DIGITOETS_DATABASE_URL": database_url,
           "DIGITOETS_INSTANCE_PATH": str(tmp_path / "instance"), "DIGITOETS_CONTENT_PATH": str(FIXTURE_CONTENT),
           "DIGITOETS_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
           "DIGITOETS_BIND": f"127.0.0.1:{port}", "DIGITOETS_WORKERS": "2",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "service:create_app()"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(base + "/healthz", timeout=60).ok:
                    break
            except requests.RequestException:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        for _ in range(40):  # a new connection each time, so both workers answer some
            requests.get(base + "/healthz", timeout=60, headers={"Connection": "close"})
        scrapes = [requests_total(requests.get(base + "/metrics", timeout=60, headers={"Connection": "close"}).text,
                                  "/healthz") for _ in range(4)]
        writers = {name.rsplit("_", 1)[1].split(".")[0] for name in os.listdir(tmp_path / "metrics")}
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    assert len(writers) >= 2, f"only one worker wrote metrics: {writers}"
    # 40 counted (plus the start-up probes), the same whichever worker answered the scrape
    assert len(set(scrapes)) == 1 and scrapes[0] >= 40, scrapes


def test_scheduled_job_runs_are_counted_across_processes_from_the_database(client, database):
    # each scheduler is a short-lived process (a timer, a CronJob pod): its runs are counted in job_locks
    window = timedelta(minutes=30)
    start = datetime.now(UTC) - timedelta(hours=3)
    first = run_once.claim(database, "lti-purge", window=window, now=start)
    assert not run_once.claim(database, "lti-purge", window=window, now=start).acquired  # a second scheduler skips
    run_once.release(database, first, window=window, now=start + timedelta(seconds=5))
    failing = run_once.claim(database, "lti-purge", window=window, now=start + timedelta(hours=1))
    run_once.release(database, failing, window=window, failed=True, now=start + timedelta(hours=1, seconds=2))
    found = samples(client.get("/metrics").get_data(as_text=True))
    runs = {outcome: found[("digitoets_job_runs_total", (("job", "lti-purge"), ("outcome", outcome)))]
            for outcome in ("ok", "failed", "skipped")}
    assert runs == {"ok": 1, "failed": 1, "skipped": 1}
    last = found[("digitoets_job_last_finished_timestamp_seconds", (("job", "lti-purge"),))]
    assert last == (start + timedelta(hours=1, seconds=2)).timestamp()
