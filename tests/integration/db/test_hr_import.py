"""The HR import on both databases: preview, all-or-nothing apply, idempotence, leavers, function history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from service import models as m
from service.operations.hr_import import links
from service.operations.hr_import.files import read_hr_file
from service.operations.hr_import.plan import HrImportRefused, apply, preview
from service.operations.hr_import.uploads import mapping_for
from service.operations.people import assign_function, current_assignment, find_or_create_person, get_profile

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
HEADER = "Personeelsnummer;Voornaam;Achternaam;E-mail;Functiecode;Afdeling;Locatie;Leidinggevende;In dienst;Uit dienst\n"
ROWS = {
    "1001": "1001;Anna;de Vries;anna@zorg.example;VIG;Team Noord;Huis Noord;2000;01-02-2020;\n",
    "1002": "1002;Bram;Jansen;bram@zorg.example;HELP;Team Noord;Huis Noord;2000;1-3-21;\n",
    "2000": "2000;Cor;Bakker;cor@zorg.example;VIG;Team Zuid;Huis Zuid;;2018-05-01;\n",
}


def csv_file(*numbers: str, extra: str = "") -> bytes:
    return (HEADER + "".join(ROWS[n] for n in numbers) + extra).encode("utf-8")


@pytest.fixture
def org(database, content):
    with database.begin() as session:
        org = m.Organisation(slug="zorg", name="Zorg", store_personal_data=True)
        session.add(org)
        session.flush()
        return org.id


def run(database, org_id, data: bytes, now=NOW, *, dry=False):
    with database.begin() as session:
        org = session.get(m.Organisation, org_id)
        parsed = read_hr_file(data, "hr.csv")
        mapping, _ = mapping_for(session, org, parsed.headers)
        if dry:
            return preview(session, org, parsed, "hr.csv", mapping, now)[0]
        return apply(session, org, parsed, "hr.csv", "sha", mapping, now)


def records(database):
    with database.begin() as session:
        return {r.personnel_number: (r.function_code, r.team.name if r.team else None, r.left_reason, r.person_id)
                for r in session.scalars(select(m.HrRecord))}


def test_preview_lists_adds_and_unmatched_and_stores_nothing(database, org):
    report = run(database, org, csv_file("1001", "1002"), dry=True)
    assert [r.personnel_number for r in report.added] == ["1001", "1002"]
    assert report.unmatched == ["1001", "1002"] and report.ok
    assert records(database) == {}


def test_apply_stores_records_teams_and_a_run_and_the_same_file_twice_changes_nothing(database, org):
    first = run(database, org, csv_file("1001", "1002", "2000"))
    assert (len(first.added), len(first.changed), len(first.ended)) == (3, 0, 0)
    before = records(database)
    assert before["1001"][:2] == ("VIG", "Team Noord")
    second = run(database, org, csv_file("1001", "1002", "2000"))
    assert (len(second.added), len(second.changed), len(second.ended), second.unchanged) == (0, 0, 0, 3)
    assert records(database) == before
    with database.begin() as session:
        assert session.scalar(select(func.count()).select_from(m.Team)) == 2
        runs = session.scalars(select(m.HrImportRun).order_by(m.HrImportRun.id)).all()
        assert [(r.added, r.unchanged) for r in runs] == [(3, 0), (0, 3)]
        audit = session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "hr.import")).all()
        assert len(audit) == 2 and "added=3" in audit[0].detail
        row = session.scalar(select(m.HrRecord).where(m.HrRecord.personnel_number == "1002"))
        assert row.employed_from == date(2021, 3, 1)


def test_a_bad_row_refuses_the_whole_file(database, org):
    run(database, org, csv_file("1001"))
    bad = csv_file("1001", "1002", extra="3003;Dirk;Smit;d@zorg.example;XYZ;Team Noord;Huis Noord;;31-02-2024;\n"
                                        "1001;Eva;Dubbel;e@zorg.example;VIG;Team Noord;Huis Noord;;;\n")
    with pytest.raises(HrImportRefused) as refused:
        run(database, org, bad)
    messages = [p.message() for p in refused.value.report.problems]
    assert "Rij 4, kolom Functiecode: functiecode XYZ kennen we niet. Koppel die code eerst aan een functie." in messages
    assert any(m_.startswith("Rij 4, kolom In dienst: 31-02-2024 is geen datum") for m_ in messages)
    assert "Rij 5, kolom Personeelsnummer: personeelsnummer 1001 staat ook in rij 2." in messages
    assert set(records(database)) == {"1001"}  # 1002 was fine but nothing of the file was stored


def test_missing_required_column_names_the_column(database, org):
    data = b"Personeelsnummer;Naam;Afdeling\n1001;Anna;Noord\n"
    with pytest.raises(HrImportRefused) as refused:
        run(database, org, data)
    assert [p.message() for p in refused.value.report.problems] == [
        "De kolom voor Functiecode ontbreekt. Die is nodig."]


def test_leavers_are_marked_never_deleted_and_come_back(database, org):
    run(database, org, csv_file("1001", "1002", "2000"))
    ended = "1002;Bram;Jansen;bram@zorg.example;HELP;Team Noord;Huis Noord;2000;1-3-21;28-02-2026\n"
    report = run(database, org, (HEADER + ROWS["1001"] + ended).encode())
    assert sorted(report.ended) == [("1002", "end_date"), ("2000", "missing")]
    state = records(database)
    assert set(state) == {"1001", "1002", "2000"}
    assert (state["1001"][2], state["1002"][2], state["2000"][2]) == (None, "end_date", "missing")
    back = run(database, org, csv_file("1001", "2000"))
    assert [row.personnel_number for row, _ in back.changed] == ["2000"]
    assert records(database)["2000"][2] is None


def test_hr_function_outranks_a_self_choice_and_keeps_the_history(database, org):
    with database.begin() as session:
        person = find_or_create_person(session, session.get(m.Organisation, org), "https://lms", "s1", NOW)
        assign_function(session, person, get_profile(session, "helpende"), m.AssignmentSource.SELF_CHOSEN,
                        NOW - timedelta(days=10))
        person.personnel_number = "1001"
        person_id = person.id
    report = run(database, org, csv_file("1001"))
    assert report.unmatched == []
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        history = [(a.profile.code, a.source.value, a.valid_until is None) for a in person.function_assignments]
        assert history == [("helpende", "self_chosen", False), ("verzorgende-ig", "hr_import", True)]
        assert person.team.name == "Team Noord"


def test_a_newer_lti_function_is_not_undone_by_the_same_file_again(database, org):
    with database.begin() as session:
        person = find_or_create_person(session, session.get(m.Organisation, org), "https://lms", "s1", NOW)
        person.personnel_number = "1001"
        person_id = person.id
    run(database, org, csv_file("1001"))
    later = NOW + timedelta(days=1)
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        assign_function(session, person, get_profile(session, "helpende"), m.AssignmentSource.LTI, later)
    run(database, org, csv_file("1001"), now=later + timedelta(days=1))
    with database.begin() as session:
        assert current_assignment(session.get(m.Person, person_id), later + timedelta(days=2)).profile.code == "helpende"


def test_manager_gets_the_role_and_sees_only_the_teams_they_lead(database, org):
    with database.begin() as session:
        manager = find_or_create_person(session, session.get(m.Organisation, org), "https://lms", "boss", NOW)
        manager.personnel_number = "2000"
        manager_id = manager.id
    run(database, org, csv_file("1001", "1002", "2000"))
    with database.begin() as session:
        manager = session.get(m.Person, manager_id)
        assert manager.has_role(m.ToolRole.MANAGER)
        assert {session.get(m.Team, t).name for t in links.managed_team_ids(session, manager)} == {"Team Noord"}
    run(database, org, b"Personeelsnummer;Functiecode;Afdeling\n2000;VIG;Team Zuid\n1001;VIG;Team Noord\n")
    with database.begin() as session:
        manager = session.get(m.Person, manager_id)
        assert not manager.has_role(m.ToolRole.MANAGER)
        assert links.managed_team_ids(session, manager) == set()


def test_email_links_only_where_names_may_be_kept(database, content):
    with database.begin() as session:
        private = m.Organisation(slug="p", name="P")
        session.add(private)
        session.flush()
        find_or_create_person(session, private, "https://lms", "s1", NOW, email="anna@zorg.example")
        org_id = private.id
    report = run(database, org_id, csv_file("1001"))
    assert report.unmatched == ["1001"]
    assert records(database)["1001"][3] is None


def test_a_file_missing_many_current_employees_is_applied_only_when_confirmed(database, org):
    header = "Personeelsnummer;Functiecode\n"
    everyone = header + "".join(f"{n};VIG\n" for n in range(100, 110))
    run(database, org, everyone.encode())
    half_copied = (header + "100;VIG\n101;VIG\n102;VIG\n").encode()
    with pytest.raises(HrImportRefused) as refused:
        run(database, org, half_copied)
    assert refused.value.report.ok and (refused.value.report.missing, refused.value.report.current) == (7, 10)
    assert all(reason is None for _, _, reason, _ in records(database).values())
    with database.begin() as session:
        org_row = session.get(m.Organisation, org)
        parsed = read_hr_file(half_copied, "hr.csv")
        apply(session, org_row, parsed, "hr.csv", "sha", mapping_for(session, org_row, parsed.headers)[0], NOW,
              confirm_leavers=True)
    assert sum(1 for _, _, reason, _ in records(database).values() if reason == "missing") == 7
