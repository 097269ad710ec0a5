"""Fixtures for the xapi integration tests: the real LRS (Learning Locker) on loopback.

When node or node_modules are missing the ``lrs`` fixture FAILS (it never skips): these tests
are the proof that our statements are accepted by a real LRS, so their absence must be loud.
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.lrs import (PASSWORD, USERNAME, LRSNotInstalledError, LRSProcess,
                               start_lrs)
from tests.support.xapi_samples import BASE_URL, make_attempt
from xapi.client import LRSClient
from xapi.statements import StatementBuilder


def _start() -> LRSProcess:
    try:
        return start_lrs()
    except LRSNotInstalledError as exc:
        problem = str(exc)
    pytest.fail(f"The test LRS is not installed: {problem}", pytrace=False)


@pytest.fixture(scope="session")
def lrs():
    """One LRS for the session; tests keep apart by using fresh registrations and ids."""
    server = _start()
    yield server
    server.stop()


@pytest.fixture
def own_lrs():
    """An LRS for one test only, for tests that pause or stop it."""
    server = _start()
    yield server
    server.stop()


@pytest.fixture
def lrs_client(lrs):
    with LRSClient(lrs.endpoint, USERNAME, PASSWORD, timeout=(5, 60)) as client:  # success paths: generous
        yield client


@pytest.fixture
def builder():
    return StatementBuilder(BASE_URL)


@pytest.fixture
def attempt():
    """An attempt with a registration of its own, so statement ids never clash across tests."""
    return make_attempt(registration=uuid.uuid4())
