"""/hr/export.csv|xlsx: the current view as a file, formulas neutralised, group minimum kept, every export logged."""

from __future__ import annotations

import csv
import io

import openpyxl
from sqlalchemy import select

from service import models as m
from tests.integration.hr.conftest import signed_in


def audit_rows(database, action: str) -> list[m.AuditEvent]:
    with database.begin() as session:
        rows = list(session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == action)))
        session.expunge_all()
        return rows


def rename_team(database, team_id: int, name: str) -> None:
    with database.begin() as session:
        session.get(m.Team, team_id).name = name


def test_csv_is_dutch_excel_ready_and_neutralises_formulas(database, client, hr_org):
    rename_team(database, hr_org.teams["T1"], "=HYPERLINK(\"http://evil\")")
    rename_team(database, hr_org.teams["T2"], "@SUM(A1)")
    response = signed_in(client, hr_org.hr).get("/hr/export.csv?niveau=team")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert ["# niveau", "team"] in rows and ["# locatie", "alle"] in rows
    by_team = {row[2]: row for row in rows if row[0] == "groep"}
    assert set(by_team) == {"'=HYPERLINK(\"http://evil\")", "'@SUM(A1)", "overig"}
    assert by_team["'=HYPERLINK(\"http://evil\")"][4:7] == ["6", "2", "33,3"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_xlsx_has_a_frozen_header_the_filters_and_the_page_figures(database, client, hr_org):
    rename_team(database, hr_org.teams["T1"], "+31 Zon")
    response = signed_in(client, hr_org.hr).client.get(f"/hr/export.xlsx?niveau=team&locatie={hr_org.locations['L1']}")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet, used = workbook["Groepen"], workbook["Filters"]
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.values)
    assert rows[0][:7] == ("soort", "locatie", "team", "functie", "medewerkers", "voldoet aan alles",
                           "% voldoet aan alles")
    figures = {row[2]: row[4:7] for row in rows[1:]}
    assert figures == {None: (12, 3, 25.0), "'+31 Zon": (6, 2, 33.3), "Afdeling Maan": (6, 1, 16.7)}
    assert dict(list(used.values)[1:]) == {"niveau": "team", "peildatum": "30-11-2026", "locatie": "Den Haag",
                                           "team": "alle", "functie": "alle"}


def test_every_export_is_audit_logged_with_its_filters(database, client, hr_org):
    browser = signed_in(client, hr_org.hr)
    browser.get(f"/hr/export.csv?niveau=team&team={hr_org.teams['T1']}")
    client.get("/hr/export.xlsx")
    rows = audit_rows(database, "hr.export")
    assert [(r.actor_id, r.organisation_id) for r in rows] == [(hr_org.hr, hr_org.organisation.id)] * 2
    assert "format=csv" in rows[0].detail and "team=Afdeling Zon" in rows[0].detail
    assert "format=xlsx" in rows[1].detail and "content=groepen" in rows[1].detail


def test_person_export_only_where_the_organisation_allows_it(database, client, hr_org):
    browser = signed_in(client, hr_org.hr)
    assert browser.get("/hr/export.csv?inhoud=personen").status_code == 403
    assert audit_rows(database, "hr.export") == []
    with database.begin() as session:
        session.get(m.Organisation, hr_org.organisation.id).hr_person_view = True
    body = browser.get(f"/hr/export.csv?inhoud=personen&team={hr_org.teams['T1']}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    header = next(row for row in rows if row[0] == "personeelsnummer")
    assert header == ["personeelsnummer", "naam", "locatie", "team", "functie", "vaardigheid", "status", "datum"]
    p5 = {row[5]: row[6:] for row in rows if row[0] == "P5"}
    assert p5 == {"ecd-rapporteren": ["Voldoet", "01-03-2026"], "wachtwoord-veilig": ["Voldoet nog niet", "01-03-2026"]}
    p3 = {row[5]: row[6] for row in rows if row[0] == "P3"}
    assert p3["ecd-rapporteren"] == "Voldoet nog niet"  # never "hulp gepland": that would reveal a help request
    assert {row[3] for row in rows[rows.index(header) + 1:]} == {"Afdeling Zon"}
    assert len(audit_rows(database, "hr.person_statuses.view")) == 1
    assert "content=personen" in audit_rows(database, "hr.export")[0].detail


def test_works_council_file_has_no_person_data(database, client, hr_org):
    with database.begin() as session:
        session.get(m.Organisation, hr_org.organisation.id).hr_person_view = True
    body = signed_in(client, hr_org.hr).get("/hr/export.csv?niveau=function").get_data(as_text=True)
    assert "P1" not in body and "personeelsnummer" not in body
    assert audit_rows(database, "hr.person_statuses.view") == []
