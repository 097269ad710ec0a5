"""HR advisers and managers launched from the test LMS (LTI 1.3) use the HR pages in chromium.

The LMS is tests/support/platform.py, registered for the demo organisation (``digitoets demo
seed``: 300 employees over 3 locations and 8 teams with a year of results). The HR adviser gets
the role ``hr`` from the registration's role parameter (custom ``digitoets_roles``); the manager
gets ``manager`` from the HR data, matched at the launch by the personnel number the LMS sends
as ``lis.person_sourcedid``. The downloaded workbook is read back with openpyxl and its figures
must be the ones the page showed. axe-core checks every HR page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from service import models as m
from service.operations import registrations
from service.operations.campaigns import create as create_campaign
from service.operations.demo import ensure_demo_organisation
from service.operations.demo_population import ensure_population
from service.operations.people import get_profile
from tests.e2e.person import axe_violations, describe
from tests.support.platform import INSTITUTION_ADMIN, LEARNER, TestPlatform, User

pytestmark = pytest.mark.browser

HR_ADVISER = User(id="lms-hr-7", name="Hanna de Wit", given_name="Hanna", family_name="de Wit",
                  email="hanna.dewit@delinde.example")
#: leads De Boomgaard in the HR data; the LMS sends this personnel number with the launch
BOOMGAARD_MANAGER = User(id="lms-mgr-boomgaard", name="Wim Leider", given_name="Wim", family_name="Leider",
                         email="wim.leider@delinde.example", sourcedid="M9001")


@pytest.fixture
def lms(live_server) -> Iterator[TestPlatform]:
    """The test LMS, registered for the demo organisation of the live server."""
    tool = live_server.url
    with TestPlatform(tool_key_set=lambda: requests.get(f"{tool}/lti/jwks", timeout=5).json(),
                      tool_launch_url=f"{tool}/lti/launch") as platform:
        with live_server.database.begin() as session:
            org = ensure_demo_organisation(session, datetime.now(UTC))
            registrations.register_platform(session, org, issuer=platform.issuer, client_id=platform.client_id,
                                            auth_login_url=platform.auth_url, auth_token_url=platform.token_url,
                                            key_set_url=platform.jwks_url, deployment_ids=[platform.deployment_id])
        yield platform


def seed(live_server, *, person_view: bool = False) -> None:
    """The demo population, Wim Leider as De Boomgaard's manager in the HR data, and campaigns for two teams.

    De Boomgaard is big enough to be shown on its own at every level (Team West is not: it is pooled
    with the small Team Zuid, so showing it alone to its manager would reveal Zuid by subtraction).
    """
    now = datetime.now(UTC)
    with live_server.database.begin() as session:
        org = ensure_demo_organisation(session, now)
        ensure_population(session, org, now)
        org.hr_person_view = person_view
        team = session.scalar(select(m.Team).where(m.Team.organisation_id == org.id, m.Team.code == "boomgaard"))
        session.execute(m.HrRecord.__table__.update().where(m.HrRecord.team_id == team.id)
                        .values(manager_number=BOOMGAARD_MANAGER.sourcedid))
        session.add(m.HrRecord(organisation_id=org.id, personnel_number=BOOMGAARD_MANAGER.sourcedid, name=BOOMGAARD_MANAGER.name,
                               team_id=team.id, location_id=team.location_id,
                               function_profile_id=get_profile(session, "teamleider").id))
        adviser = session.scalar(select(m.Person).where(m.Person.organisation_id == org.id,
                                                        m.Person.subject == "demo-hr"))
        create_campaign(session, org, adviser, title="De Boomgaard: ECD vóór de zomer", test_code="ecd-rapportage",
                        location_id=None, team_id=team.id, profile_id=None, due_on=date.today() + timedelta(days=90),
                        today=date.today())
        thuiszorg = session.scalar(select(m.Team.id).where(m.Team.organisation_id == org.id,
                                                           m.Team.code == "thuiszorg"))
        create_campaign(session, org, adviser, title="Thuiszorg: ECD", test_code="ecd-rapportage",
                        location_id=None, team_id=thuiszorg, profile_id=None, due_on=date.today() + timedelta(days=90),
                        today=date.today())


def launch(page, lms: TestPlatform, live_server, user: User, custom: dict[str, str],
           roles: tuple[str, ...] = (LEARNER,)) -> None:
    """Open Digitoets from the LMS's course page: OIDC login, the signed launch, then the tests page."""
    page.goto(lms.browser_launch_url(f"{live_server.url}/lti/login", target_link_uri=f"{live_server.url}/lti/launch",
                                     user=user, custom=custom, roles=roles))
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_visible()
    assert page.url.startswith(live_server.url)


def launch_as_hr(page, lms, live_server) -> None:
    launch(page, lms, live_server, HR_ADVISER, {"digitoets_roles": "hr", "digitoets_function": "TL"})
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="HR-overzicht").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("HR-overzicht: wie voldoet aan de eisen van de functie")


def launch_as_manager(page, lms, live_server) -> None:
    launch(page, lms, live_server, BOOMGAARD_MANAGER, {"digitoets_function": "TL"})
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="HR-overzicht").click()
    expect(page.get_by_text("U ziet alleen de teams waarvan u leidinggevende bent.")).to_be_visible()


def groups_on(page) -> dict[str, tuple[int, int]]:
    """Group name -> (employees, meeting all) from the page's group table.

    A click that navigates returns once the new page starts loading; on a busy machine its table
    may not be parsed yet (a run with one core kept busy read no rows at all), so wait for the load.
    """
    page.wait_for_load_state()
    found = {}
    for row in page.locator("#groups tbody tr").all():
        name = row.locator("th").inner_text().strip()
        cells = row.locator("td").all_inner_texts()
        numbers = [c for c in cells if re.fullmatch(r"\d+", c.strip())]
        found[name] = (int(numbers[0]), int(numbers[1]))
    return found


def test_hr_adviser_drills_down_filters_and_exports_what_the_page_shows(page, live_server, lms, tmp_path):
    seed(live_server)
    launch_as_hr(page, lms, live_server)
    locations = groups_on(page)
    assert {"Locatie Lelystad", "Locatie Zeewolde"} <= set(locations)  # small groups may pool into "Overig"
    total = int(page.locator('[data-figure="headcount"]').inner_text())
    assert total == sum(n for n, _met in locations.values()) and total >= 250

    page.get_by_role("link", name="Locatie Zeewolde").click()  # drill down to its teams
    teams = groups_on(page)
    assert "De Boomgaard" in teams and "Team West" not in teams
    assert sum(n for n, _ in teams.values()) == locations["Locatie Zeewolde"][0]
    page.get_by_role("link", name="De Boomgaard").click()  # and to its functions
    assert "niveau=function" in page.url
    assert sum(n for n, _ in groups_on(page).values()) == teams["De Boomgaard"][0]

    page.goto("/hr")  # filter: the team level of one location, chosen in the form
    page.get_by_label("Niveau", exact=True).select_option("team")
    page.get_by_label("Locatie", exact=True).select_option(label="Locatie Lelystad")
    page.get_by_role("button", name="Toon").click()
    shown = groups_on(page)
    assert "Thuiszorg Lelystad" in shown and "De Boomgaard" not in shown and "Team Oost" not in shown

    with page.expect_download() as download:
        page.get_by_role("link", name="Groepscijfers als Excel-bestand").click()
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    workbook = openpyxl.load_workbook(path)
    rows = list(workbook["Groepen"].values)
    assert workbook["Groepen"].freeze_panes == "A2"
    in_file = {row[2]: (row[4], row[5]) for row in rows[1:] if row[0] == "groep"}
    # the same groups with the same figures; the pooled group is "overig" in the file
    assert in_file == {("overig" if name.startswith("Overig") else name): figures for name, figures in shown.items()}
    total_row = next(row for row in rows[1:] if row[0] == "totaal")
    assert total_row[4] == int(page.locator('[data-figure="headcount"]').inner_text())
    filters = dict(list(workbook["Filters"].values)[1:])
    assert filters["niveau"] == "team" and filters["locatie"] == "Locatie Lelystad"
    with live_server.database.begin() as session:  # the adviser is the person the LMS launched, not a demo login
        actor = session.scalar(select(m.AuditEvent.actor_id).where(m.AuditEvent.action == "hr.export"))
        assert session.get(m.Person, actor).subject == HR_ADVISER.id


def test_manager_from_the_lms_sees_only_their_team_and_its_campaign(page, live_server, lms, tmp_path):
    seed(live_server, person_view=True)
    launch_as_manager(page, lms, live_server)
    page.goto("/hr?niveau=team")
    teams = groups_on(page)
    assert list(teams) == ["De Boomgaard"] and teams["De Boomgaard"][0] >= 40
    assert int(page.locator('[data-figure="headcount"]').inner_text()) == teams["De Boomgaard"][0]
    with live_server.database.begin() as session:
        east = session.scalar(select(m.Team.id).where(m.Team.code == "oost"))
    page.goto(f"/hr?niveau=team&team={east}")  # another team of the organisation: refused in Dutch
    expect(page.get_by_role("alert")).to_contain_text("Dit team bestaat niet of u mag het niet zien.")
    assert "Team Oost" not in page.content()

    page.goto("/hr")
    page.get_by_role("navigation", name="HR-pagina's").get_by_role("link", name="Oproepen").click()
    table = page.locator("#campaigns")
    expect(table).to_contain_text("De Boomgaard: ECD vóór de zomer")
    expect(table).not_to_contain_text("Thuiszorg")
    expect(page.get_by_role("heading", name="Nieuwe oproep")).to_have_count(0)
    with page.expect_download() as download:
        table.locator('a[href$="/herinneringslijst.xlsx"]').click()
    path = tmp_path / "boomgaard.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path)["Herinneren"].values)
    asked = int(page.locator("#campaigns tbody tr").first.locator("td").nth(1).inner_text())
    assert len(rows) - 1 == asked  # nobody started since the campaign began today
    assert {row[4] for row in rows[1:]} == {"De Boomgaard"}


def test_every_hr_page_has_no_axe_violations(axe_page, live_server, lms):
    seed(live_server, person_view=True)
    launch_as_hr(axe_page, lms, live_server)
    with live_server.database.begin() as session:
        team = session.scalar(select(m.Team.id).where(m.Team.code == "west"))
        someone = session.scalar(select(m.Person.id).where(m.Person.personnel_number == "D3150"))
    found = {}
    for url in ("/hr", "/hr?niveau=team", "/hr?niveau=function", f"/hr?team={team}&niveau=function", "/hr/matrix",
                f"/hr/matrix?team={team}", f"/hr/medewerker/{someone}", "/hr/doelen", "/hr/doelen?niveau=team",
                "/hr/oproepen", "/hr/import", "/hr?periode=2020-99"):
        axe_page.goto(url)
        violations = axe_violations(axe_page)
        if violations:
            found[url] = violations
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + describe(found)


def test_the_managers_hr_pages_have_no_axe_violations(axe_page, live_server, lms):
    seed(live_server, person_view=True)
    launch_as_manager(axe_page, lms, live_server)
    found = {}
    for url in ("/hr", "/hr?niveau=team", "/hr/matrix", "/hr/oproepen", "/hr?niveau=team&team=999999"):
        axe_page.goto(url)
        violations = axe_violations(axe_page)
        if violations:
            found[url] = violations
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + describe(found)


def test_an_employee_from_the_lms_gets_403_on_every_hr_url(page, live_server, lms):
    launch(page, lms, live_server, User(id="lms-emp-1", name="Els Werker", sourcedid="D3001"),
           {"digitoets_function": "VIG"})
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    expect(menu.get_by_role("link", name="HR-overzicht")).to_have_count(0)
    for url in ("/hr", "/hr?niveau=team", "/hr/matrix", "/hr/doelen", "/hr/oproepen", "/hr/import",
                "/hr/export.xlsx", "/hr/niet-getoetst.csv?vaardigheid=ecd-rapporteren",
                "/hr/oproepen/1/herinneringslijst.csv"):
        assert page.request.get(url).status == 403, url


def test_the_admin_switches_person_views_on_in_the_settings(axe_page, live_server, lms):
    """The organisation admin (institution Administrator in the LMS) turns on person-level HR views."""
    launch(axe_page, lms, live_server, User(id="lms-admin-1", name="Sanne Beheer"), {},
           roles=(INSTITUTION_ADMIN,))
    axe_page.goto("/beheer/instellingen")
    switch = axe_page.get_by_label("HR en leidinggevenden zien per medewerker of die voldoet")
    expect(switch).not_to_be_checked()
    expect(switch).to_have_accessible_description(re.compile("Nooit de antwoorden, scores of hulpvragen"))
    violations = axe_violations(axe_page)
    assert not violations, describe(violations)
    switch.check()
    axe_page.get_by_role("button", name="Opslaan").click()
    expect(axe_page.get_by_text("De instellingen zijn opgeslagen.")).to_be_visible()
    expect(axe_page.get_by_label("HR en leidinggevenden zien per medewerker of die voldoet")).to_be_checked()
    with live_server.database.begin() as session:
        org = ensure_demo_organisation(session, datetime.now(UTC))
        assert org.hr_person_view is True
        detail = session.scalar(select(m.AuditEvent.detail).where(m.AuditEvent.action == "settings.privacy"))
        assert detail == "hr_person_view=False->True"


def test_an_hr_adviser_of_another_organisation_sees_nothing_of_this_one(page, live_server, lms):
    """Tenant isolation: a second organisation's LMS launches its HR adviser; De Linde stays invisible."""
    seed(live_server, person_view=True)
    tool = live_server.url
    with TestPlatform(tool_key_set=lambda: requests.get(f"{tool}/lti/jwks", timeout=5).json(),
                      tool_launch_url=f"{tool}/lti/launch") as other_lms:
        with live_server.database.begin() as session:
            other = m.Organisation(slug="zorg-elders", name="Zorg Elders", hr_person_view=True)
            session.add(other)
            session.flush()
            registrations.register_platform(session, other, issuer=other_lms.issuer, client_id=other_lms.client_id,
                                            auth_login_url=other_lms.auth_url, auth_token_url=other_lms.token_url,
                                            key_set_url=other_lms.jwks_url, deployment_ids=[other_lms.deployment_id])
            boomgaard = session.scalar(select(m.Team.id).where(m.Team.code == "boomgaard"))
            campaign = session.scalar(select(m.Campaign.id).where(m.Campaign.team_id == boomgaard))
            someone = session.scalar(select(m.Person.id).where(m.Person.personnel_number == "D3150"))
        adviser = User(id="lms-hr-elders", name="Ria Elders", given_name="Ria", family_name="Elders",
                       email="ria@elders.example")
        launch(page, other_lms, live_server, adviser, {"digitoets_roles": "hr", "digitoets_function": "TL"})
        page.goto("/hr?niveau=team")
        content = page.content()
        for name in ("De Boomgaard", "Team West", "Locatie Zeewolde", "Zorggroep De Linde"):
            assert name not in content, name
        page.goto(f"/hr?niveau=team&team={boomgaard}")
        expect(page.get_by_role("alert")).to_contain_text("Dit team bestaat niet of u mag het niet zien.")
        assert "De Boomgaard" not in page.content()
        for url in (f"/hr/oproepen/{campaign}/herinneringslijst.csv", f"/hr/medewerker/{someone}"):
            assert page.request.get(url).status == 404, url
