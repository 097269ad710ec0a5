"""/hr/oproepen for a team manager: the campaigns that ask their teams, with only their teams' people counted.

In the hand-built organisation the manager M1 leads Afdeling Zon (T1, six VIG); Afdeling Maan (T2)
has five helpende and one VIG, Rotterdam's teams three VIG each.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from service import models as m
from service.operations.people import find_or_create_person, grant_role
from tests.integration.hr.conftest import signed_in
from tests.integration.hr.test_campaigns import ask, row_of, take_test
from tests.support.compliance_org import ISSUER, NOW


def campaign_ids(database) -> dict[str, int]:
    with database.begin() as session:
        return dict(session.execute(select(m.Campaign.title, m.Campaign.id)).all())


def make_campaigns(client, hr_org) -> None:
    hr = signed_in(client, hr_org.hr)
    for title, fields in (("Zon", {"team": hr_org.teams["T1"]}), ("Maan", {"team": hr_org.teams["T2"]}),
                          ("Den Haag", {"location": hr_org.locations["L1"]}),
                          ("Helpenden", {"function": hr_org.profiles["helpende"]}),
                          ("Rotterdam", {"location": hr_org.locations["L2"]}),
                          ("Alle VIG", {"function": hr_org.profiles["vig"]})):
        assert ask(hr, title=title, **{k: str(v) for k, v in fields.items()}).status_code == 302


def test_a_manager_sees_only_the_campaigns_that_ask_their_teams(database, client, hr_org):
    make_campaigns(client, hr_org)
    take_test(database, hr_org.people["p1"], finished=True)
    take_test(database, hr_org.people["p2"], finished=False)
    take_test(database, hr_org.people["q1"], finished=True)  # Afdeling Maan: never counted for M1
    manager = signed_in(client, hr_org.people["manager"])
    response = manager.get("/hr/oproepen")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = set(re.findall(r'<th scope="row">([^<]+)</th>', page))
    assert shown == {"Zon", "Den Haag", "Alle VIG"}
    for title in shown:  # Den Haag asks 12 and Alle VIG 13, but M1 sees only Afdeling Zon's six
        assert "<td>6</td><td>2</td><td>1</td>" in row_of(page, title), title
    assert "U ziet de oproepen van HR voor uw teams" in page
    assert "Nieuwe oproep" not in page and "/herinnering\"" not in page
    hr_page = signed_in(client, hr_org.hr).get("/hr/oproepen").get_data(as_text=True)
    assert "<td>12</td><td>3</td><td>2</td>" in row_of(hr_page, "Den Haag")  # HR: the whole location


def test_a_manager_cannot_ask_or_remind(database, client, hr_org):
    make_campaigns(client, hr_org)
    ids = campaign_ids(database)
    manager = signed_in(client, hr_org.people["manager"])
    manager.get("/hr/oproepen")
    response = manager.post("/hr/oproepen", data={"title": "Van de manager", "test": "ecd-rapportage",
                                                   "team": str(hr_org.teams["T1"]), "due_on": "2027-03-01"})
    assert response.status_code == 403
    assert manager.post(f"/hr/oproepen/{ids['Zon']}/herinnering").status_code == 403
    assert "Van de manager" not in campaign_ids(database)
    with database.begin() as session:
        assert session.scalar(select(m.OutboxItem.id)) is None


def test_a_manager_without_teams_sees_no_campaigns(database, client, hr_org):
    make_campaigns(client, hr_org)
    with database.begin() as session:
        session.execute(m.HrRecord.__table__.update().values(manager_number=None))
    page = signed_in(client, hr_org.people["manager"]).get("/hr/oproepen").get_data(as_text=True)
    assert "Er zijn nog geen oproepen." in page


def test_another_organisations_manager_sees_none_of_these(database, client, hr_org):
    make_campaigns(client, hr_org)
    with database.begin() as session:
        other = find_or_create_person(session, session.get(m.Organisation, hr_org.other.id), ISSUER, "mgr-b", NOW)
        other.personnel_number = "M1"  # the same number as zorg-a's manager: still another organisation
        grant_role(session, other, m.ToolRole.MANAGER, granted_by="hr_import")
        other_id = other.id
    page = signed_in(client, other_id).get("/hr/oproepen").get_data(as_text=True)
    assert "Er zijn nog geen oproepen." in page and "Zon" not in page


def test_a_managers_part_is_hidden_when_the_rest_of_the_campaign_is_a_small_group(database, client, hr_org):
    """Den Haag's VIG: Afdeling Zon's six and the one VIG of Afdeling Maan. HR sees seven; were M1 shown
    Zon's six, the difference would be that one person's progress."""
    with database.begin() as session:
        session.get(m.Organisation, hr_org.organisation.id).hr_person_view = True
    hr = signed_in(client, hr_org.hr)
    assert ask(hr, title="Den Haag VIG", location=str(hr_org.locations["L1"]),
               function=str(hr_org.profiles["vig"])).status_code == 302
    assert "<td>7</td>" in row_of(hr.get("/hr/oproepen").get_data(as_text=True), "Den Haag VIG")
    manager = signed_in(client, hr_org.people["manager"])
    row = row_of(manager.get("/hr/oproepen").get_data(as_text=True), "Den Haag VIG")
    assert "Te weinig medewerkers" in row and "<td>6</td>" not in row
    response = manager.get(f"/hr/oproepen/{campaign_ids(database)['Den Haag VIG']}/herinneringslijst.csv")
    assert response.status_code == 409 and "minder dan 5 medewerkers" in response.get_data(as_text=True)
