"""The demo LMS has an HR adviser: the launch gives role hr (custom digitoets_roles) and the HR pages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from service import models as m
from service.operations import demo, demo_population
from tests.integration.lti.test_demo_lms import follow, launch_from_course, no_network, settings  # noqa: F401 (fixtures)


def test_the_hr_adviser_launches_from_the_demo_lms_into_the_hr_pages(client, content, database):
    course = client.get("/dev/lms?als=hr").get_data(as_text=True)
    assert "HR-adviseur: Peter Smit" in course
    _auth, _post, launched = launch_from_course(client, "Digitoets openen als HR-adviseur", person="hr")
    assert launched.status_code == 302, launched.get_data(as_text=True)
    page = follow(client, launched).get_data(as_text=True)
    assert 'href="/hr">HR-overzicht</a>' in page  # the menu leads there
    assert client.get("/hr").status_code == 200
    assert client.get("/hr/doelen").status_code == 200
    with database.begin() as session:
        adviser = session.scalars(select(m.Person).where(m.Person.subject == "lms-peter-smit")).one()
        assert adviser.has_role(m.ToolRole.HR)


def test_the_employee_of_the_demo_lms_gets_no_hr_pages(client, content):
    _auth, _post, launched = launch_from_course(client, "Rapporteren in het ECD")
    follow(client, launched)
    assert client.get("/hr").status_code == 403


def test_the_team_leader_of_the_demo_lms_is_manager_of_her_team_by_the_hr_data(client, content, database):
    with database.begin() as session:
        org = demo.ensure_demo_organisation(session, datetime.now(UTC))
        assert demo_population.ensure_population(session, org, datetime.now(UTC)) > 0
    course = client.get("/dev/lms?als=leidinggevende").get_data(as_text=True)
    assert "Kees Willems" in course
    _auth, post, launched = launch_from_course(client, "Digitoets openen als leidinggevende", person="leidinggevende")
    assert launched.status_code == 302, launched.get_data(as_text=True)
    follow(client, launched)
    with database.begin() as session:
        kees = session.scalars(select(m.Person).where(m.Person.subject == "lms-kees-willems")).one()
        assert kees.has_role(m.ToolRole.MANAGER) and not kees.has_role(m.ToolRole.HR)
        record = session.scalars(select(m.HrRecord).where(m.HrRecord.personnel_number == "D2001")).one()
        assert record.person_id == kees.id  # linked through lis.person_sourcedid at the first launch
    dashboard = client.get("/hr")
    assert dashboard.status_code == 200
    page = dashboard.get_data(as_text=True)
    assert "De Boomgaard" in page and "Team West" not in page and "Thuiszorg Lelystad" not in page
