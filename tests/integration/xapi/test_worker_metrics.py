"""The forwarder worker serves its own Prometheus metrics: how long each batch took to reach the LRS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.xapi.test_forwarder_faults import ROOT, produce, statuses
from tests.support.lrs import PASSWORD, USERNAME, free_port


def test_the_worker_serves_the_forward_latency_of_the_batches_it_sent(committed_database, database_url, lrs, tmp_path):
    produce(committed_database, 30)
    port = free_port()
    env = {**os.environ, "DIGITOETS_ENV": "testing", "DIGITOETS_DATABASE_URL": database_url,
           "DIGITOETS_INSTANCE_PATH": str(tmp_path / "instance"), "DIGITOETS_LRS_ENDPOINT": lrs.endpoint,
           "DIGITOETS_LRS_USERNAME": USERNAME, "DIGITOETS_LRS_PASSWORD": PASSWORD}
    worker = subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()", "xapi", "forward", "--loop",
                               "--interval", "0.5", "--batch-size", "10", "--metrics-port", str(port)],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while statuses(committed_database) != {"delivered": 30}:
            assert worker.poll() is None and time.monotonic() < deadline, "the worker did not deliver"
            time.sleep(0.2)
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=60).text
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    found = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
    assert found["digitoets_xapi_forward_seconds_count"] >= 3  # 30 statements in batches of 10
    assert found["digitoets_xapi_forward_seconds_sum"] > 0
