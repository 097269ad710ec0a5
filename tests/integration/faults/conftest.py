"""A PostgreSQL reached through a TCP relay (tests/support/tcp_proxy.py), so outages are real."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import make_url

from mappings.loader import load_folder
from service import models as m
from service.operations.content import load_content
from service.operations.people import assign_function, find_or_create_person, get_profile
from tests.conftest import FIXTURE_CONTENT
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
def relay(database_url):
    proxy = TcpProxy(make_url(database_url).port or 5432).accept()
    yield proxy
    proxy.close()


@pytest.fixture
def relayed_url(database_url, relay):
    """The test database's URL, through the relay."""
    return make_url(database_url).set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)


@pytest.fixture
def employee(committed_database):
    """An employee with a function, committed (the app reaches the database through the relay)."""
    with committed_database.begin() as session:
        load_content(session, load_folder(FIXTURE_CONTENT))
        org = m.Organisation(slug="zorg-storing", name="Zorg bij storing")
        session.add(org)
        session.flush()
        person = find_or_create_person(session, org, "https://lms.example", "emp-storing", datetime.now(UTC))
        assign_function(session, person, get_profile(session, "verzorgende-ig"), m.AssignmentSource.LTI, datetime.now(UTC))
        return person.id
