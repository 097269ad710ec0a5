"""Gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'service:create_app()'`.

Gunicorn comes with the project's production extra: `pip install '.[production]'`.

Launch state lives in the database, so any worker can finish any LTI launch.

Metrics: each worker process writes its Prometheus counters to a folder of this master's own
(PROMETHEUS_MULTIPROC_DIR, emptied at start), and /metrics adds up all workers' figures.
"""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("DIGITOETS_BIND", "127.0.0.1:8000")  # behind a TLS proxy: LMSs fetch our JWKS on 443
workers = int(os.environ.get("DIGITOETS_WORKERS", max(2, multiprocessing.cpu_count())))
timeout = 30
accesslog = None  # the app writes one line per request, with its request id and tenant (service/logs.py)
forwarded_allow_ips = "127.0.0.1"


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.path.join(tempfile.gettempdir(), f"digitoets-metrics-{os.getpid()}")
    shutil.rmtree(folder, ignore_errors=True)  # counters of a previous run would be added to this one's
    os.makedirs(folder, mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder  # the workers, forked after this, inherit it


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
