"""Exemptions for people in the HR file who never launched: granted, audited, carried over at the first launch.

P6 of Afdeling Zon (tests/support/compliance_org.py) is an HR row no launch has linked: "not
tested" on both requirements. Their key on the HR pages is minus the HR record's id.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from service import models as m
from service.errors import NotFoundError
from service.operations import compliance as c
from service.operations import compliance_people as people
from service.operations import hr_people
from service.operations.hr_import.links import match_at_launch
from service.operations.people import find_or_create_person
from tests.integration.hr.conftest import signed_in
from tests.integration.hr.test_exports import audit_rows
from tests.support.compliance_org import ISSUER, NOW, TODAY

EXEMPTION = {"skill": "wachtwoord-veilig", "reason": "Werkt alleen op papier", "until": "2027-06-30"}


def record_of(database, hr_org, number: str = "P6") -> int:
    with database.begin() as session:
        session.get(m.Organisation, hr_org.organisation.id).hr_person_view = True
        return session.scalar(select(m.HrRecord.id).where(m.HrRecord.organisation_id == hr_org.organisation.id,
                                                          m.HrRecord.personnel_number == number))


def zon(session, hr_org):
    board = c.dashboard(session, session.get(m.Organisation, hr_org.organisation.id), today=TODAY, level="team")
    group = next(g for g in board.groups if g.key == (hr_org.locations["L1"], hr_org.teams["T1"]))
    return {s.skill_code: dict(s.counts) for s in group.requirements}, group.all_met


def test_hr_exempts_someone_from_the_hr_file_who_never_launched(database, client, hr_org):
    record = record_of(database, hr_org)
    browser = signed_in(client, hr_org.hr)
    page = browser.get(f"/hr/medewerker/{-record}").get_data(as_text=True)
    assert "Vrijstelling geven" in page
    bad = browser.post(f"/hr/medewerker/{-record}/vrijstelling", data={**EXEMPTION, "reason": " "})
    assert bad.status_code == 422 and "Schrijf op waarom" in bad.get_data(as_text=True)
    with database.begin() as session:
        before, _met = zon(session, hr_org)
    assert browser.post(f"/hr/medewerker/{-record}/vrijstelling", data=EXEMPTION).status_code == 302

    page = browser.get(f"/hr/medewerker/{-record}").get_data(as_text=True)
    assert re.search(r"wachtwoord-veilig</th><td class=\"heat heat-exempt\">Vrijgesteld", page)
    assert "tot en met 30-06-2027" in page and "Werkt alleen op papier" in page
    with database.begin() as session:
        stored = session.scalars(select(m.Exemption).where(m.Exemption.hr_record_id == record)).one()
        assert (stored.person_id, stored.granted_by_id, stored.until) == (None, hr_org.hr, date(2027, 6, 30))
        after, _met = zon(session, hr_org)
    assert after["wachtwoord-veilig"]["exempt"] == before["wachtwoord-veilig"]["exempt"] + 1
    assert after["wachtwoord-veilig"].get("not_tested", 0) == before["wachtwoord-veilig"]["not_tested"] - 1
    logged = audit_rows(database, "hr.exemption.grant")
    assert len(logged) == 1
    assert logged[0].actor_id == hr_org.hr and logged[0].subject == f"hr_record:{record}"
    assert "skill=wachtwoord-veilig" in logged[0].detail and "until=2027-06-30" in logged[0].detail


def test_the_exemption_carries_over_when_that_person_first_launches(database, hr_org):
    record = record_of(database, hr_org)
    with database.begin() as session:
        organisation = session.get(m.Organisation, hr_org.organisation.id)
        hr = session.get(m.Person, hr_org.hr)
        for skill in ("wachtwoord-veilig", "ecd-rapporteren"):
            people.grant_exemption(session, organisation, hr, -record, skill, "Start pas in 2027", date(2027, 3, 1),
                                   TODAY)
        _split, met_before = zon(session, hr_org)
    with database.begin() as session:  # the first launch, with the personnel number from the LMS
        organisation = session.get(m.Organisation, hr_org.organisation.id)
        person = find_or_create_person(session, organisation, ISSUER, "p6-launch", NOW)
        assert match_at_launch(session, organisation, person, "P6", NOW).id == record
        person_id = person.id
    with database.begin() as session:
        organisation = session.get(m.Organisation, hr_org.organisation.id)
        hr = session.get(m.Person, hr_org.hr)
        row = hr_people.one_person(session, organisation, hr, person_id, today=TODAY, teams=None)
        granted = sorted(e.skill.code for e in hr_people.exemptions(session, organisation, person_id))
        split, met_after = zon(session, hr_org)
    assert [(s.skill_code, s.status) for s in row.statuses] == [("ecd-rapporteren", "exempt"),
                                                               ("wachtwoord-veilig", "exempt")]
    assert granted == ["ecd-rapporteren", "wachtwoord-veilig"]
    assert met_after == met_before  # still counted once, still meeting everything by exemption
    assert sum(split["wachtwoord-veilig"].values()) == 6


def test_another_organisations_hr_cannot_see_or_exempt_them(database, client, hr_org):
    record = record_of(database, hr_org)
    browser = signed_in(client, hr_org.hr_other)
    with database.begin() as session:
        session.get(m.Organisation, hr_org.other.id).hr_person_view = True
    assert browser.get(f"/hr/medewerker/{-record}").status_code == 404
    assert browser.post(f"/hr/medewerker/{-record}/vrijstelling", data=EXEMPTION).status_code == 404
    with database.begin() as session:
        other = session.get(m.Organisation, hr_org.other.id)
        with pytest.raises(NotFoundError):
            people.grant_exemption(session, other, session.get(m.Person, hr_org.hr_other), -record,
                                   "wachtwoord-veilig", "x", date(2027, 1, 1), TODAY)
    with database.begin() as session:
        assert session.scalars(select(m.Exemption).where(m.Exemption.hr_record_id == record)).all() == []
    assert audit_rows(database, "hr.exemption.grant") == []
