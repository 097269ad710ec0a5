"""Rate limits on the anonymous entry points, counted in storage all workers share, and a cap on
logins waiting for their launch (anyone may start one, and each stores state)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update

from service import create_app
from service import models as m
from service.config import Settings
from service.db import utcnow
from service.errors import ConfigurationError
from service.web.ratelimit import LIMITS
from tests.integration.lti.conftest import LAUNCH_URL, launch, register
from tests.support.platform import TestPlatform


#: the per-address budgets per minute, as the service sets them
LOGINS, LAUNCHES = (int(LIMITS[endpoint].split()[0]) for endpoint in ("lti.login", "lti.launch"))
DEV_LOGINS = int(LIMITS["dev.login"].split()[0])


def _exhaust(client, url, times, **kwargs):
    return [client.post(url, **kwargs).status_code for _ in range(times)]


def test_the_lti_login_is_limited_with_a_dutch_429_page(client, lms, registered):
    codes = [client.post("/lti/login", data=lms.login_initiation(LAUNCH_URL)).status_code for _ in range(LOGINS)]
    assert set(codes) == {302}
    refused = client.post("/lti/login", data=lms.login_initiation(LAUNCH_URL))
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert "Even wachten" in refused.get_data(as_text=True)


def test_the_launch_and_dynamic_registration_are_limited(client, registered):
    assert 429 not in _exhaust(client, "/lti/launch", LAUNCHES, data={"id_token": "x", "state": "y"})
    assert client.post("/lti/launch", data={"id_token": "x", "state": "y"}).status_code == 429
    codes = [client.get("/lti/register?org=zorg-a").status_code for _ in range(10)]
    assert 429 not in codes and client.get("/lti/register?org=zorg-a").status_code == 429


def test_the_development_login_is_limited(settings, database, content):
    app = create_app(replace(settings, dev_login=True), database=database)
    client = app.test_client()
    assert {client.get("/dev/login").status_code for _ in range(DEV_LOGINS)} == {200}
    refused = client.get("/dev/login")
    assert refused.status_code == 429 and "Even wachten" in refused.get_data(as_text=True)


def test_production_refuses_counting_in_each_workers_memory(tmp_path):
    base = dict(env="production", instance_path=tmp_path, secret_key="s" * 40, base_url="https://toets.example")
    with pytest.raises(ConfigurationError, match="DIGITOETS_RATELIMIT_STORAGE_URI"):
        Settings(**base, ratelimit_storage_uri="memory://").validate()
    assert Settings(**base).resolved_ratelimit_storage_uri.startswith("redis://")
    assert Settings(env="testing").resolved_ratelimit_storage_uri == "memory://"


@pytest.fixture
def redis_url():
    """A Redis of this test's own (Debian's redis-server), on a free port."""
    server = shutil.which("redis-server")
    assert server, "redis-server is needed (apt-get install redis-server; `make system-packages` does it)"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_two_workers_count_together_in_redis(settings, database, redis_url):
    shared = replace(settings, ratelimit_storage_uri=redis_url)
    first, second = create_app(shared, database=database), create_app(shared, database=database)
    half = LAUNCHES // 2
    assert 429 not in _exhaust(first.test_client(), "/lti/launch", half, data={"id_token": "x", "state": "y"})
    assert 429 not in _exhaust(second.test_client(), "/lti/launch", LAUNCHES - half, data={"id_token": "x", "state": "y"})
    assert second.test_client().post("/lti/launch", data={"id_token": "x", "state": "y"}).status_code == 429
    assert first.test_client().post("/lti/launch", data={"id_token": "x", "state": "y"}).status_code == 429


def test_pending_logins_are_capped_per_registration_and_in_total(settings, database, content):
    capped = replace(settings, lti_pending_logins_per_registration=3, lti_pending_logins_total=5)
    app = create_app(capped, database=database)
    keys = app.extensions["digitoets.lti"].keys.jwks
    with TestPlatform(tool_key_set=keys, tool_launch_url=LAUNCH_URL) as lms_a, \
            TestPlatform(tool_key_set=keys, tool_launch_url=LAUNCH_URL) as lms_b:
        register(database, lms_a, slug="zorg-a")
        register(database, lms_b, slug="zorg-b")
        client = app.test_client()

        def login(lms):
            return client.post("/lti/login", data=lms.login_initiation(LAUNCH_URL))

        assert [login(lms_a).status_code for _ in range(3)] == [302, 302, 302]
        busy = login(lms_a)
        assert busy.status_code == 503 and "Er openen nu heel veel mensen tegelijk Digitoets." in busy.get_data(
            as_text=True)
        assert [login(lms_b).status_code for _ in range(2)] == [302, 302]  # the other registration, up to the total
        assert login(lms_b).status_code == 503
        with database.begin() as session:  # ten minutes later the waiting logins have expired
            session.execute(update(m.LtiLaunchState).values(expires_at=utcnow() - timedelta(seconds=1)))
        assert login(lms_a).status_code == 302
        with database.begin() as session:
            assert session.query(m.LtiLaunchState).filter(m.LtiLaunchState.expires_at <= utcnow()).count() == 0


def test_a_login_that_launched_no_longer_counts_as_waiting(settings, database, content):
    """The cap is on logins waiting for their launch: a busy morning of finished launches never reaches it."""
    capped = replace(settings, lti_pending_logins_per_registration=3, lti_pending_logins_total=3)
    app = create_app(capped, database=database)
    with TestPlatform(tool_key_set=app.extensions["digitoets.lti"].keys.jwks, tool_launch_url=LAUNCH_URL) as lms:
        register(database, lms, slug="zorg-a")
        for _ in range(5):  # more launches than the cap, one after another: each login launched
            assert launch(app.test_client(), lms).response.status_code == 302
        client = app.test_client()
        assert [client.post("/lti/login", data=lms.login_initiation(LAUNCH_URL)).status_code
                for _ in range(4)] == [302, 302, 302, 503]  # three that never launch fill the cap


def _registrations(client, address: str, times: int) -> list[int]:
    return [client.get("/lti/register?org=zorg-a", headers={"X-Forwarded-For": address}).status_code
            for _ in range(times)]


def test_behind_a_trusted_proxy_each_client_address_has_its_own_budget(settings, database, registered):
    # nginx in front (DIGITOETS_PROXY_HOPS=1): REMOTE_ADDR is the proxy for everyone
    client = create_app(replace(settings, proxy_hops=1), database=database).test_client()
    assert 429 not in _registrations(client, "198.51.100.7", 10)
    assert _registrations(client, "198.51.100.7", 1) == [429]
    assert 429 not in _registrations(client, "198.51.100.8", 10)  # another employee's address


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_buy_a_new_budget(settings, database, registered):
    client = create_app(settings, database=database).test_client()
    assert 429 not in _registrations(client, "198.51.100.7", 10)
    assert _registrations(client, "198.51.100.8", 1) == [429]
