"""A hand-built organisation (tests/support/compliance_org.py) with an HR adviser, its manager and an employee."""

from __future__ import annotations

from dataclasses import dataclass

import time

import pytest

from service import models as m
from service.web import auth
from service.operations.people import find_or_create_person, grant_role
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


@pytest.fixture
def hr_org(database, content, monkeypatch):
    """The organisation on its fixed day (30 November 2026): the web's clock is pinned to it."""
    for module in ("hr", "hr_people", "hr_goals", "hr_campaigns", "employee"):
        monkeypatch.setattr(f"service.web.{module}.now", lambda: NOW)
    with database.begin() as session:
        built = build(session)
        hr = find_or_create_person(session, built.organisation, ISSUER, "hr-adviser", NOW)
        grant_role(session, hr, m.ToolRole.HR, granted_by="test")
        other = find_or_create_person(session, built.other, ISSUER, "hr-b", NOW)
        grant_role(session, other, m.ToolRole.HR, granted_by="test")
        session.flush()
        return HrOrg(built, hr.id, other.id, built.people["p1"])


def signed_in(client, person_id: int) -> Browser:
    """Sign a person in as a launch would: the person and the moments the session started and was last used."""
    browser = Browser(client).sign_in(person_id)
    with client.session_transaction() as cookie:
        cookie[auth.SIGNED_IN_AT] = cookie[auth.SEEN_AT] = int(time.time())
    return browser


