"""/hr: the dashboard's figures, drill-down, filters and scope, against the hand-built organisation (both databases)."""

from __future__ import annotations

import io
import itertools
import re

import openpyxl
import pytest

from service import models as m
from tests.integration.hr.conftest import signed_in

ROW = re.compile(r'<tr data-group="([^"]*)">.*?<th scope="row">(.*?)</th>\s*<td>(\d+)</td><td>(\d+)</td>', re.S)


def shown(page: str) -> dict[str, tuple[int, int]]:
    """Group name -> (headcount, meeting all) from the page's group table."""
    return {re.sub(r"<[^>]+>", "", label): (int(n), int(met)) for _key, label, n, met in ROW.findall(page)}


def figure(page: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]+)<', page).group(1)


def test_team_level_shows_the_known_figures_and_pools_small_teams(client, hr_org):
    page = signed_in(client, hr_org.hr).get("/hr?niveau=team").get_data(as_text=True)
    assert shown(page) == {"Afdeling Zon": (6, 2), "Afdeling Maan": (6, 1), "Overig (kleine groepen samen)": (6, 0)}
    assert (figure(page, "headcount"), figure(page, "all-met"), figure(page, "percent")) == ("18", "3", "16.7%")
    ecd = re.search(r'<tr data-skill="ecd-rapporteren">(.*?)</tr>', page, re.S).group(1)
    # 4 met (p1 p2 p5 q1), 1 not yet (p3, follow-up counts as not yet), 13 never tested
    assert re.findall(r'data-split="(\w+)">(\d+)<', ecd) == [
        ("met", "4"), ("not_met", "1"), ("not_tested", "13"), ("expired", "0"), ("exempt", "0")]
    assert "Rapporteren in het ECD (3)" in page  # Afdeling Zon: three people still have to take the test
    zon = page.split("<summary>Afdeling Zon")[1].split("</details>")[0]
    wachtwoord = re.search(r'<tr data-skill="wachtwoord-veilig">(.*?)</tr>', zon, re.S).group(1)
    assert re.findall(r'data-split="(\w+)">(\d+)<', wachtwoord) == [
        ("met", "2"), ("not_met", "1"), ("not_tested", "1"), ("expired", "1"), ("exempt", "1")]
    assert "Afdeling Ster" not in page.split('id="groups"')[1] and "Afdeling Wolk" not in page.split('id="groups"')[1]


def test_drill_down_from_location_to_team_to_function(client, hr_org):
    browser = signed_in(client, hr_org.hr)
    page = browser.get("/hr").get_data(as_text=True)
    assert shown(page) == {"Den Haag": (12, 3), "Rotterdam": (6, 0)}
    link = re.search(r'<a href="([^"]+)">Den Haag</a>', page).group(1).replace("&amp;", "&")
    page = browser.get(link).get_data(as_text=True)
    assert shown(page) == {"Afdeling Zon": (6, 2), "Afdeling Maan": (6, 1)}
    link = re.search(r'<a href="([^"]+)">Afdeling Zon</a>', page).group(1).replace("&amp;", "&")
    assert "niveau=function" in link
    page = browser.get(link).get_data(as_text=True)
    assert shown(page) == {"Verzorgende IG": (6, 2)}
    assert "Rotterdam" not in page.split('id="groups"')[1]


def test_filters_by_function_and_period(client, hr_org):
    browser = signed_in(client, hr_org.hr)
    vig = hr_org.profiles["vig"]
    page = browser.get(f"/hr?niveau=organisation&functie={vig}").get_data(as_text=True)
    # Afdeling Zon's six; the VIG of Maan and of Rotterdam sit in pooled blocks a function filter leaves out
    assert shown(page) == {"Hele organisatie": (6, 2)}
    helpende = hr_org.profiles["helpende"]
    page = browser.get(f"/hr?niveau=organisation&functie={helpende}").get_data(as_text=True)
    assert "Te weinig medewerkers in deze selectie" in page  # Maan's helpenden are pooled with its one VIG
    page = browser.get("/hr?niveau=team&periode=2026-04").get_data(as_text=True)
    assert "Cijfers op 30-04-2026" in page
    # everyone who launched did so on 30 November: in April only Rotterdam's HR records were there
    assert shown(page) == {"Overig (kleine groepen samen)": (6, 0)}


@pytest.mark.parametrize("query, field", [
    ("niveau=alles", "niveau"), ("locatie=abc", "locatie"), ("locatie=99999", "locatie"), ("team=-1", "team"),
    ("functie=1e9", "functie"), ("periode=2026-13", "periode"), ("periode=morgen", "periode"),
    ("periode=2031-01", "periode"),
])
def test_bad_filters_get_a_dutch_message_never_a_500(client, hr_org, query, field):
    response = signed_in(client, hr_org.hr).get(f"/hr?{query}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Dit filter klopt niet" in page
    assert field in page or "Kies" in page or "bestaat niet" in page


def test_manager_sees_only_their_team(client, hr_org):
    browser = signed_in(client, hr_org.people["manager"])
    page = browser.get("/hr?niveau=team").get_data(as_text=True)
    assert shown(page) == {"Afdeling Zon": (6, 2)}
    assert "U ziet alleen de teams waarvan u leidinggevende bent." in page
    assert "Afdeling Maan" not in page and "/hr/import" not in page
    assert browser.get(f"/hr?team={hr_org.teams['T2']}").status_code == 422
    csv = browser.get("/hr/export.csv?niveau=team").get_data(as_text=True)
    assert "Afdeling Zon" in csv and "Afdeling Maan" not in csv and "Rotterdam" not in csv


HR_URLS = ("/hr", "/hr/matrix", "/hr/doelen", "/hr/oproepen", "/hr/medewerker/1", "/hr?niveau=team", "/hr/export.csv",
           "/hr/export.xlsx", "/hr/export.csv?inhoud=personen",
           "/hr/import")


@pytest.mark.parametrize("url", HR_URLS)
def test_an_employee_gets_403_on_every_hr_url(client, hr_org, url):
    assert signed_in(client, hr_org.employee).get(url).status_code == 403


def test_another_organisations_hr_sees_nothing_of_this_one(client, hr_org):
    browser = signed_in(client, hr_org.hr_other)
    page = browser.get("/hr?niveau=team").get_data(as_text=True)
    assert "Afdeling Zon" not in page and "Den Haag" not in page
    assert figure(page, "headcount") == "6"  # zorg-b's own six people
    assert browser.get(f"/hr?team={hr_org.teams['T1']}").status_code == 422
    assert browser.get(f"/hr?locatie={hr_org.locations['L1']}").status_code == 422
    text = client.get("/hr/export.csv?niveau=team").get_data(as_text=True)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/hr/export.xlsx?niveau=team").get_data()))
    text += repr([list(sheet.values) for sheet in workbook])
    assert "Zon" not in text and "Den Haag" not in text and "Rotterdam" not in text
    assert ";6;" in text  # zorg-b's own total is there
    assert browser.get(f"/hr/export.csv?team={hr_org.teams['T1']}").status_code == 422


def test_no_filter_combination_shows_a_group_under_five(client, hr_org):
    browser = signed_in(client, hr_org.hr)
    values = {
        "niveau": ("organisation", "location", "team", "function"),
        "locatie": ("", *map(str, hr_org.locations.values())),
        "team": ("", *map(str, hr_org.teams.values())),
        "functie": ("", *map(str, hr_org.profiles.values())),
    }
    for combo in itertools.product(*values.values()):
        query = "&".join(f"{k}={v}" for k, v in zip(values, combo, strict=True))
        page = browser.get(f"/hr?{query}").get_data(as_text=True)
        counts = [n for n, _met in shown(page).values()]
        total = re.search(r'data-figure="headcount">(\d+)<', page)
        assert all(n >= 5 for n in counts), query
        assert total is None or int(total.group(1)) >= 5, query
        assert total is not None or "Te weinig medewerkers" in page, query
        csv = browser.get(f"/hr/export.csv?{query}").get_data(as_text=True)
        for line in csv.splitlines():
            cells = line.split(";")
            if cells[0] in ("totaal", "groep"):
                assert int(cells[4]) >= 5, (query, line)


def test_small_teams_are_named_only_inside_a_pooled_group(database, client, hr_org):
    with database.begin() as session:
        session.get(m.Organisation, hr_org.organisation.id).min_group_size = 7
    page = signed_in(client, hr_org.hr).get("/hr?niveau=team").get_data(as_text=True)
    assert "Afdeling Zon" not in page.split('id="groups"')[1]  # six people: below seven, pooled
