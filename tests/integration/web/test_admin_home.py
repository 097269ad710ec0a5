"""/beheer is the organisation admin's start page: every admin page, each with one line, all reachable."""

from __future__ import annotations

import re

from service import models as m
from service.operations.people import grant_role


def _admin(database, make_person):
    person_id = make_person("admin-home")
    with database.begin() as session:
        grant_role(session, session.get(m.Person, person_id), m.ToolRole.ORG_ADMIN, granted_by="test")
    return person_id


def test_the_admin_start_page_lists_every_admin_page_and_each_link_opens(browser, make_person, database, app):
    browser.sign_in(_admin(database, make_person))
    response = browser.get("/beheer")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    listed = re.findall(r'<li><a href="([^"]+)">([^<]+)</a>: [^<]+</li>', page)
    hrefs = [href for href, _title in listed]
    for expected in ("/beheer/instellingen", "/beheer/lti", "/beheer/functies", "/beheer/rollen", "/beheer/xapi",
                     "/beheer/berichten", "/beheer/audit", "/beheer/status", "/hr/import"):
        assert expected in hrefs
    for endpoint, href in (("coach_overview.coach_admin", "/beheer/coaches"), ("hr.dashboard", "/hr")):
        if endpoint in app.view_functions:  # pages that land with other work appear once the app has them
            assert href in hrefs
    for href in hrefs:
        assert browser.get(href).status_code == 200, href


def test_an_employee_is_refused_the_admin_start_page(browser, make_person):
    browser.sign_in(make_person())
    assert browser.get("/beheer").status_code == 403


def test_signed_out_the_admin_start_page_leads_where_the_other_admin_pages_do(client):
    home = client.get("/beheer")
    settings = client.get("/beheer/instellingen")
    assert home.status_code == settings.status_code == 302
    assert home.location == settings.location
