"""Roles from the LMS follow the latest launch; roles granted in the tool stay; the two are kept apart."""

from __future__ import annotations

import re

from sqlalchemy import select

from service import models as m
from tests.integration.lti.conftest import follow, launch
from tests.support.platform import INSTITUTION_ADMIN, LEARNER, User

ECD = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}
ADMIN = User(id="1", name="Beheerder", given_name=None, family_name=None, email=None)


def _roles(database, subject: str) -> set[tuple[m.ToolRole, m.RoleSource]]:
    with database.begin() as session:
        person = session.scalars(select(m.Person).where(m.Person.subject == subject)).one()
        return {(r.role, r.source) for r in person.roles}


def _csrf(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_an_administrator_demoted_in_the_lms_loses_beheer_at_the_next_launch(client, lms, registered, database):
    follow(client, launch(client, lms, user=ADMIN, roles=[LEARNER, INSTITUTION_ADMIN], custom=ECD).response)
    assert client.get("/beheer/instellingen").status_code == 200
    follow(client, launch(client, lms, user=ADMIN, roles=[LEARNER], custom=ECD).response)  # demoted in the LMS
    assert client.get("/beheer/instellingen").status_code == 403
    assert _roles(database, "1") == {(m.ToolRole.EMPLOYEE, m.RoleSource.LMS)}


def test_a_role_granted_in_the_tool_survives_launches_and_the_lms_role_stays_apart(app, client, lms, registered,
                                                                                  database):
    with database.begin() as session:
        registration = session.scalars(select(m.LtiRegistration)).one()
        registration.role_parameter = "extra_rollen"
    # the LMS says Anna is a digicoach (role parameter); the admin also grants it in the tool
    follow(client, launch(client, lms, custom={**ECD, "extra_rollen": "coach"}).response)
    admin = app.test_client()
    page = follow(admin, launch(admin, lms, user=ADMIN, roles=[LEARNER, INSTITUTION_ADMIN], custom=ECD).response)
    with database.begin() as session:
        anna = session.scalar(select(m.Person.id).where(m.Person.subject == "2"))
    roles_page = admin.get("/beheer/rollen").get_data(as_text=True)
    assert "(ook uit de leeromgeving)" in roles_page
    token = _csrf(page.get_data(as_text=True))
    admin.post("/beheer/rollen", data={"csrf_token": token, "person": str(anna), "role": ["coach", "hr"]})
    assert _roles(database, "2") == {(m.ToolRole.EMPLOYEE, m.RoleSource.LMS), (m.ToolRole.COACH, m.RoleSource.LMS),
                                     (m.ToolRole.COACH, m.RoleSource.TOOL), (m.ToolRole.HR, m.RoleSource.TOOL)}
    # the next launch no longer names her digicoach: the LMS's coach goes, the tool's grants stay
    follow(client, launch(client, lms, custom=ECD).response)
    assert _roles(database, "2") == {(m.ToolRole.EMPLOYEE, m.RoleSource.LMS), (m.ToolRole.COACH, m.RoleSource.TOOL),
                                     (m.ToolRole.HR, m.RoleSource.TOOL)}
    # the admin takes HR and coach away in the tool; a coach role from the LMS would not be touched
    follow(client, launch(client, lms, custom={**ECD, "extra_rollen": "coach"}).response)
    admin.post("/beheer/rollen", data={"csrf_token": token, "person": str(anna), "role": []})
    assert _roles(database, "2") == {(m.ToolRole.EMPLOYEE, m.RoleSource.LMS), (m.ToolRole.COACH, m.RoleSource.LMS)}
