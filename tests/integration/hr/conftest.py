"""A hand-built organisation (tests/support/compliance_org.py) with an HR adviser, its manager and an employee.

The content and the organisation are built once per test module and backend, in a transaction
that is rolled back at the module's end; each test runs in a savepoint of it that is rolled back
after the test, so every test still starts from the same organisation (and sees nothing another
test wrote). Building it per test was most of the time these tests took.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest

from mappings.loader import load_folder
from service import models as m
from service.db import Database
from service.operations.content import load_content
from service.operations.people import find_or_create_person, grant_role
from service.web import auth
from tests.conftest import FIXTURE_CONTENT
from tests.support.compliance_org import ISSUER, NOW, Built, build
from tests.support.web import Browser


@dataclass
class HrOrg:
    built: Built
    hr: int
    hr_other: int
    employee: int

    def __getattr__(self, name):
        return getattr(self.built, name)


@pytest.fixture(scope="module")
def _built_once(engine, database_url):
    """The module's connection, its outer transaction, and the organisation built in it."""
    connection = engine.connect()
    outer = connection.begin()
    with Database(database_url, bind=connection).begin() as session:
        load_content(session, load_folder(FIXTURE_CONTENT))
        built = build(session)
        hr = find_or_create_person(session, built.organisation, ISSUER, "hr-adviser", NOW)
        grant_role(session, hr, m.ToolRole.HR, granted_by="test")
        other = find_or_create_person(session, built.other, ISSUER, "hr-b", NOW)
        grant_role(session, other, m.ToolRole.HR, granted_by="test")
        session.flush()
        org = HrOrg(built, hr.id, other.id, built.people["p1"])
    yield connection, org
    outer.rollback()
    connection.close()


@pytest.fixture
def database(_built_once, database_url):
    """This directory's Database: a savepoint in the module's transaction, rolled back after the test."""
    connection, _org = _built_once
    savepoint = connection.begin_nested()
    yield Database(database_url, bind=connection)
    if savepoint.is_active:
        savepoint.rollback()


@pytest.fixture
def content(database):
    """The content is loaded once per module (see ``_built_once``)."""


@pytest.fixture
def hr_org(_built_once, database, content, monkeypatch):
    """The organisation on its fixed day (30 November 2026): the web's clock is pinned to it."""
    for module in ("hr", "hr_people", "hr_goals", "hr_campaigns", "employee"):
        monkeypatch.setattr(f"service.web.{module}.now", lambda: NOW)
    return _built_once[1]


def signed_in(client, person_id: int) -> Browser:
    """Sign a person in as a launch would: the person and the moments the session started and was last used."""
    browser = Browser(client).sign_in(person_id)
    with client.session_transaction() as cookie:
        cookie[auth.SIGNED_IN_AT] = cookie[auth.SEEN_AT] = int(time.time())
    return browser


def names(page: str, label: str) -> bool:
    """Whether ``label`` (a person's name or number, "P1") stands on the page as a word of its own.

    A plain ``in`` would also find it inside the page's random tokens (CSRF token, CSP nonce:
    letters, digits, "-" and "_"), which contain "P1" now and then.
    """
    return re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", page) is not None
