"""The demo LMS has an HR adviser: the launch gives role hr (custom digitoets_roles) and the HR pages."""

from __future__ import annotations

from sqlalchemy import select

from service import models as m
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
