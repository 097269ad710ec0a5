"""Fixtures for the lti unit tests: in-memory stores, tool keys and the test LMS."""

from __future__ import annotations

import pytest

from lti.keys import generate_key
from lti.launch import oidc_login
from lti.request import LtiRequest
from lti.tool_conf import StaticKeyRing, ToolConf
from tests.support.platform import TestPlatform
from tests.unit.lti.fakes import (TOOL_HOST, TOOL_LAUNCH, InMemoryLaunchStateStore,
                                  InMemoryRegistrationStore)

@pytest.fixture(scope="session")
def tool_keys():
    """The tool's key ring (one key; generating RSA keys per test would be slow)."""
    return StaticKeyRing(generate_key())


@pytest.fixture(scope="session")
def lms(tool_keys):
    """The test LMS on loopback for the whole session; tests use their own users and courses."""
    with TestPlatform(tool_key_set=lambda: {"keys": [dict(k.public_jwk) for k in tool_keys.published()]},
                      tool_launch_url=TOOL_LAUNCH) as platform:
        yield platform


@pytest.fixture
def registrations(lms):
    return InMemoryRegistrationStore(lms.tool_registration())


@pytest.fixture
def tool_conf(registrations, tool_keys):
    return ToolConf(registrations, tool_keys)


@pytest.fixture
def state_store():
    return InMemoryLaunchStateStore()


@pytest.fixture
def launch_request(lms, tool_conf, state_store):
    """Run login initiation and the platform's auth step; return the launch POST to validate.

    Keyword arguments go to ``TestPlatform.login_initiation``; ``tamper`` to ``authorize``.
    """

    def make(*, tamper=None, with_cookie: bool = True, **initiation) -> LtiRequest:
        form = lms.login_initiation(TOOL_LAUNCH, **initiation)
        login = oidc_login(LtiRequest(form), tool_conf, state_store, TOOL_HOST)
        posted = lms.authorize(login.url, tamper=tamper)
        cookies = {c.name: c.value for c in login.cookies} if with_cookie else {}
        return LtiRequest(params=posted, cookies=cookies)

    return make
