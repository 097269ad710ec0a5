"""The worker that forwards xAPI (`digitoets xapi forward --loop`) also sends scores to the gradebook.

No one runs `lti send-scores`: the worker runs as its own process (as systemd and `make run`
start it) against the test LMS's AGS over HTTP, with the tool's keys from the same instance
folder, on a database with real commits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from service import models as m
from tests.integration.lti.conftest import launch
from tests.integration.lti.test_advantage import take_test

ROOT = Path(__file__).resolve().parents[3]
ECD = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}


@pytest.fixture
def database(committed_database):
    """Real commits: the worker is another process."""
    return committed_database


def worker(settings, database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DIGITOETS_ENV": "testing",
        "DIGITOETS_DATABASE_URL": database_url,
        "DIGITOETS_INSTANCE_PATH": str(settings.instance_path),  # the same LTI keys as the app's
    }
    env.pop("DIGITOETS_LRS_ENDPOINT", None)  # no LRS: statements wait, scores still go
    command = [sys.executable, "-c", "from service.cli import main; main()", "xapi", "forward", "--loop",
               "--interval", "0.5"]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def score_status(database) -> list[m.OutboxStatus]:
    with database.begin() as session:
        return list(session.scalars(select(m.OutboxItem.status).where(m.OutboxItem.kind == m.OutboxKind.AGS_SCORE)))


def test_the_xapi_worker_sends_a_submitted_score_to_the_gradebook_and_stops_on_sigterm(
        client, lms, registered, database, settings, database_url):
    running = worker(settings, database_url)
    try:
        launch(client, lms, custom=ECD)
        take_test(database, client)  # 4 of 5 right: 80
        deadline = time.monotonic() + 180  # generous: only a failure waits this long
        while not lms.scores and time.monotonic() < deadline and running.poll() is None:
            time.sleep(0.2)
    finally:
        running.send_signal(signal.SIGTERM)
        out, err = running.communicate(timeout=120)
    assert running.returncode == 0, err
    [score] = lms.scores
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"]) == ("2", 80.0, 100.0)
    assert "scores delivered 1" in out
    assert score_status(database) == [m.OutboxStatus.DELIVERED]

