"""Faults: a poisoned statement, a frozen LRS, no LRS at all, an overloaded LRS; no secrets leak."""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.lrs import PASSWORD, USERNAME, free_port
from tests.support.xapi_samples import make_item, make_outcome
from xapi.client import LRSClient
from xapi.errors import LRSUnavailableError
from xapi.events import Answer

pytestmark = pytest.mark.lrs
SECRET = "s3cret-lrs-password"
PATIENT = (5, 60)  # timeouts of calls that must succeed: a busy machine must not fail them


def _answers(builder, attempt, count):
    return [builder.item_answered(attempt, Answer(make_item("single", code=f"q{n}"), ["a"],
                                                  make_outcome().finished_at))
            for n in range(count)]


def test_poisoned_statement_is_isolated_and_the_rest_lands(builder, attempt, lrs_client):
    launched = builder.attempt_launched(attempt)
    void = builder.voided(launched["id"], make_outcome().finished_at)
    assert lrs_client.post_batch([launched, void]).complete
    # Passes our validation, but the LRS refuses it: a voiding statement cannot be voided.
    poison = builder.voided(void["id"], make_outcome().finished_at)
    good = _answers(builder, attempt, 9)
    batch = good[:6] + [poison] + good[6:]

    result = lrs_client.post_batch(batch)

    assert list(result.rejected) == [poison["id"]]
    assert "Voider cannot void another voider" in result.rejected[poison["id"]]
    assert sorted(result.delivered) == sorted(s["id"] for s in good)
    stored = {s["id"] for s in lrs_client.fetch_statements(
        params={"registration": str(attempt.registration), "limit": 50})}
    assert {s["id"] for s in good} <= stored


def test_statement_refused_by_lrs_validation_gets_its_reason(builder, attempt, lrs_client):
    good = _answers(builder, attempt, 3)
    bad = dict(good[1], id=str(uuid.uuid4()), context=dict(good[1]["context"], language="Dutch"))
    bad["verb"] = {"id": "answered"}  # bypasses our validation on purpose
    result = lrs_client.post_batch([good[0], bad, good[2]])
    assert "statements.0.verb.id" in result.rejected[bad["id"]]
    assert sorted(result.delivered) == sorted([good[0]["id"], good[2]["id"]])


def test_frozen_lrs_raises_unavailable_after_the_read_timeout(builder, attempt, own_lrs):
    patient = LRSClient(own_lrs.endpoint, USERNAME, PASSWORD, timeout=PATIENT)  # for what must succeed
    client = LRSClient(own_lrs.endpoint, USERNAME, PASSWORD, timeout=(1, 1))  # for what must time out
    assert patient.post_batch([builder.attempt_launched(attempt)]).complete
    own_lrs.pause()
    try:
        started = time.monotonic()
        with pytest.raises(LRSUnavailableError, match="did not answer POST"):
            client.post_batch([builder.attempt_initialized(attempt)])
        assert 0.9 <= time.monotonic() - started  # it waited for the read timeout, not less
    finally:
        own_lrs.resume()
    assert patient.post_batch([builder.attempt_initialized(attempt)]).complete
    client.close()
    patient.close()


def test_stopped_lrs_raises_unavailable(builder, attempt, own_lrs):
    client = LRSClient(own_lrs.endpoint, USERNAME, PASSWORD, timeout=(1, 1))
    own_lrs.stop()
    with pytest.raises(LRSUnavailableError, match="cannot connect"):
        client.post_batch([builder.attempt_launched(attempt)])
    client.close()


class _Overloaded(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(503)
        self.send_header("Retry-After", "42")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_overloaded_lrs_raises_unavailable_with_retry_after(builder, attempt):
    # Test double, because Learning Locker's in-memory service cannot be made to answer
    # 503 + Retry-After: a real HTTP server on loopback that always answers that.
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Overloaded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_port}/xAPI/"
        with LRSClient(endpoint, USERNAME, PASSWORD, timeout=(1, 2)) as client:
            with pytest.raises(LRSUnavailableError) as caught:
                client.post_batch([builder.attempt_launched(attempt)])
        assert caught.value.status == 503 and caught.value.retry_after == 42
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_no_secret_in_logs_or_errors(builder, attempt, own_lrs, caplog):
    caplog.set_level(logging.DEBUG)
    token = base64.b64encode(f"{USERNAME}:{SECRET}".encode()).decode()
    client = LRSClient(own_lrs.endpoint, USERNAME, SECRET, timeout=PATIENT)
    launched = builder.attempt_launched(attempt)
    poison = builder.voided(builder.voided(launched["id"], attempt.started_at)["id"],
                            attempt.started_at)
    client.post_batch([launched, builder.voided(launched["id"], attempt.started_at)])
    client.post_batch([poison, builder.attempt_initialized(attempt)])
    texts = []
    own_lrs.pause()
    client.timeout = (1, 1)  # this call is meant to time out
    try:
        with pytest.raises(LRSUnavailableError) as caught:
            client.post_batch([builder.attempt_terminated(attempt, attempt.started_at)])
        texts += [str(caught.value), repr(caught.value), repr(client)]
    finally:
        own_lrs.resume()
    texts += [record.getMessage() for record in caplog.records]
    assert caplog.records, "expected the client and urllib3 to log something"
    for text in texts:
        assert SECRET not in text and token not in text and "Authorization" not in text
    client.close()
