"""Prometheus metrics (prometheus_client), also across gunicorn's worker processes.

Under gunicorn, ``deploy/gunicorn.conf.py`` sets ``PROMETHEUS_MULTIPROC_DIR`` (one folder per
gunicorn master) before the workers start: each process writes its counters there, and
``/metrics`` adds them up, whichever worker answers the scrape. Without it (``make run``, tests)
the process's own counters are served.

The outbox figures and the scheduled jobs' runs are read from the database at each scrape
(the outbox's open rows only, by its partial index; the runs from ``job_locks``), so they are
right however many web, worker and CronJob processes there are, and however short-lived.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from service.db import Database
from service.operations import monitoring

#: seconds; the target is 300 ms per step, so the buckets are fine around it
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)

REQUESTS = Counter("digitoets_http_requests", "HTTP requests by route (URL rule), method and status",
                   ["route", "method", "status"])
REQUEST_SECONDS = Histogram("digitoets_http_request_duration_seconds", "Server time per request, by route",
                            ["route"], buckets=LATENCY_BUCKETS)
LAUNCHES = Counter("digitoets_lti_launches", "LTI launches: outcome 'ok' or the refusal's reason code", ["outcome"])
ATTEMPTS_STARTED = Counter("digitoets_attempts_started", "Digi-toetsen started")
ATTEMPTS_SUBMITTED = Counter("digitoets_attempts_submitted", "Digi-toetsen handed in and scored")
FORWARD_SECONDS = Histogram("digitoets_xapi_forward_seconds", "Time to send one batch of statements to an LRS",
                            buckets=LATENCY_BUCKETS)


class DatabaseCollector(Collector):
    """Per outbox kind: depth, oldest waiting row's age, dead letters; per scheduled job: runs by outcome."""

    def __init__(self, database: Database):
        self.database = database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("digitoets_outbox_depth", "Rows waiting to be sent, per kind", labels=["kind"])
        age = GaugeMetricFamily("digitoets_outbox_oldest_age_seconds", "Age of the oldest waiting row, per kind",
                                labels=["kind"])
        dead = GaugeMetricFamily("digitoets_outbox_dead_letters", "Rows refused by their receiver, per kind",
                                 labels=["kind"])
        runs = CounterMetricFamily("digitoets_job_runs", "Scheduled job runs by job and outcome (ok, failed, skipped)",
                                   labels=["job", "outcome"])
        finished = GaugeMetricFamily("digitoets_job_last_finished_timestamp_seconds",
                                     "When a scheduled job's last run ended (Unix time)", labels=["job"])
        with self.database.begin() as session:
            stats = monitoring.outbox_stats(session)
            jobs = monitoring.job_runs(session)
        for kind, figures in stats.items():
            depth.add_metric([kind], figures.waiting)
            age.add_metric([kind], figures.oldest_age_seconds)
            dead.add_metric([kind], figures.dead)
        for job in jobs:
            for outcome in ("ok", "failed", "skipped"):
                runs.add_metric([job.job, outcome], getattr(job, outcome))
            if job.last_finished_at is not None:
                finished.add_metric([job.job], job.last_finished_at.timestamp())
        yield from (depth, age, dead, runs, finished)


class _ProcessCollector(Collector):
    """This process's own metrics (no multi-process folder)."""

    def collect(self):
        return REGISTRY.collect()


def exposition(database: Database) -> tuple[bytes, str]:
    """The text exposition of every metric: all processes' counters and the outbox figures."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessCollector())
    registry.register(DatabaseCollector(database))
    return generate_latest(registry), CONTENT_TYPE_LATEST
