"""An organisation with two locations and teams, an employee who asked for help, and digicoaches."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from service import models as m
from tests.integration.web.test_result_page import finished_attempt


@dataclass
class World:
    org_id: int
    employee: int
    north: int  # location ids
    south: int
    team_north: int
    team_south: int
    coach: int  # scope: location north
    rival: int  # scope: team north
    south_coach: int  # scope: location south
    coordinator: int
    stranger_coach: int  # a coach of another organisation, scope everything there


@pytest.fixture
def world(database, make_person) -> World:
    employee = make_person("emp-1")
    ids = {name: make_person(name, function=None) for name in ("coach-a", "coach-b", "coach-s", "coord")}
    stranger = make_person("coach-x", function=None, org_slug="zorg-b")
    with database.begin() as session:
        person = session.get(m.Person, employee)
        org_id = person.organisation_id
        north = m.Location(organisation_id=org_id, code="noord", name="Huize Noord")
        south = m.Location(organisation_id=org_id, code="zuid", name="Huize Zuid")
        session.add_all([north, south])
        session.flush()
        team_north = m.Team(organisation_id=org_id, code="t-noord", name="Verpleging Noord", location_id=north.id)
        team_south = m.Team(organisation_id=org_id, code="t-zuid", name="Verpleging Zuid", location_id=south.id)
        session.add_all([team_north, team_south])
        session.flush()
        person.team_id = team_north.id
        for key in ("coach-a", "coach-b", "coach-s", "coord"):
            coach = session.get(m.Person, ids[key])
            coach.name = {"coach-a": "Anna Coach", "coach-b": "Bram Coach", "coach-s": "Sanne Zuid", "coord": "Cor Dinator"}[key]
            session.add(m.PersonRole(person_id=coach.id, role=m.ToolRole.COACH))
        session.add_all([m.PersonRole(person_id=ids["coord"], role=m.ToolRole.COACH_COORDINATOR),
                         m.PersonRole(person_id=stranger, role=m.ToolRole.COACH_COORDINATOR),
                         m.PersonRole(person_id=stranger, role=m.ToolRole.COACH)])
        session.add_all([
            m.CoachScope(organisation_id=org_id, person_id=ids["coach-a"], location_id=north.id),
            m.CoachScope(organisation_id=org_id, person_id=ids["coach-b"], team_id=team_north.id),
            m.CoachScope(organisation_id=org_id, person_id=ids["coach-s"], location_id=south.id),
        ])
        return World(org_id, employee, north.id, south.id, team_north.id, team_south.id, ids["coach-a"], ids["coach-b"],
                     ids["coach-s"], ids["coord"], stranger)


def become(browser, person_id):
    """Sign in as ``person_id`` afresh, as a launch would (person, sign-in time, last seen; a new CSRF token)."""
    now = int(time.time())
    with browser.client.session_transaction() as session:
        session.clear()
        session.update({"person_id": person_id, "signed_in_at": now, "seen_at": now})
    browser.token = None
    return browser


def ask_help(browser, world, skill="wachtwoord-veilig", **extra) -> tuple[str, int]:
    """The employee finishes a test poorly and asks help for ``skill``; returns (registration, request id)."""
    become(browser, world.employee)
    registration, _ = finished_attempt(browser)
    data = {"skill": skill, "consent": "yes", "contact": "phone", "contact_detail": "06 12345678", **extra}
    response = browser.post(f"/poging/{registration}/hulp", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return registration, latest_request_id(browser)


def latest_request_id(browser) -> int:
    db = browser.client.application.extensions["digitoets"]
    with db.begin() as session:
        return session.query(m.HelpRequest).order_by(m.HelpRequest.id.desc()).first().id


def load(database, model, ident):
    with database.begin() as session:
        row = session.get(model, ident)
        session.expunge(row)
        return row


NOW = datetime.now(UTC)
