"""An HR adviser launched from the demo LMS uses the HR pages in chromium: drill down, filter, export XLSX.

The organisation is the demo's (``digitoets demo seed``: 300 employees over 3 locations and 8 teams
with a year of results). The downloaded workbook is read back with openpyxl and its figures must
be the ones the page showed. axe-core checks every HR page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from service import models as m
from service.operations.demo import ensure_demo_organisation
from service.operations.demo_population import ensure_population
from tests.e2e.person import axe_violations, describe

pytestmark = pytest.mark.browser


def seed(live_server, *, person_view: bool = False) -> None:
    with live_server.database.begin() as session:
        org = ensure_demo_organisation(session, datetime.now(UTC))
        ensure_population(session, org, datetime.now(UTC))
        org.hr_person_view = person_view


def launch_as_hr(page) -> None:
    """From the demo LMS's course page, as Peter Smit (HR), through LTI 1.3, then the menu."""
    page.goto("/dev/lms?als=hr")
    page.get_by_role("button", name="Digitoets openen als HR-adviseur").click()
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="HR-overzicht").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("HR-overzicht: wie voldoet aan de eisen van de functie")


def groups_on(page) -> dict[str, tuple[int, int]]:
    """Group name -> (employees, meeting all) from the page's group table."""
    found = {}
    for row in page.locator("#groups tbody tr").all():
        name = row.locator("th").inner_text().strip()
        cells = row.locator("td").all_inner_texts()
        numbers = [c for c in cells if re.fullmatch(r"\d+", c.strip())]
        found[name] = (int(numbers[0]), int(numbers[1]))
    return found


def test_hr_adviser_drills_down_filters_and_exports_what_the_page_shows(page, live_server, tmp_path):
    seed(live_server)
    launch_as_hr(page)
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


def test_every_hr_page_has_no_axe_violations(axe_page, live_server):
    seed(live_server, person_view=True)
    launch_as_hr(axe_page)
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
