"""The accreditation administrator's exports: XML validated per registry, paste lists, CSV, log, tenants."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from lxml import etree
from sqlalchemy import select

from service import models as m
from service.jobs import accreditation_exports as exports_job
from service.jobs import points as points_job
from service.operations import accreditation_admin, registration_numbers
from service.operations.people import grant_role
from service.pe_online import documents
from tests.integration.accreditation.conftest import NOW, sign_in


@pytest.fixture
def team(database, make_person, registries, add_hours):
    """Anna (BIG and V&VN numbers) and Bram (a nurse: V&VN points, no number) with 3 hours of coaching; an admin."""
    anna, bram, admin = make_person("anna"), make_person("bram"), make_person("admin")
    with database.begin() as session:
        for pid, name in ((anna, "Anna de Vries"), (bram, "=HYPERLINK(\"http://x\")"), (admin, "Ada Admin")):
            session.get(m.Person, pid).name = name
        session.get(m.Person, bram).email = "bram@zorg.example"
        grant_role(session, session.get(m.Person, admin), m.ToolRole.ACCREDITATION, granted_by="test")
        registration_numbers.save_number(session, session.get(m.Person, anna), registries["knmg-gaia"], "12345678901",
                                         True, NOW)
        registration_numbers.save_number(session, session.get(m.Person, anna), registries["vvn-kwaliteitsregister"],
                                         "123456", True, NOW)
        org = session.get(m.Person, anna).organisation_id
    for pid in (anna, bram):
        add_hours(pid, 180)
    points_job.run(database, [org], clock=lambda: NOW)
    return {"anna": anna, "bram": bram, "admin": admin, "org": org}


def export(browser, registry_id, kind="xml", **dates):
    return browser.post("/accreditatie/export", {"registry": registry_id, "soort": kind, **dates})


def test_only_the_accreditation_administrator_opens_the_page_and_exports(browser, team, registries):
    sign_in(browser, team["anna"])
    assert browser.get("/accreditatie").status_code == 403
    assert browser.client.get("/accreditatie/punten.csv").status_code == 403
    assert export(browser, registries["knmg-gaia"]).status_code in (400, 403)  # no token on a 403 page, or 403
    sign_in(browser, team["admin"])
    page = browser.get("/accreditatie")
    assert page.status_code == 200 and "Punten per register" in page.get_data(as_text=True)


def test_the_xml_holds_only_people_with_a_number_and_matches_the_xsd(browser, database, team, registries):
    sign_in(browser, team["admin"]).get("/accreditatie")
    response = export(browser, registries["knmg-gaia"])
    assert response.status_code == 200 and response.mimetype == "application/xml"
    documents.validate(response.data)
    root = etree.fromstring(response.data)
    assert root.findtext("Settings/orgID") == "19"
    assert root.findtext("Settings/userKey") == "verborgen"
    assert [a.findtext("externalPersonID") for a in root.iter("Attendance")] == ["12345678901"]
    assert [a.findtext("externalCourseID") for a in root.iter("Attendance")] == ["DIGI-COACH-ARTS"]
    with database.begin() as session:
        statuses = {(r.person_id, r.status) for r in session.scalars(select(m.AccreditationRecord).where(
            m.AccreditationRecord.registry_id == registries["knmg-gaia"]))}
    assert statuses == {(team["anna"], m.RecordStatus.EXPORTED)}  # Bram earns nothing in the physicians' register


def test_exporting_the_same_period_again_gives_the_same_records(browser, database, team, registries):
    sign_in(browser, team["admin"]).get("/accreditatie")
    first = export(browser, registries["knmg-gaia"], van="2026-01-01", tot="2026-12-31").data
    second = export(browser, registries["knmg-gaia"], van="2026-01-01", tot="2026-12-31").data
    rows = [etree.tostring(a) for a in etree.fromstring(first).iter("Attendance")]
    assert rows and rows == [etree.tostring(a) for a in etree.fromstring(second).iter("Attendance")]
    with database.begin() as session:
        assert session.scalar(select(m.AccreditationRecord.exported_at).where(
            m.AccreditationRecord.person_id == team["anna"],
            m.AccreditationRecord.registry_id == registries["knmg-gaia"])) is not None
    log = browser.get("/accreditatie").get_data(as_text=True)
    assert log.count("kind=xml, registry=knmg-gaia, records=1") == 2


def test_a_period_without_points_and_a_reversed_date_range_are_explained(browser, team, registries):
    sign_in(browser, team["admin"]).get("/accreditatie")
    empty = export(browser, registries["knmg-gaia"], van="2025-01-01", tot="2025-12-31")
    assert empty.status_code == 422 and "geen punten om te exporteren" in empty.get_data(as_text=True)
    backwards = export(browser, registries["knmg-gaia"], van="2026-12-31", tot="2026-01-01")
    assert backwards.status_code == 422 and "De einddatum ligt voor de begindatum." in backwards.get_data(as_text=True)
    nonsense = export(browser, "abc")
    assert nonsense.status_code == 422 and "Kies een register." in nonsense.get_data(as_text=True)


def test_the_paste_list_has_the_numbers_one_a_line_per_activity_and_date(browser, team, registries):
    sign_in(browser, team["admin"]).get("/accreditatie")
    page = export(browser, registries["vvn-kwaliteitsregister"], "plaklijst").get_data(as_text=True)
    assert "451907 · 01-06-2026" in page
    assert ">123456</textarea>" in page and 'data-copy="lijst-1"' in page
    assert "1 medewerker heeft nog geen nummer" in page


def test_the_csv_lists_every_record_with_status_and_neutralises_formulas(browser, team):
    sign_in(browser, team["admin"])
    body = browser.client.get("/accreditatie/punten.csv").data.decode("utf-8")
    assert body.startswith("\ufeffrecord;naam;register;")
    lines = body.strip().split("\r\n")
    assert len(lines) == 1 + 3  # Anna in V&VN and KNMG-GAIA (her numbers), Bram in V&VN (his function)
    assert "'=HYPERLINK" in body and ";=HYPERLINK" not in body
    assert "12345678901" not in body  # numbers stay out of a file that goes around


def test_the_administrator_sees_who_has_points_without_a_number_and_can_remind_them(browser, database, team):
    sign_in(browser, team["admin"])
    page = browser.get("/accreditatie").get_data(as_text=True)
    assert "=HYPERLINK" in page and "Herinnering sturen" in page
    assert page.count("<td>=HYPERLINK(&#34;http://x&#34;)</td><td>V&amp;VN Kwaliteitsregister</td>") == 1
    assert "<td>Anna de Vries</td>" not in page  # she gave her numbers
    with database.begin() as session:
        registry = session.scalar(select(m.AccreditationRegistry.id).where(m.AccreditationRegistry.code == "nvvpo"))
    response = browser.post("/accreditatie/herinnering", {"person": team["bram"], "registry": registry},
                            follow_redirects=True)
    assert "De herinnering is verstuurd." in response.get_data(as_text=True)
    with database.begin() as session:
        mails = session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.MAIL)).all()
        assert len(mails) == 1 and "bram@zorg.example" in str(mails[0].payload)


def test_another_organisations_administrator_sees_and_exports_nothing_of_ours(browser, database, team, make_person,
                                                                             registries):
    other = make_person("other-admin", org_slug="zorg-b")
    with database.begin() as session:
        grant_role(session, session.get(m.Person, other), m.ToolRole.ACCREDITATION, granted_by="test")
    sign_in(browser, other)
    page = browser.get("/accreditatie").get_data(as_text=True)
    assert "Anna de Vries" not in page and "HYPERLINK" not in page
    assert len(browser.client.get("/accreditatie/punten.csv").data.decode().strip().split("\r\n")) == 1
    assert export(browser, registries["knmg-gaia"]).status_code == 422


def test_more_than_1000_records_come_as_a_zip_of_valid_documents(browser, database, team, registries, make_person,
                                                               add_hours, settings):
    with database.begin() as session:
        org = session.get(m.Organisation, team["org"])
        for index in range(1001):
            person = m.Person(organisation_id=org.id, issuer="https://lms.example", subject=f"bulk-{index}")
            session.add(person)
            session.flush()
            session.add(m.RegistrationNumber(person_id=person.id, registry_id=registries["knmg-gaia"],
                                             number=f"{index:011d}", consent_at=NOW))
            session.add(m.LearningHours(organisation_id=org.id, person_id=person.id, kind=m.LearningHours.kind.type
                                        .enum_class.COACHING, minutes=180, occurred_at=NOW, source="test",
                                        source_ref=f"bulk-{index}"))
    points_job.run(database, [team["org"]], clock=lambda: NOW)
    sign_in(browser, team["admin"]).get("/accreditatie")
    response = export(browser, registries["knmg-gaia"])
    # more than one document: made in the background, the page shows how far it is
    assert response.status_code == 303 and "/accreditatie/exports/" in response.headers["Location"]
    # the worker's round makes it (the web process only queues it)
    assert exports_job.run_due(database, "https://digitoets.example", exports_job.exports_dir(settings.instance_path)) == 1
    page = browser.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert "De XML voor PE-online is klaar: 1002 van 1002." in text and "Refresh" not in page.headers
    [link] = re.findall(r'href="([^"]+/bestand)"', text)
    response = browser.client.get(link)
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        bodies = [archive.read(name) for name in sorted(archive.namelist())]
    for body in bodies:
        documents.validate(body)
    people = [a.findtext("externalPersonID") for body in bodies for a in etree.fromstring(body).iter("Attendance")]
    assert [len(list(etree.fromstring(b).iter("Attendance"))) for b in bodies] == [1000, 2]
    assert len(people) == len(set(people)) == 1002


def test_the_export_command_writes_a_valid_document(runner, team, tmp_path):
    result = runner.invoke(args=["accreditation", "export", "--org", "zorg-a", "--registry", "knmg-gaia",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 records written" in result.output and "0 without a number left out" in result.output
    [written] = list(tmp_path.glob("pe-online-knmg-gaia-*.xml"))
    documents.validate(written.read_bytes())
    again = runner.invoke(args=["accreditation", "export", "--org", "zorg-a", "--registry", "nvvpo"])
    assert again.exit_code != 0 and "geen punten" in again.output


def test_a_background_export_shows_its_progress_without_javascript_and_only_to_its_organisation(
        browser, database, team, registries, make_person, settings):
    other = make_person("other-admin", org_slug="zorg-b")
    with database.begin() as session:
        grant_role(session, session.get(m.Person, other), m.ToolRole.ACCREDITATION, granted_by="test")
        org = session.get(m.Organisation, team["org"])
        queued = accreditation_admin.queue_export(session, org, session.get(m.Person, team["admin"]), "xml",
                                                  {"registry_id": registries["knmg-gaia"], "from": None, "to": None},
                                                  1, datetime.now(UTC))  # the page lists the last 24 hours' exports
        export_id, url = queued.id, f"/accreditatie/exports/{queued.uuid}"
    page = sign_in(browser, team["admin"]).get(url)
    text = page.get_data(as_text=True)
    # waiting: the browser asks again by itself (Refresh header), and a link does the same by hand
    assert page.status_code == 200 and page.headers["Refresh"] == "3"
    assert "De XML voor PE-online staat klaar om gemaakt te worden." in text and f'href="{url}"' in text
    assert sign_in(browser, other).get(url).status_code == 404
    assert sign_in(browser, team["anna"]).get(url).status_code == 403
    assert sign_in(browser, other).get(url + "/bestand").status_code == 404
    directory = settings.instance_path / "exports"
    assert exports_job.run(database, export_id, "https://digitoets.example", directory, clock=lambda: NOW)
    assert not exports_job.run(database, export_id, "https://digitoets.example", directory, clock=lambda: NOW)
    with database.begin() as session:
        row = session.get(m.AccreditationExport, export_id)
        assert (row.status, row.done, row.total) == (m.ExportStatus.DONE, 1, 1)
        assert session.get(m.AccreditationRecord, session.scalar(select(m.AccreditationRecord.id).where(
            m.AccreditationRecord.person_id == team["anna"], m.AccreditationRecord.registry_id ==
            registries["knmg-gaia"]))).status is m.RecordStatus.EXPORTED
    body = exports_job.export_file(directory, row.uuid).read_bytes()
    documents.validate(body)
    assert [a.findtext("externalPersonID") for a in etree.fromstring(body).iter("Attendance")] == ["12345678901"]
    listed = sign_in(browser, team["admin"]).get("/accreditatie").get_data(as_text=True)
    assert f'href="{url}"' in listed and "certificaten" not in listed.split('id="exports"')[1].split("</ul>")[0]
    assert f'href="{url}"' not in sign_in(browser, other).get("/accreditatie").get_data(as_text=True)
    # a day later the file is gone and the page says so
    assert exports_job.purge_files(database, directory, NOW.replace(day=3)) == 1
    assert not exports_job.export_file(directory, row.uuid).exists()
    gone = sign_in(browser, team["admin"]).get(url)
    assert "Dit bestand is er niet meer" in gone.get_data(as_text=True) and "Refresh" not in gone.headers
    assert browser.client.get(url + "/bestand").status_code == 404
