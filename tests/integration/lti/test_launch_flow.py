"""LTI 1.3 launches into the tool, through the real OIDC exchange with a test LMS."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service import models as m
from tests.integration.lti.conftest import follow, launch
from tests.support.platform import BROKEN, INSTRUCTOR, LEARNER, User

ECD = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}


def count(database, model) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_launch_opens_the_test_bound_to_the_placement(client, lms, registered, database):
    result = launch(client, lms, custom=ECD)
    assert result.response.status_code == 302 and result.response.location.startswith("/lti/check")
    page = follow(client, result.response)
    assert "Rapporteren in het ECD" in page.get_data(as_text=True)
    assert "Start de toets" in page.get_data(as_text=True)
    with database.begin() as session:
        person = session.scalars(select(m.Person)).one()
        assert (person.issuer, person.subject) == (lms.issuer, "2")
        assert (person.name, person.email) == (None, None)  # the organisation keeps people pseudonymous
        assert {r.role for r in person.roles} == {m.ToolRole.EMPLOYEE}
        [assignment] = person.function_assignments
        assert (assignment.profile.code, assignment.source) == ("verzorgende-ig", m.AssignmentSource.LTI)
        course = session.scalars(select(m.LtiContext)).one()
        assert course.context_id == "course-1" and course.memberships_url and course.lineitems_url
        link = session.scalars(select(m.LtiResourceLink)).one()
        assert link.lineitem_url.endswith("/lineitem?type_id=1")
        assert session.get(m.DigiTest, link.digi_test_id).code == "ecd-rapportage"


def test_without_a_function_the_employee_chooses_once(client, lms, registered):
    result = launch(client, lms, custom={"digitoets_test": "ecd-rapportage"})
    page = follow(client, result.response)
    assert "Kies je functie" in page.get_data(as_text=True)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_every_invalid_token_is_refused_and_stores_nothing(client, lms, registered, database, case):
    result = launch(client, lms, tamper=case, custom=ECD)
    assert result.response.status_code == 400
    page = result.response.get_data(as_text=True)
    assert "Digitoets kon niet worden geopend" in page
    for model in (m.Person, m.LtiContext, m.LtiResourceLink, m.Attempt):
        assert count(database, model) == 0, model.__name__


def test_a_replayed_token_is_refused(client, lms, registered, database):
    first = launch(client, lms, custom=ECD)
    assert first.response.status_code == 302
    again = client.post("/lti/launch", data=first.form)
    assert again.status_code == 400
    assert "nonce_reused" in again.get_data(as_text=True)


@pytest.mark.parametrize("variant", [
    {"roles": [LEARNER, INSTRUCTOR]},
    {"roles": ["Learner"]},
    {"roles": ["http://example.org/roles#Zorgmedewerker"]},
    {"roles": []},
    {"user": User(id="77", name=None, given_name=None, family_name=None, email="x@zorg.example")},
    {"user": User(id="78", email=None)},
    {"user": User(id="79", name=None, given_name=None, family_name=None, email=None)},
    {"context": None, "resource_link": True},
    {"resource_link": {"id": "nieuwe-link-9", "title": "Nieuw"}},
], ids=["several-roles", "short-role", "unknown-role", "no-roles", "email-only", "names-only", "no-personal-data",
        "no-context", "new-resource-link"])
def test_valid_variants_are_accepted(client, lms, registered, database, variant):
    result = launch(client, lms, custom=ECD, **variant)
    assert result.response.status_code == 302, result.response.get_data(as_text=True)
    assert count(database, m.Person) == 1


def test_lti_roles_map_to_tool_roles(client, lms, registered, database):
    launch(client, lms, custom=ECD, roles=[INSTRUCTOR, "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"])
    with database.begin() as session:
        person = session.scalars(select(m.Person)).one()
        assert {r.role for r in person.roles} == {m.ToolRole.COURSE_ADMIN, m.ToolRole.ORG_ADMIN}


def test_names_are_kept_when_the_organisation_allows(client, lms, registered, database):
    with database.begin() as session:
        session.scalars(select(m.Organisation)).one().store_personal_data = True
    launch(client, lms, custom=ECD)
    with database.begin() as session:
        person = session.scalars(select(m.Person)).one()
        assert (person.name, person.email) == ("Anna de Vries", "anna@zorg.example")


def test_an_unknown_platform_is_refused_at_login(client, lms, content):
    params = lms.login_initiation("http://localhost/lti/launch")
    response = client.post("/lti/login", data=params)
    assert response.status_code == 400
    assert "unknown_registration" in response.get_data(as_text=True)


def test_a_foreign_target_link_uri_is_refused_at_login(client, lms, registered):
    params = lms.login_initiation("https://evil.example/lti/launch")
    response = client.post("/lti/login", data=params)
    assert response.status_code == 400 and "target_link_uri_foreign" in response.get_data(as_text=True)


def test_jwks_publishes_the_tool_key(client, tool):
    keys = client.get("/lti/jwks").get_json()["keys"]
    assert [k["kid"] for k in keys] == [tool.keys.current().kid]
    assert all("d" not in k for k in keys)  # public parts only


def test_a_refused_launch_is_logged_with_ids_and_no_personal_data(client, lms, registered, caplog):
    caplog.set_level("INFO")
    result = launch(client, lms, tamper="expired", custom=ECD)
    assert result.response.status_code == 400
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refused and "expired" in refused[0]
    assert lms.issuer in refused[0] and lms.client_id in refused[0] and lms.deployment_id in refused[0]
    everything = " ".join(r.getMessage() for r in caplog.records)
    assert "Anna" not in everything and "anna@zorg.example" not in everything


def test_the_role_and_function_parameters_are_configured_per_registration(client, lms, registered, database):
    with database.begin() as session:
        registration = session.scalars(select(m.LtiRegistration)).one()
        registration.function_parameter, registration.role_parameter = "functiecode", "extra_rollen"
    launch(client, lms, custom={"digitoets_test": "ecd-rapportage", "functiecode": "HELP",
                                "extra_rollen": "coach, org_admin", "digitoets_function": "VIG"})
    with database.begin() as session:
        person = session.scalars(select(m.Person)).one()
        assert {r.role for r in person.roles} == {m.ToolRole.EMPLOYEE, m.ToolRole.COACH}  # org_admin is never granted so
        assert person.function_assignments[-1].profile.code == "helpende"
