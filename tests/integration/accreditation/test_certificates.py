"""Certificates: read back from the PDF (text with pypdf, the QR code decoded with zxing-cpp), /verify, ZIPs."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from service import models as m
from service.jobs import accreditation_exports as exports_job
from service.jobs import points as points_job
from service.operations import points, registration_numbers
from service.operations.people import grant_role
from tests.integration.accreditation.conftest import NOW, sign_in


@pytest.fixture
def anna(database, make_person, registries, add_hours):
    anna = make_person("anna")
    with database.begin() as session:
        person = session.get(m.Person, anna)
        person.name = "Anna de Vries"
        registration_numbers.save_number(session, person, registries["knmg-gaia"], "12345678901", True, NOW)
        org = person.organisation_id
    hours = [add_hours(anna, 60, NOW.replace(month=m_)) for m_ in (3, 4, 5)]
    points_job.run(database, [org], clock=lambda: NOW)
    return {"id": anna, "org": org, "hours": hours}


def record(database, person_id, registry_code):
    with database.begin() as session:
        row = session.scalar(select(m.AccreditationRecord).join(m.AccreditationRegistry).where(
            m.AccreditationRecord.person_id == person_id, m.AccreditationRegistry.code == registry_code,
            m.AccreditationRecord.is_reversal.is_(False)))
        return str(row.uuid), row.certificate_code


def text_and_qr(body: bytes) -> tuple[str, list[str]]:
    page = PdfReader(io.BytesIO(body)).pages[0]
    codes = []
    for image in page.images:
        picture = Image.open(io.BytesIO(image.data))
        codes += [found.text for found in zxingcpp.read_barcodes(picture)]
    return page.extract_text(), codes


def test_my_certificate_says_what_i_did_and_its_qr_code_opens_the_check(browser, database, anna, settings):
    uuid, code = record(database, anna["id"], "knmg-gaia")
    response = sign_in(browser, anna["id"]).client.get(f"/mijn-overzicht/certificaten/{uuid}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text, qr = text_and_qr(response.data)
    for expected in ("Anna de Vries", "12345678901 (KNMG-GAIA)", "Digicoaching digitale vaardigheden voor artsen",
                     "DIGI-COACH-ARTS", "Organisatie zorg-a", "180 minuten", "3 (KNMG-GAIA)",
                     "Digicoaching (expertisegroep)", code, "01-03-2026 tot en met 01-05-2026"):
        assert expected in text, expected
    assert qr == [f"{settings.base_url}/verify/{code}"]
    page = browser.client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Dit certificaat is echt." in page and "Anna de Vries" in page and "01-05-2026" in page
    assert "12345678901" not in page and "minuten" not in page  # nothing more than name, activity, date, points


def test_another_employee_cannot_download_my_certificate(browser, database, anna, make_person):
    uuid, _code = record(database, anna["id"], "knmg-gaia")
    bram = make_person("bram")
    assert sign_in(browser, bram).client.get(f"/mijn-overzicht/certificaten/{uuid}.pdf").status_code == 404
    assert browser.client.get("/mijn-overzicht/certificaten/not-a-uuid.pdf").status_code == 404


def test_a_reversed_record_makes_its_certificate_void_on_paper_and_at_verify(browser, database, anna):
    uuid, code = record(database, anna["id"], "vvn-kwaliteitsregister")
    with database.begin() as session:
        points.reverse_hours(session, anna["hours"][0], NOW, anna["org"])
    points_job.run(database, [anna["org"]], clock=lambda: NOW)
    page = browser.client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Dit certificaat is ingetrokken." in page and "Dit certificaat is echt." not in page
    text, _qr = text_and_qr(sign_in(browser, anna["id"]).client.get(f"/mijn-overzicht/certificaten/{uuid}.pdf").data)
    assert "INGETROKKEN" in text


def test_an_unknown_or_malformed_code_is_a_plain_not_found(client):
    for code in ("AAAA-BBBB-CCCC-DDDD", "x" * 500, "<script>"):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404
        assert "We kennen geen certificaat met deze code." in response.get_data(as_text=True)


def test_my_year_overview_lists_each_activity_and_the_totals(browser, anna):
    response = sign_in(browser, anna["id"]).client.get("/mijn-overzicht/jaaroverzicht/2026.pdf")
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "Jaaroverzicht accreditatiepunten 2026" in text and "KNMG-GAIA: registratienummer 12345678901" in text
    assert "Totaal KNMG-GAIA: 3 punten" in text and "Totaal V&VN Kwaliteitsregister: 3 punten" in text


def test_the_administrator_downloads_a_zip_per_activity_and_another_tenant_gets_none(
        browser, database, anna, make_person, activity_id):
    admin, other = make_person("admin"), make_person("other", org_slug="zorg-b")
    with database.begin() as session:
        for pid in (admin, other):
            grant_role(session, session.get(m.Person, pid), m.ToolRole.ACCREDITATION, granted_by="test")
    activity = activity_id("knmg-gaia", "digicoaching")
    assert sign_in(browser, anna["id"]).client.get(f"/accreditatie/certificaten/{activity}.zip").status_code == 403
    response = sign_in(browser, admin).client.get(f"/accreditatie/certificaten/{activity}.zip")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        [name] = archive.namelist()
        assert "Anna de Vries" in PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
    with database.begin() as session:
        assert session.scalar(select(m.AuditEvent.detail).where(
            m.AuditEvent.action == "accreditation.certificate")) == "certificates=1"
    theirs = sign_in(browser, other).client.get(f"/accreditatie/certificaten/{activity}.zip")
    assert zipfile.ZipFile(io.BytesIO(theirs.data)).namelist() == []


def test_the_certificates_command_writes_a_zip_with_progress(runner, anna, tmp_path):
    result = runner.invoke(args=["accreditation", "certificates", "--org", "zorg-a", "--registry", "knmg-gaia",
                                 "--activity", "digicoaching", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Certificaten" in result.output and "1 certificates written" in result.output
    with zipfile.ZipFile(tmp_path / "certificaten-knmg-gaia-digicoaching.zip") as archive:
        [name] = archive.namelist()
        assert "12345678901" in PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
    wrong = runner.invoke(args=["accreditation", "certificates", "--org", "zorg-a", "--registry", "knmg-gaia",
                                "--activity", "bestaat-niet"])
    assert wrong.exit_code != 0 and "Activiteit bestaat-niet staat niet in register" in wrong.output


def test_many_certificates_are_made_in_the_background_and_sent_from_a_file(
        browser, database, anna, make_person, activity_id, settings):
    admin, other = make_person("admin"), make_person("other", org_slug="zorg-b")
    with database.begin() as session:
        for pid in (admin, other):
            grant_role(session, session.get(m.Person, pid), m.ToolRole.ACCREDITATION, granted_by="test")
    activity = activity_id("knmg-gaia", "digicoaching")
    url = f"/accreditatie/certificaten/{activity}"
    assert sign_in(browser, anna["id"]).post(url).status_code in (400, 403)
    assert sign_in(browser, other).get("/accreditatie").status_code == 200
    assert browser.post(url).status_code == 404  # another organisation: none of its certificates
    sign_in(browser, admin).get("/accreditatie")
    response = browser.post(url)
    assert response.status_code == 303
    # the worker's round makes it (the web process only queues it)
    assert exports_job.run_due(database, "https://digitoets.example", exports_job.exports_dir(settings.instance_path)) == 1
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "De certificaten zijn klaar: 1 van 1." in page
    [link] = re.findall(r'href="([^"]+/bestand)"', page)
    with zipfile.ZipFile(io.BytesIO(browser.client.get(link).data)) as archive:
        [name] = archive.namelist()
        assert "Anna de Vries" in PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
    with database.begin() as session:
        assert session.scalar(select(m.AuditEvent.detail).where(
            m.AuditEvent.action == "accreditation.certificate")) == "certificates=1"
