"""/beheer/instellingen: the organisation admin decides whether HR and managers see people (hr_person_view).

Toggling it changes what the HR pages show (rows per person, or only team figures, never a group
under the minimum); the change is in the audit log with who, when and old -> new; only the
organisation's own admin can change it, and only for their own organisation.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service import models as m
from service.operations.people import find_or_create_person, grant_role
from tests.integration.hr.conftest import names, signed_in
from tests.integration.hr.test_exports import audit_rows
from tests.support.compliance_org import ISSUER, NOW

FORM = {"result_visibility": "employee_only", "min_group_size": "5", "help_request_mode": "opt_in",
        "retention_months": "36", "leaver_months": "24", "default_function": "helpende",
        "lrs_endpoint": "", "lrs_username": "", "lrs_password": ""}


@pytest.fixture
def admin(database, hr_org) -> int:
    with database.begin() as session:
        person = find_or_create_person(session, session.get(m.Organisation, hr_org.organisation.id), ISSUER,
                                       "admin-a", NOW)
        grant_role(session, person, m.ToolRole.ORG_ADMIN, granted_by="lti")
        return person.id


def save(browser, person_view: bool):
    browser.get("/beheer/instellingen")
    return browser.post("/beheer/instellingen", data={**FORM, **({"hr_person_view": "y"} if person_view else {})})


def person_view_of(database, organisation_id: int) -> bool:
    with database.begin() as session:
        return session.get(m.Organisation, organisation_id).hr_person_view


def test_the_settings_page_explains_the_choice_in_plain_dutch(client, hr_org, admin):
    page = signed_in(client, admin).get("/beheer/instellingen").get_data(as_text=True)
    assert 'name="hr_person_view"' in page and "checked" not in page.split('name="hr_person_view"')[0][-200:]
    assert "HR en leidinggevenden zien per medewerker of die voldoet" in page
    assert "Nooit de antwoorden, scores of hulpvragen" in page and "alleen cijfers per groep" in page


def test_switching_person_view_on_and_off_changes_the_hr_pages_and_is_logged(database, client, hr_org, admin):
    hr = signed_in(client, hr_org.hr)
    team_one = f"/hr/matrix?team={hr_org.teams['T1']}"
    before = hr.get(team_one).get_data(as_text=True)
    assert 'id="person-matrix"' not in before and not names(before, "P1")
    assert "inhoud=personen" not in hr.get("/hr").get_data(as_text=True)

    response = save(signed_in(client, admin), person_view=True)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert person_view_of(database, hr_org.organisation.id) is True
    [event] = audit_rows(database, "settings.privacy")
    assert (event.actor_id, event.organisation_id) == (admin, hr_org.organisation.id)
    assert event.detail == "hr_person_view=False->True" and event.at is not None

    hr = signed_in(client, hr_org.hr)
    people = hr.get(team_one).get_data(as_text=True).split('id="person-matrix"')[1].split("</table>")[0]
    assert "P1" in people and "P6" in people
    dashboard = hr.get("/hr?niveau=team").get_data(as_text=True)
    assert "inhoud=personen" in dashboard
    # person rows do not lift the minimum for group figures: Rotterdam's teams of three stay pooled
    groups = dashboard.split('id="groups"')[1].split("</table>")[0]
    assert "Afdeling Ster" not in groups and "Afdeling Wolk" not in groups and "Overig" in groups
    team_figures = hr.get("/hr/matrix").get_data(as_text=True).split('id="team-matrix"')[1]
    assert "Afdeling Ster" not in team_figures.split("</table>")[0]

    assert save(signed_in(client, admin), person_view=False).status_code == 302
    assert person_view_of(database, hr_org.organisation.id) is False
    assert [e.detail for e in audit_rows(database, "settings.privacy")] == [
        "hr_person_view=False->True", "hr_person_view=True->False"]
    hr = signed_in(client, hr_org.hr)
    assert 'id="person-matrix"' not in hr.get(team_one).get_data(as_text=True)
    assert hr.get("/hr/export.csv?inhoud=personen").status_code == 403


def test_saving_the_same_value_writes_no_audit_row(database, client, hr_org, admin):
    assert save(signed_in(client, admin), person_view=False).status_code == 302
    assert audit_rows(database, "settings.privacy") == []


@pytest.mark.parametrize("who", ["hr", "manager", "employee"])
def test_only_the_organisation_admin_can_change_it(database, client, hr_org, who):
    person = {"hr": hr_org.hr, "manager": hr_org.people["manager"], "employee": hr_org.employee}[who]
    browser = signed_in(client, person)
    assert browser.get("/beheer/instellingen").status_code == 403
    assert browser.post("/beheer/instellingen", data={**FORM, "hr_person_view": "y"}).status_code == 403
    assert person_view_of(database, hr_org.organisation.id) is False
    assert audit_rows(database, "settings.privacy") == []


def test_another_organisation_is_left_alone(database, client, hr_org, admin):
    assert save(signed_in(client, admin), person_view=True).status_code == 302
    assert person_view_of(database, hr_org.other.id) is False
    with database.begin() as session:
        logged = set(session.scalars(select(m.AuditEvent.organisation_id)
                                     .where(m.AuditEvent.action == "settings.privacy")))
    assert logged == {hr_org.organisation.id}
    other_hr = signed_in(client, hr_org.hr_other)
    assert other_hr.get("/hr/export.csv?inhoud=personen").status_code == 403
    assert "inhoud=personen" not in other_hr.get("/hr").get_data(as_text=True)
