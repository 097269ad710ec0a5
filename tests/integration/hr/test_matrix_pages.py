"""/hr/matrix and /hr/medewerker: the skills matrix per team, what is behind a cell, and exemptions."""

from __future__ import annotations

import re

from sqlalchemy import select

from service import models as m
from tests.integration.hr.conftest import names, signed_in
from tests.integration.hr.test_exports import audit_rows


def allow_person_view(database, hr_org) -> None:
    with database.begin() as session:
        session.get(m.Organisation, hr_org.organisation.id).hr_person_view = True


def test_without_person_view_the_matrix_is_requirements_by_team(database, client, hr_org):
    page = signed_in(client, hr_org.hr).get(f"/hr/matrix?team={hr_org.teams['T1']}").get_data(as_text=True)
    assert 'id="person-matrix"' not in page and not names(page, "P1")
    team = page.split('id="team-matrix"')[1]
    assert "Afdeling Zon" in team and "Afdeling Maan" not in team  # the team filter holds
    # Veilige wachtwoorden in Zon: p1 met, p2 expiring soon, p4 exempt
    assert re.search(r"Veilige wachtwoorden</th>\s*<td class=\"heat heat-band-mid\">\s*<a [^>]+>3 van 6</a>", team)
    assert audit_rows(database, "hr.person_statuses.view") == []
    assert client.get(f"/hr/medewerker/{hr_org.people['p1']}").status_code == 403


def test_with_person_view_the_matrix_shows_status_and_date_only_and_is_logged(database, client, hr_org):
    allow_person_view(database, hr_org)
    page = signed_in(client, hr_org.hr).get(f"/hr/matrix?team={hr_org.teams['T1']}").get_data(as_text=True)
    people = page.split('id="person-matrix"')[1].split("</table>")[0]
    assert people.count('<tr><th scope="row">') == 6  # p1-p5 and P6 who never launched
    assert 'class="heat heat-expiring">Voldoet, verloopt binnenkort<br><small>15-12-2024' in people
    assert "hulp gepland" not in people  # p3's help request stays hidden
    assert "Legenda" in page and "Niet getoetst" in page
    rows = audit_rows(database, "hr.person_statuses.view")
    assert len(rows) == 1 and rows[0].actor_id == hr_org.hr and f"teams={hr_org.teams['T1']}" in rows[0].detail


def test_a_manager_cannot_open_a_person_outside_their_teams(database, client, hr_org):
    allow_person_view(database, hr_org)
    browser = signed_in(client, hr_org.people["manager"])
    assert browser.get(f"/hr/medewerker/{hr_org.people['p1']}").status_code == 200
    assert browser.get(f"/hr/medewerker/{hr_org.people['q1']}").status_code == 404  # Afdeling Maan
    assert browser.get(f"/hr/matrix?team={hr_org.teams['T2']}").status_code == 422


def test_hr_grants_an_exemption_with_reason_and_end_date(database, client, hr_org):
    allow_person_view(database, hr_org)
    browser = signed_in(client, hr_org.hr)
    p5 = hr_org.people["p5"]
    page = browser.get(f"/hr/medewerker/{p5}").get_data(as_text=True)
    assert "Vrijstelling geven" in page
    bad = browser.post(f"/hr/medewerker/{p5}/vrijstelling", data={"skill": "wachtwoord-veilig", "reason": " ",
                                                                  "until": "2020-01-01"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Schrijf op waarom" in text and "De einddatum ligt in het verleden" in text
    odd = browser.post(f"/hr/medewerker/{p5}/vrijstelling", data={"skill": "wachtwoord-veilig", "reason": "Papier",
                                                                  "until": "31-02-2027"})
    assert odd.status_code == 422 and "Dit is geen datum" in odd.get_data(as_text=True)
    done = browser.post(f"/hr/medewerker/{p5}/vrijstelling", data={"skill": "wachtwoord-veilig",
                                                                   "reason": "Werkt alleen met papier",
                                                                   "until": "2027-06-30"})
    assert done.status_code == 302
    page = browser.get(f"/hr/medewerker/{p5}").get_data(as_text=True)
    assert re.search(r"wachtwoord-veilig</th><td class=\"heat heat-exempt\">Vrijgesteld", page)
    assert "tot en met 30-06-2027" in page
    with database.begin() as session:
        assert session.scalar(select(m.Exemption.reason).where(m.Exemption.person_id == p5)) == "Werkt alleen met papier"
    assert len(audit_rows(database, "hr.exemption.grant")) == 1


def test_a_manager_cannot_grant_exemptions(database, client, hr_org):
    allow_person_view(database, hr_org)
    browser = signed_in(client, hr_org.people["manager"])
    page = browser.get(f"/hr/medewerker/{hr_org.people['p5']}").get_data(as_text=True)
    assert "Vrijstelling geven" not in page
    response = browser.post(f"/hr/medewerker/{hr_org.people['p5']}/vrijstelling",
                            data={"skill": "wachtwoord-veilig", "reason": "x", "until": "2027-01-01"})
    assert response.status_code == 403
