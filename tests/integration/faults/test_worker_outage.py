"""The `xapi forward --loop` worker outlives a database outage and then delivers everything once.

Before, the worker crashed two seconds into an outage and a supervisor soon gave up restarting
it. The outage is real: the worker reaches PostgreSQL through a TCP relay that refuses
connections; the LRS is the real one on loopback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.integration.xapi.test_forwarder_faults import ROOT, produce, statuses, stored_ids
from tests.support.lrs import PASSWORD, USERNAME, start_lrs

pytestmark = pytest.mark.postgres


@pytest.fixture
def lrs():
    server = start_lrs()
    yield server
    server.stop()


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"waited {timeout:.0f} s for {what}")


def test_the_forwarder_waits_out_a_database_outage_and_delivers_each_statement_once(
        committed_database, relay, relayed_url, lrs, tmp_path):
    _, ids = produce(committed_database, 20, slug="zorg-storing")
    relay.refuse()
    log = tmp_path / "worker.log"
    env = {**os.environ, "DIGITOETS_ENV": "testing", "DIGITOETS_DATABASE_URL": relayed_url,
           "DIGITOETS_INSTANCE_PATH": str(tmp_path / "instance"), "DIGITOETS_LRS_ENDPOINT": lrs.endpoint,
           "DIGITOETS_LRS_USERNAME": USERNAME, "DIGITOETS_LRS_PASSWORD": PASSWORD, "DIGITOETS_DB_CONNECT_TIMEOUT": "2"}
    command = [sys.executable, "-c", "from service.cli import main; main()", "xapi", "forward", "--loop", "--interval", "0.2"]
    with log.open("w") as stderr:
        worker = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        _wait_for(lambda: "Worker round failed" in log.read_text(), 120, "the worker to meet the outage")
        time.sleep(2)  # several more failing rounds
        assert worker.poll() is None, "the worker stopped during the outage:\n" + log.read_text()
        relay.accept()
        _wait_for(lambda: statuses(committed_database) == {"delivered": 20}, 180, "delivery after the outage")
    finally:
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, log.read_text()
    text = log.read_text()
    # the outage is logged once (with one traceback), then its end; not once per failed round
    assert text.count("Worker round failed") == 1, text
    assert "succeeded again" in text
    assert "delivered 20" in out
    arrived = stored_ids(lrs)
    assert sorted(arrived) == sorted(ids)  # each statement exactly once
