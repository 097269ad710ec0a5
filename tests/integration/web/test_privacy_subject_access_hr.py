"""Subject access covers what HR sent about a person, HR's exemptions and the coaching they
attended (group sessions too); erasure unlinks their HR record. Nothing of a colleague shows,
and a coach's note stays with the coaches."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from service import models as m
from tests.integration.web.test_privacy_rights import make_admin

HELD = datetime(2026, 11, 2, 10, tzinfo=UTC)


def _hr_and_coaching(database, me: int, colleague: int, coach: int) -> None:
    with database.begin() as session:
        org = session.get(m.Person, me).organisation_id
        skill = session.scalar(select(m.Skill.id).where(m.Skill.code == "wachtwoord-veilig"))
        mine = m.HrRecord(organisation_id=org, personnel_number="P-1001", name="Anna de Vries", function_code="VIG",
                          function_name="Verpleegkundige", employed_from=date(2020, 3, 1), person_id=me,
                          matched_at=HELD)
        theirs = m.HrRecord(organisation_id=org, personnel_number="P-9999", name="Bert Collega 4417",
                            person_id=colleague, matched_at=HELD)
        session.add_all([mine, theirs])
        session.flush()
        session.add_all([
            m.Exemption(organisation_id=org, person_id=me, skill_id=skill, reason="Lange ziekte",
                        until=date(2027, 1, 31), granted_at=HELD),
            # granted to the HR record before the first launch linked it: it is the person's too
            m.Exemption(organisation_id=org, hr_record_id=mine.id, skill_id=skill, reason="Nieuw in dienst",
                        until=date(2027, 2, 28), granted_at=HELD + timedelta(hours=1)),
            m.Exemption(organisation_id=org, person_id=colleague, skill_id=skill, reason="Reden collega 4417",
                        until=date(2027, 1, 31), granted_at=HELD),
        ])
        group = m.CoachingSession(organisation_id=org, coach_id=coach, held_at=HELD)
        alone = m.CoachingSession(organisation_id=org, coach_id=coach, held_at=HELD + timedelta(days=1))
        session.add_all([group, alone])
        session.flush()
        first = m.CoachingSessionVersion(session_id=group.id, number=1, held_at=HELD, form=m.SessionForm.DROP_IN,
                                         skills=["wachtwoord-veilig"], applications=["ecd"],
                                         note="Alleen voor coaches 5521", recorded_by_id=coach)
        corrected = m.CoachingSessionVersion(session_id=group.id, number=2, held_at=HELD, form=m.SessionForm.DROP_IN,
                                             skills=["wachtwoord-veilig"], applications=["ecd"],
                                             note="Alleen voor coaches 5521", recorded_by_id=coach)
        other = m.CoachingSessionVersion(session_id=alone.id, number=1, held_at=HELD + timedelta(days=1),
                                         form=m.SessionForm.ON_THE_JOB, skills=[], applications=[],
                                         recorded_by_id=coach)
        session.add_all([first, corrected, other])
        session.flush()
        session.add_all([
            m.CoachingAttendance(version_id=first.id, person_id=me, minutes=30),
            m.CoachingAttendance(version_id=first.id, person_id=colleague, minutes=30),
            m.CoachingAttendance(version_id=corrected.id, person_id=me, minutes=45),  # the correction counts
            m.CoachingAttendance(version_id=corrected.id, person_id=colleague, minutes=45),
            m.CoachingAttendance(version_id=other.id, person_id=colleague, minutes=20),
        ])


def test_my_data_holds_my_hr_record_exemptions_and_coaching_and_nothing_of_a_colleague(
        browser, make_person, database):
    me, colleague, coach = make_person("emp-me"), make_person("emp-colleague"), make_person("coach-1")
    _hr_and_coaching(database, me, colleague, coach)
    browser.sign_in(me)
    response = browser.get("/mijn-gegevens.json")
    assert response.status_code == 200
    data = json.loads(response.get_data(as_text=True))
    hr = data["hr_record"]
    assert (hr["personnel_number"], hr["name"], hr["function_name"], hr["employed_from"]) == (
        "P-1001", "Anna de Vries", "Verpleegkundige", "2020-03-01")
    assert [(e["reason"], e["until"]) for e in data["exemptions"]] == [
        ("Lange ziekte", "2027-01-31"), ("Nieuw in dienst", "2027-02-28")]
    [attended] = data["coaching_attended"]
    assert (attended["minutes"], attended["form"], attended["skills"]) == (45, "drop_in", ["wachtwoord-veilig"])
    text = response.get_data(as_text=True)
    assert "P-9999" not in text and "4417" not in text  # the colleague's HR record and exemption
    assert "5521" not in text  # the coach's note

    page = browser.get("/mijn-gegevens").get_data(as_text=True)
    assert "P-1001" in page and "Verpleegkundige" in page and "Nieuw in dienst" in page
    assert "45 minuten" in page and "5521" not in page and "P-9999" not in page


def test_erasure_unlinks_the_hr_record_so_the_ledger_left_cannot_be_traced_back(browser, make_person, database):
    admin = make_admin(database, make_person)
    person, colleague, coach = make_person("emp-gone"), make_person("emp-stays"), make_person("coach-1")
    _hr_and_coaching(database, person, colleague, coach)
    browser.sign_in(admin)
    assert browser.post(f"/beheer/personen/{person}/wissen", data={"bevestig": "ja"}).status_code == 302
    with database.begin() as session:
        records = {r.personnel_number: r for r in session.scalars(select(m.HrRecord))}
        assert (records["P-1001"].person_id, records["P-1001"].matched_at) == (None, None)
        assert records["P-9999"].person_id == colleague  # the colleague's link stays
        [event] = session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "person.erase")).all()
        assert "hr_links=1" in event.detail
