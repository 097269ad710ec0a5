"""Lists to remind people: who has not finished a campaign's test, who is not tested for a requirement.

Person-level, so only where the organisation allows person views, never for a group under the
minimum, a manager only for their own teams, every download in the audit log, and formulas in
cells neutralised like the other exports.
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from service import models as m
from tests.integration.hr.conftest import signed_in
from tests.integration.hr.test_campaigns import ask, take_test
from tests.integration.hr.test_exports import audit_rows, rename_team


def allow_person_view(database, organisation_id: int, allowed: bool = True) -> None:
    with database.begin() as session:
        session.get(m.Organisation, organisation_id).hr_person_view = allowed


def campaign(database, client, hr_org, **fields) -> int:
    assert ask(signed_in(client, hr_org.hr), **{k: str(v) for k, v in fields.items()}).status_code == 302
    with database.begin() as session:
        return session.scalar(select(m.Campaign.id).order_by(m.Campaign.id.desc()))


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf") and "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def people_in(rows: list[list[str]]) -> dict[str, list[str]]:
    """Personnel number -> the rest of its row (the rows under the header)."""
    header = next(i for i, row in enumerate(rows) if row and row[0] == "personeelsnummer")
    return {row[0]: row[1:] for row in rows[header + 1:] if row}


def test_campaign_list_names_who_has_not_finished(database, client, hr_org):
    allow_person_view(database, hr_org.organisation.id)
    rename_team(database, hr_org.teams["T1"], "=HYPERLINK(\"http://evil\")")
    campaign_id = campaign(database, client, hr_org, team=hr_org.teams["T1"])
    take_test(database, hr_org.people["p1"], finished=True)
    take_test(database, hr_org.people["p2"], finished=False)
    hr = signed_in(client, hr_org.hr)
    page = hr.get("/hr/oproepen").get_data(as_text=True)
    assert f"/hr/oproepen/{campaign_id}/herinneringslijst.xlsx" in page
    rows = csv_rows(hr.get(f"/hr/oproepen/{campaign_id}/herinneringslijst.csv"))
    found = people_in(rows)
    assert set(found) == {"P2", "P3", "P4", "P5", "P6"}  # P1 finished; P6 has no launch yet
    assert found["P2"][-1] == "begonnen, niet klaar" and found["P3"][-1] == "niet begonnen"
    assert found["P3"][3] == "'=HYPERLINK(\"http://evil\")"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert ["# oproep", "Alle verzorgenden IG vóór 1 maart"] in rows
    [export] = audit_rows(database, "hr.export")
    assert (export.actor_id, export.subject) == (hr_org.hr, f"campaign:{campaign_id}")
    assert "content=herinneringslijst" in export.detail and "format=csv" in export.detail
    assert "purpose=reminder-list" in audit_rows(database, "hr.person_statuses.view")[0].detail


def test_campaign_list_as_xlsx(database, client, hr_org):
    allow_person_view(database, hr_org.organisation.id)
    campaign_id = campaign(database, client, hr_org, team=hr_org.teams["T1"])
    response = signed_in(client, hr_org.hr).client.get(f"/hr/oproepen/{campaign_id}/herinneringslijst.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook["Herinneren"]
    rows = list(sheet.values)
    assert sheet.freeze_panes == "A2"
    assert rows[0] == ("personeelsnummer", "naam", "e-mail", "locatie", "team", "functie", "stand")
    assert sorted(row[0] for row in rows[1:]) == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert {row[4] for row in rows[1:]} == {"Afdeling Zon"}


def test_no_list_without_person_view_or_for_a_small_group(database, client, hr_org):
    small = campaign(database, client, hr_org, title="Ster", team=hr_org.teams["T3"])  # three people
    zon = campaign(database, client, hr_org, team=hr_org.teams["T1"])
    hr = signed_in(client, hr_org.hr)
    response = hr.get(f"/hr/oproepen/{zon}/herinneringslijst.csv")
    assert response.status_code == 403
    assert "alleen cijfers per groep" in response.get_data(as_text=True)
    assert "herinneringslijst" not in hr.get("/hr/oproepen").get_data(as_text=True)
    allow_person_view(database, hr_org.organisation.id)
    response = hr.get(f"/hr/oproepen/{small}/herinneringslijst.csv")
    assert response.status_code == 409
    assert "minder dan 5 medewerkers" in response.get_data(as_text=True)
    assert "Geen lijst: te weinig medewerkers" in hr.get("/hr/oproepen").get_data(as_text=True)
    assert hr.get(f"/hr/oproepen/{zon}/herinneringslijst.pdf").status_code == 404
    assert audit_rows(database, "hr.export") == [] and audit_rows(database, "hr.person_statuses.view") == []


def test_a_manager_gets_the_list_of_their_own_team_only(database, client, hr_org):
    allow_person_view(database, hr_org.organisation.id)
    location = campaign(database, client, hr_org, title="Den Haag", location=hr_org.locations["L1"])
    maan = campaign(database, client, hr_org, title="Maan", team=hr_org.teams["T2"])
    manager = signed_in(client, hr_org.people["manager"])
    found = people_in(csv_rows(manager.get(f"/hr/oproepen/{location}/herinneringslijst.csv")))
    assert set(found) == {"P1", "P2", "P3", "P4", "P5", "P6"}  # Den Haag asks Afdeling Maan too: not in M1's list
    assert manager.get(f"/hr/oproepen/{maan}/herinneringslijst.csv").status_code == 404
    hr_rows = people_in(csv_rows(signed_in(client, hr_org.hr).get(f"/hr/oproepen/{location}/herinneringslijst.csv")))
    assert "Q1" in hr_rows and len(hr_rows) > 6


def test_another_organisation_gets_no_list_of_this_ones_campaign(database, client, hr_org):
    allow_person_view(database, hr_org.organisation.id)
    allow_person_view(database, hr_org.other.id)
    campaign_id = campaign(database, client, hr_org, team=hr_org.teams["T1"])
    assert signed_in(client, hr_org.hr_other).get(f"/hr/oproepen/{campaign_id}/herinneringslijst.csv").status_code == 404
    assert audit_rows(database, "hr.export") == []


def test_an_employee_gets_no_list(database, client, hr_org):
    allow_person_view(database, hr_org.organisation.id)
    campaign_id = campaign(database, client, hr_org, team=hr_org.teams["T1"])
    employee = signed_in(client, hr_org.employee)
    assert employee.get(f"/hr/oproepen/{campaign_id}/herinneringslijst.csv").status_code == 403
    assert employee.get("/hr/niet-getoetst.csv?vaardigheid=ecd-rapporteren").status_code == 403


def test_not_tested_list_per_requirement(database, client, hr_org):
    allow_person_view(database, hr_org.organisation.id)
    rename_team(database, hr_org.teams["T1"], "@SUM(A1)")
    hr = signed_in(client, hr_org.hr)
    page = hr.get(f"/hr?team={hr_org.teams['T1']}").get_data(as_text=True)
    assert "/hr/niet-getoetst.xlsx?vaardigheid=ecd-rapporteren" in page
    rows = csv_rows(hr.get(f"/hr/niet-getoetst.csv?vaardigheid=ecd-rapporteren&team={hr_org.teams['T1']}"))
    found = people_in(rows)
    # P4's exemption for this skill ended yesterday; P6 never launched
    assert set(found) == {"P4", "P6"}
    assert found["P4"][2] == "'@SUM(A1)" and found["P4"][-1] == "Niet getoetst"
    assert ["# vaardigheid", "ecd-rapporteren"] in rows
    assert set(people_in(csv_rows(hr.get(f"/hr/niet-getoetst.csv?vaardigheid=wachtwoord-veilig&team="
                                         f"{hr_org.teams['T1']}")))) == {"P6"}  # P4 is exempt here
    [export, _second] = audit_rows(database, "hr.export")
    assert "content=niet-getoetst" in export.detail and "vaardigheid=ecd-rapporteren" in export.detail
    assert "not-tested:ecd-rapporteren" in audit_rows(database, "hr.person_statuses.view")[0].detail
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(
        "/hr/niet-getoetst.xlsx?vaardigheid=ecd-rapporteren").get_data()))["Niet getoetst"]
    whole = {row[0] for row in list(sheet.values)[1:]}
    assert {"P4", "P6", "T3-0"} <= whole and "P1" not in whole


@pytest.mark.parametrize("query, status, words", [
    ("vaardigheid=bestaat-niet", 422, "Niemand in deze selectie moet aan deze vaardigheid voldoen"),
    ("vaardigheid=", 422, "Niemand in deze selectie moet aan deze vaardigheid voldoen"),
    ("vaardigheid=ecd-rapporteren&team={T3}", 409, "minder dan 5 medewerkers"),
    ("vaardigheid=ecd-rapporteren&periode=2026-13", 422, ""),
])
def test_not_tested_list_refuses_with_a_dutch_reason(database, client, hr_org, query, status, words):
    allow_person_view(database, hr_org.organisation.id)
    response = signed_in(client, hr_org.hr).get("/hr/niet-getoetst.csv?" + query.format(T3=hr_org.teams["T3"]))
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    assert audit_rows(database, "hr.export") == [] and audit_rows(database, "hr.person_statuses.view") == []


def test_not_tested_list_needs_person_view_and_keeps_a_manager_to_their_teams(database, client, hr_org):
    hr = signed_in(client, hr_org.hr)
    assert hr.get("/hr/niet-getoetst.csv?vaardigheid=ecd-rapporteren").status_code == 403
    assert "niet-getoetst" not in hr.get("/hr").get_data(as_text=True)
    allow_person_view(database, hr_org.organisation.id)
    manager = signed_in(client, hr_org.people["manager"])
    found = people_in(csv_rows(manager.get("/hr/niet-getoetst.csv?vaardigheid=ecd-rapporteren")))
    assert set(found) == {"P4", "P6"}  # Afdeling Maan's and Rotterdam's untested people are not M1's
    assert manager.get(f"/hr/niet-getoetst.csv?vaardigheid=ecd-rapporteren&team={hr_org.teams['T2']}").status_code == 422


def test_another_organisations_hr_gets_only_their_own_people(database, client, hr_org):
    allow_person_view(database, hr_org.other.id)
    other = signed_in(client, hr_org.hr_other)
    assert other.get(f"/hr/niet-getoetst.csv?vaardigheid=ecd-rapporteren&team={hr_org.teams['T1']}").status_code == 422
    response = other.get("/hr/niet-getoetst.csv?vaardigheid=ecd-rapporteren")
    assert people_in(csv_rows(response)) == {}  # zorg-b's six all meet it
    assert "P4" not in response.get_data(as_text=True) and "Zon" not in response.get_data(as_text=True)


def test_extra_url_arguments_do_not_break_the_dashboard_links(database, client, hr_org):
    allow_person_view(database, hr_org.organisation.id)
    hr = signed_in(client, hr_org.hr)
    response = hr.get(f"/hr?inhoud=personen&vaardigheid=x&fmt=pdf&team={hr_org.teams['T1']}")
    assert response.status_code == 200  # these names are the export links' own: they used to clash (a 500)
    page = response.get_data(as_text=True)
    assert f"/hr/export.csv?inhoud=personen&amp;team={hr_org.teams['T1']}" in page
    links = re.findall(r'href="(/hr/(?:export|niet-getoetst)[^"]*)"', page)
    assert len(links) >= 6
    assert not any("vaardigheid=x" in link or "fmt=" in link for link in links), links
