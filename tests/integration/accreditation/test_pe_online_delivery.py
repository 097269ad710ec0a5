"""Ledger -> points -> number with consent -> XML -> PE-online's web service -> statuses.

PE-online is the stand-in of tests/support/pe_online.py, a WSGI server on loopback: the one
double these tests allow, because PE-online itself cannot be reached from a test.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from lxml import etree
from sqlalchemy import select

from mappings.model import ActivityType
from service import models as m
from service.jobs import pe_online as pe_online_job
from service.jobs import points as points_job
from service.operations import accreditation_admin, pe_online_delivery, registration_numbers
from service.pe_online.client import PeOnlineClient
from service.pe_online.documents import validate
from tests.integration.accreditation.conftest import NOW
from tests.support.pe_online import Course, Running, StandIn

GOOD, UNKNOWN = "12345678901", "99999999999"


@pytest.fixture
def pe_online():
    stand_in = StandIn(keys={"prov-17": "s3cret"},
                       professionals={19: {GOOD}, 52: {"123456"}},
                       courses={19: {"DIGI-COACH-ARTS": Course(date(2026, 1, 1), date(2026, 12, 31))},
                                52: {"451907": Course(date(2026, 1, 1), date(2026, 3, 31))}})
    running = Running(stand_in)
    yield running
    running.stop()


@pytest.fixture
def org(database, make_person, registries, add_hours, pe_online):
    """Anna (known BIG), Bram (a BIG PE-online does not know), Cas (V&VN, outside the course's period)."""
    people = {name: make_person(name) for name in ("anna", "bram", "cas", "dirk")}
    with database.begin() as session:
        person = {k: session.get(m.Person, v) for k, v in people.items()}
        organisation = person["anna"].organisation
        for name, registry, number in (("anna", "knmg-gaia", GOOD), ("bram", "knmg-gaia", UNKNOWN),
                                       ("cas", "vvn-kwaliteitsregister", "123456"), ("dirk", "knmg-gaia", GOOD[::-1])):
            registration_numbers.save_number(session, person[name], registries[registry], number, True, NOW)
        accreditation_admin.save_account(session, organisation, None, "prov-17", "s3cret", "acc@zorg.example", NOW)
        session.get(m.PeOnlineAccount, organisation.id).endpoint = pe_online.url
        org_id = organisation.id
    for pid in people.values():
        add_hours(pid, 180)
    points_job.run(database, [org_id], clock=lambda: NOW)
    return {**people, "org": org_id}


def clients():
    made = {}

    def client_for(endpoint):
        made.setdefault(endpoint, PeOnlineClient(endpoint, allow_internal=True, timeout=30))
        return made[endpoint]
    return client_for


def statuses(database, registry_id):
    with database.begin() as session:
        return {(r.person_id, r.status.value, r.status_code) for r in session.scalars(
            select(m.AccreditationRecord).where(m.AccreditationRecord.registry_id == registry_id))}


def queue(database, org_id, when=NOW):
    with database.begin() as session:
        return pe_online_delivery.queue(session, session.get(m.Organisation, org_id), None, when)


def test_delivery_sets_accepted_and_rejected_with_the_registrys_reason(database, org, registries, pe_online):
    assert queue(database, org["org"]) == 3 + 1  # Anna, Bram and Dirk for KNMG-GAIA, Cas for V&VN
    with database.begin() as session:  # Dirk withdraws after queueing: his record must not leave
        registration_numbers.withdraw(session, session.get(m.Person, org["dirk"]), registries["knmg-gaia"], NOW)
    report = pe_online_job.deliver(database, clients(), clock=lambda: NOW)
    assert (report.calls, report.accepted, report.rejected) == (2, 1, 2)
    assert statuses(database, registries["knmg-gaia"]) == {
        (org["anna"], "accepted", None), (org["bram"], "rejected", "professional_not_found"),
        (org["dirk"], "pending", None),  # withdrew: back to waiting, never sent
    }
    assert (org["cas"], "rejected", "course_not_accredited") in statuses(database, registries["vvn-kwaliteitsregister"])
    for call in pe_online.stand_in.calls:
        validate(call.decode().encode())
    assert all(GOOD[::-1] not in call.decode() for call in pe_online.stand_in.calls)
    assert {w[1] for w in pe_online.stand_in.written} == {GOOD}
    # nothing is sent twice: a second run finds nothing due
    again = pe_online_job.deliver(database, clients(), clock=lambda: NOW + timedelta(hours=1))
    assert again.calls == 0 and len(pe_online.stand_in.calls) == 2


def test_an_unreachable_service_keeps_the_call_and_retries_after_a_backoff(database, org, registries, pe_online):
    queue(database, org["org"])
    pe_online.stand_in.unavailable = 2
    first = pe_online_job.deliver(database, clients(), clock=lambda: NOW, rng=random.Random(1))
    assert first.deferred == 2 and first.calls == 0
    with database.begin() as session:
        items = session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.PE_ONLINE)).all()
        assert all(i.status is m.OutboxStatus.PENDING and i.attempts == 1 and i.next_attempt_at > NOW for i in items)
        assert "503" in items[0].last_error
    assert pe_online_job.deliver(database, clients(), clock=lambda: NOW).calls == 0  # not due yet
    later = pe_online_job.deliver(database, clients(), clock=lambda: NOW + timedelta(hours=1))
    assert later.calls == 2 and (org["anna"], "accepted", None) in statuses(database, registries["knmg-gaia"])


def test_a_wrong_key_rejects_every_row_as_no_access_and_a_retry_after_fixing_it_is_accepted(
        database, org, registries, pe_online):
    with database.begin() as session:
        session.get(m.PeOnlineAccount, org["org"]).user_key = "wrong"
    queue(database, org["org"])
    pe_online_job.deliver(database, clients(), clock=lambda: NOW)
    assert (org["anna"], "rejected", "no_access") in statuses(database, registries["knmg-gaia"])
    with database.begin() as session:
        session.get(m.PeOnlineAccount, org["org"]).user_key = "s3cret"
        pe_online_delivery.resend_rejected(session, session.get(m.Organisation, org["org"]), None, NOW)
    queue(database, org["org"], NOW + timedelta(minutes=5))
    pe_online_job.deliver(database, clients(), clock=lambda: NOW + timedelta(minutes=5))
    assert (org["anna"], "accepted", None) in statuses(database, registries["knmg-gaia"])


def test_without_an_account_nothing_is_queued(database, make_person, registries):
    person = make_person("solo", org_slug="zonder-account")
    with database.begin() as session:
        with pytest.raises(Exception, match="PE-online-account"):
            pe_online_delivery.queue(session, session.get(m.Person, person).organisation, None, NOW)


def test_the_employee_and_the_administrator_see_the_status_and_what_to_fix(browser, database, org, registries):
    from service.operations.people import grant_role
    from tests.integration.accreditation.conftest import sign_in

    queue(database, org["org"])
    pe_online_job.deliver(database, clients(), clock=lambda: NOW)
    page = sign_in(browser, org["bram"]).get("/mijn-overzicht/registers").get_data(as_text=True)
    assert "geweigerd: 1" in page
    assert "Dit registratienummer is niet bekend bij PE-online" in page
    with database.begin() as session:
        grant_role(session, session.get(m.Person, org["anna"]), m.ToolRole.ACCREDITATION, granted_by="test")
    admin = sign_in(browser, org["anna"]).get("/accreditatie").get_data(as_text=True)
    assert "Professional [99999999999] op regel [2] bestaat niet in PE" in admin
    assert "de medewerker" in admin


def test_the_commands_set_the_account_and_deliver(runner, database, org, registries, pe_online, monkeypatch):
    monkeypatch.setenv("DIGITOETS_PE_ONLINE_KEY", "s3cret")
    result = runner.invoke(args=["accreditation", "account", "--org", "zorg-a", "--user-id", "prov-17",
                                 "--email", "acc@zorg.example", "--endpoint", pe_online.url])
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    with database.begin() as session:
        stored = session.execute(select(m.PeOnlineAccount.user_key)).scalar()
        raw = session.connection().exec_driver_sql("SELECT user_key FROM pe_online_accounts").scalar()
    assert stored == "s3cret" and raw != "s3cret"  # encrypted at rest
    result = runner.invoke(args=["accreditation", "deliver", "--org", "zorg-a"])
    assert result.exit_code == 0, result.output
    assert "4 records queued; 2 calls: 1 accepted, 3 rejected" in result.output  # Dirk's number is unknown there


def test_a_classroom_course_sends_its_edition_and_meeting_and_pe_online_names_what_is_missing(
        database, make_person, registries, add_hours, activity_id):
    """NVvPO's coaching given as a classroom course (edition 2026-1 has two meetings in PE-online).

    Eva's points are earned under edition 2026-1, meeting 2: accepted, no endDate sent.
    Then the activity loses its meeting: Fien's record has none, and PE-online says the meeting
    is missing. Then the edition becomes one PE-online does not know: Gijs's record is refused
    as "edition missing". Each record keeps the ids it was earned under.
    """
    stand_in = StandIn(keys={"prov-17": "s3cret"}, professionals={26: {"1001", "1002", "1003"}},
                       courses={26: {"DIGI-COACH-POH": Course(date(2026, 1, 1), date(2027, 12, 31), classroom=True,
                                                              editions={"2026-1": 2})}})
    running = Running(stand_in)
    activity = activity_id("nvvpo", "digicoaching")
    people = {name: make_person(name) for name in ("eva", "fien", "gijs")}
    with database.begin() as session:
        organisation = session.get(m.Person, people["eva"]).organisation
        for name, number in (("eva", "1001"), ("fien", "1002"), ("gijs", "1003")):
            registration_numbers.save_number(session, session.get(m.Person, people[name]), registries["nvvpo"],
                                             number, True, NOW)
        accreditation_admin.save_account(session, organisation, None, "prov-17", "s3cret", "acc@zorg.example", NOW)
        session.get(m.PeOnlineAccount, organisation.id).endpoint = running.url
        org_id = organisation.id
    try:
        for name, edition, meeting in (("eva", "2026-1", "2"), ("fien", "2026-1", None), ("gijs", "2026-9", None)):
            with database.begin() as session:
                row = session.get(m.AccreditedActivity, activity)
                row.type, row.edition_id, row.meeting_id = ActivityType.KLASSIKAAL, edition, meeting
            add_hours(people[name], 180)
            points_job.run(database, [org_id], clock=lambda: NOW)
        assert queue(database, org_id) == 3
        report = pe_online_job.deliver(database, clients(), clock=lambda: NOW)
        assert (report.accepted, report.rejected) == (1, 2)
        [sent] = stand_in.calls
        validate(sent)
        rows = etree.fromstring(sent).findall("Attendance")
        assert [[(child.tag, child.text) for child in row][2:] for row in rows] == [
            [("externalEditionID", "2026-1"), ("externalMeetingID", "2")],
            [("externalEditionID", "2026-1")],
            [("externalEditionID", "2026-9")]]
        assert all(row.find("endDate") is None for row in rows)
        assert stand_in.written == {(26, "1001", "DIGI-COACH-POH", "2026-1", "2")}
        found = statuses(database, registries["nvvpo"])
        assert found == {(people["eva"], "accepted", None), (people["fien"], "rejected", "meeting_missing"),
                         (people["gijs"], "rejected", "edition_missing")}
    finally:
        running.stop()
