"""/hr/oproepen: HR asks a group to take a test by a date; progress (group minimum), start page, reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from service import models as m
from service.operations.people import get_profile
from tests.integration.hr.conftest import signed_in
from tests.integration.hr.test_exports import audit_rows


def ask(browser, **fields):
    data = {"title": "Alle verzorgenden IG vóór 1 maart", "test": "ecd-rapportage", "location": "", "team": "",
            "function": "", "due_on": "2027-03-01", **fields}
    browser.get("/hr/oproepen")
    return browser.post("/hr/oproepen", data=data)


def take_test(database, person_id: int, *, finished: bool) -> None:
    with database.begin() as session:
        version = session.scalar(select(m.TestVersion).join(m.DigiTest).where(m.DigiTest.code == "ecd-rapportage"))
        when = datetime.now(UTC) + timedelta(seconds=1)
        session.add(m.Attempt(organisation_id=session.get(m.Person, person_id).organisation_id, person_id=person_id,
                              test_version_id=version.id, shuffle_seed=1, started_at=when,
                              submitted_at=when if finished else None,
                              status=m.AttemptStatus.SCORED if finished else m.AttemptStatus.IN_PROGRESS))


def row_of(page: str, title: str) -> str:
    return page.split(f'<th scope="row">{title}</th>')[1].split("</tr>")[0]


def test_campaign_shows_progress_and_the_employee_sees_it(database, client, hr_org):
    browser = signed_in(client, hr_org.hr)
    assert ask(browser, team=str(hr_org.teams["T1"]), function=str(hr_org.profiles["vig"])).status_code == 302
    assert ask(browser, title="Rotterdam Ster", team=str(hr_org.teams["T3"])).status_code == 302
    take_test(database, hr_org.people["p1"], finished=True)
    take_test(database, hr_org.people["p2"], finished=False)
    page = browser.get("/hr/oproepen").get_data(as_text=True)
    assert "<td>6</td><td>2</td><td>1</td>" in row_of(page, "Alle verzorgenden IG vóór 1 maart")
    assert "Te weinig medewerkers (minder dan 5)" in row_of(page, "Rotterdam Ster")  # a team of three
    assert len(audit_rows(database, "hr.campaign.change")) == 2
    mine = signed_in(client, hr_org.people["p1"]).get("/toetsen").get_data(as_text=True)
    assert "Gevraagd door je organisatie" in mine and "01-03-2027" in mine and "Klaar. Dank je wel!" in mine
    other = signed_in(client, hr_org.people["q1"]).get("/toetsen").get_data(as_text=True)
    assert "Alle verzorgenden IG" not in other  # q1 is a helpende in Afdeling Maan


def test_a_wrong_campaign_names_its_fields_and_stores_nothing(database, client, hr_org):
    browser = signed_in(client, hr_org.hr)
    response = ask(browser, title="", test="bestaat-niet", due_on="2020-01-01", team=str(hr_org.teams["T1"] + 999))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for message in ("Geef de oproep een titel", "Kies een toets uit de lijst", "Deze datum ligt in het verleden",
                    "Dit team bestaat niet"):
        assert message in text
    assert "Kies een locatie, een team of een functie" in ask(browser, due_on="2027-01-01").get_data(as_text=True)
    assert "Deze functie bestaat niet" in ask(browser, function="'; drop table").get_data(as_text=True)
    with database.begin() as session:
        assert session.scalar(select(m.Campaign.id)) is None


def test_reminder_goes_to_those_who_have_not_started_once_a_day(database, client, hr_org):
    with database.begin() as session:
        for key in ("p1", "p2", "p3"):
            session.get(m.Person, hr_org.people[key]).email = f"{key}@zorg-a.example"
    browser = signed_in(client, hr_org.hr)
    ask(browser, team=str(hr_org.teams["T1"]))
    take_test(database, hr_org.people["p1"], finished=False)
    with database.begin() as session:
        campaign_id = session.scalar(select(m.Campaign.id))
    browser.get("/hr/oproepen")
    response = browser.post(f"/hr/oproepen/{campaign_id}/herinnering")
    assert response.status_code == 302
    with database.begin() as session:
        mails = list(session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.MAIL)))
        sent_to = sorted(item.payload["to"] for item in mails)
        body = mails[0].payload["text"]
    assert sent_to == ["p2@zorg-a.example", "p3@zorg-a.example"]  # p1 started; p4, p5 and P6 have no address
    assert "01-03-2027" in body and "/toetsen" in body and "Afdeling" not in body
    page = browser.get("/hr/oproepen").get_data(as_text=True)
    assert "Er staan 2 herinneringen klaar om te versturen." in page
    browser.post(f"/hr/oproepen/{campaign_id}/herinnering")
    page = browser.get("/hr/oproepen").get_data(as_text=True)
    assert "Er ging vandaag al een herinnering uit" in page
    assert len(audit_rows(database, "hr.campaign.remind")) == 1


def test_another_organisation_cannot_remind_this_ones_campaign(database, client, hr_org):
    ask(signed_in(client, hr_org.hr), team=str(hr_org.teams["T1"]))
    with database.begin() as session:
        campaign_id = session.scalar(select(m.Campaign.id))
    browser = signed_in(client, hr_org.hr_other)
    page = browser.get("/hr/oproepen").get_data(as_text=True)
    assert "Alle verzorgenden IG" not in page
    assert browser.post(f"/hr/oproepen/{campaign_id}/herinnering").status_code == 404


def test_a_narrower_campaign_is_hidden_when_the_difference_to_a_wider_one_is_a_small_group(database, client, hr_org):
    """Location Ster+Wolk beside team Wolk: their difference (team Ster) must not show by subtraction."""
    def add_records(team: str, count: int, prefix: str) -> None:
        with database.begin() as session:
            profile = get_profile(session, "verzorgende-ig").id
            for n in range(count):
                session.add(m.HrRecord(organisation_id=session.get(m.Team, hr_org.teams[team]).organisation_id,
                                       personnel_number=f"{prefix}{n}", team_id=hr_org.teams[team],
                                       function_profile_id=profile))

    add_records("T4", 3, "W")  # team Wolk: 6 people, big enough on its own; team Ster: 3
    browser = signed_in(client, hr_org.hr)
    assert ask(browser, title="Wolk", team=str(hr_org.teams["T4"])).status_code == 302
    assert ask(browser, title="Ster en Wolk", location=str(hr_org.locations["L2"])).status_code == 302
    page = browser.get("/hr/oproepen").get_data(as_text=True)
    assert "<td>9</td>" in row_of(page, "Ster en Wolk")
    assert "Te weinig medewerkers" in row_of(page, "Wolk")  # 9 - 6 = team Ster's 3 would show
    add_records("T3", 2, "S")  # team Ster now 5: the difference is a group of its own
    page = browser.get("/hr/oproepen").get_data(as_text=True)
    assert "<td>11</td>" in row_of(page, "Ster en Wolk") and "<td>6</td>" in row_of(page, "Wolk")
