"""/hr/import: upload -> columns -> preview -> apply, for HR and admins of one organisation only."""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import func, select

from service import models as m
from tests.integration.lti.conftest import LAUNCH_URL, follow, launch, register
from tests.support.platform import TestPlatform, User
from tests.support.web import Browser

GOOD = ("Personeelsnummer;Voornaam;Achternaam;Functiecode;Afdeling;In dienst\n"
        "1001;Zoë;Bakker;VIG;Noord;01-02-2020\n1002;Bram;Smit;HELP;Zuid;1-3-21\n").encode("cp1252")
BOUNDARY = b"digitoets-test-boundary-7f3a"
ODD_HEADERS = ("Nr;Wat;Waar\n1001;VIG;Noord\n").encode()


def sign_in(client, lms, user_id: str, roles: str = "hr") -> Browser:
    """Launch from the test LMS; the registration's role parameter makes the person an HR adviser."""
    page = follow(client, launch(client, lms, user=User(id=user_id), custom={"digitoets_roles": roles}).response)
    assert page.status_code == 200
    return Browser(client)


@pytest.fixture
def browser(client, lms, registered):
    return sign_in(client, lms, "hr-1")


def count(database, model) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(model))


def upload(browser, data: bytes | None, name="hr.csv"):
    """Post the upload form as a browser does. The body is built here: werkzeug's test client would spool
    a large one to a temporary file it never closes."""
    browser.get("/hr/import")
    parts = [b'Content-Disposition: form-data; name="csrf_token"\r\n\r\n' + browser.token.encode()]
    if data is not None:
        parts.append(f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'.encode()
                     + b"Content-Type: text/csv\r\n\r\n" + data)
    body = b"".join(b"--" + BOUNDARY + b"\r\n" + part + b"\r\n" for part in parts) + b"--" + BOUNDARY + b"--\r\n"
    return browser.client.post("/hr/import", data=body,
                               content_type=f"multipart/form-data; boundary={BOUNDARY.decode()}")


def token_of(location: str) -> str:
    return re.search(r"/hr/import/([^/]+)", location).group(1)


def test_first_upload_asks_for_columns_then_previews_then_applies(browser, database):
    response = upload(browser, GOOD)
    assert response.status_code == 302 and response.location.endswith("/kolommen")
    token = token_of(response.location)
    page = browser.get(response.location).get_data(as_text=True)
    assert '<option value="Personeelsnummer" selected>' in page  # suggested from the header names
    response = browser.post(f"/hr/import/{token}/kolommen", data={"field-personnel_number": "Personeelsnummer",
                            "field-function_code": "Functiecode", "field-team": "Afdeling",
                            "field-employed_from": "In dienst"})
    assert response.status_code == 302
    page = browser.get(f"/hr/import/{token}").get_data(as_text=True)
    assert "Nieuwe medewerkers</th><td>2</td>" in page
    assert count(database, m.HrRecord) == 0  # the preview stores nothing
    response = browser.post(f"/hr/import/{token}/toepassen")
    assert response.status_code == 302
    assert "2 medewerkers nieuw" in browser.get("/hr/import").get_data(as_text=True)
    assert count(database, m.HrRecord) == 2 and count(database, m.HrPendingImport) == 0
    again = upload(browser, GOOD)
    assert again.location.endswith(token_of(again.location))  # mapping remembered: straight to the preview
    page = browser.get(again.location).get_data(as_text=True)
    assert "Niets veranderd</th><td>2</td>" in page


def test_other_headers_ask_for_the_columns_again_and_missing_ones_are_named(browser, database):
    token = token_of(upload(browser, GOOD).location)
    browser.post(f"/hr/import/{token}/toepassen")
    response = upload(browser, ODD_HEADERS)
    assert response.location.endswith("/kolommen")
    page = browser.get(response.location.rsplit("/", 1)[0]).get_data(as_text=True)
    assert "De kolom voor Personeelsnummer ontbreekt. Die is nodig." in page
    assert "Alles opslaan" not in page


def test_a_file_with_errors_shows_rows_and_columns_and_cannot_be_applied(browser, database):
    bad = GOOD + "1003;=1+1;X;ABC;Noord;30-02-2020\n".encode()
    token = token_of(upload(browser, bad).location)
    page = browser.get(f"/hr/import/{token}").get_data(as_text=True)
    assert "Rij 4, kolom Voornaam: er staat een formule in (=1+1)" in page
    assert "Het bestand heeft 1 fout." in page and "Alles opslaan" not in page
    browser.post(f"/hr/import/{token}/toepassen")
    assert count(database, m.HrRecord) == 0


@pytest.mark.parametrize("data, text", [
    (None, "Kies een bestand."),
    (b"", "Het bestand is leeg."),
    (os.urandom(5000), "Dit bestand is geen tabel"),
    ((b"lorem;ipsum;" * 2_000_000)[:20 * 1024 * 1024], "Het bestand is te groot: 20.0 MB. Er past 15 MB in."),
])
def test_broken_uploads_get_a_dutch_message_and_nothing_is_kept(browser, database, data, text):
    response = upload(browser, data)
    assert response.status_code == 422
    assert text in response.get_data(as_text=True)
    assert count(database, m.HrPendingImport) == 0


def test_an_employee_gets_403_and_a_manager_too(client, lms, registered):
    assert sign_in(client, lms, "emp-1", roles="").get("/hr/import").status_code == 403
    assert sign_in(client, lms, "boss-1", roles="manager").get("/hr/import").status_code == 403


def test_another_organisations_hr_cannot_see_or_apply_your_upload(browser, client, tool, database):
    token = token_of(upload(browser, GOOD).location)
    with TestPlatform(tool_key_set=tool.keys.jwks, tool_launch_url=LAUNCH_URL) as other_lms:
        register(database, other_lms, slug="zorg-b")
        other = sign_in(client, other_lms, "hr-2")
        assert other.get(f"/hr/import/{token}").status_code == 404
        other.get("/hr/import")
        assert other.post(f"/hr/import/{token}/toepassen").status_code == 404
    assert count(database, m.HrRecord) == 0 and count(database, m.HrPendingImport) == 1


def test_many_leavers_are_saved_only_after_the_checkbox(browser, database):
    header = "Personeelsnummer;Functiecode\n"
    token = token_of(upload(browser, (header + "".join(f"{n};VIG\n" for n in range(100, 110))).encode()).location)
    browser.post(f"/hr/import/{token}/kolommen", data={"field-personnel_number": "Personeelsnummer",
                                                      "field-function_code": "Functiecode"})
    browser.post(f"/hr/import/{token}/toepassen")
    token = token_of(upload(browser, (header + "100;VIG\n").encode()).location)
    page = browser.get(f"/hr/import/{token}").get_data(as_text=True)
    assert "Let op: 9 van de 10 medewerkers staan niet in dit bestand." in page
    browser.post(f"/hr/import/{token}/toepassen")
    assert "Zet eerst het vinkje" in browser.get(f"/hr/import/{token}").get_data(as_text=True)
    with database.begin() as session:
        assert session.scalar(select(func.count()).select_from(m.HrRecord).where(m.HrRecord.left_at.is_not(None))) == 0
    assert browser.post(f"/hr/import/{token}/toepassen", data={"confirm_leavers": "1"}).status_code == 302
    with database.begin() as session:
        assert session.scalar(select(func.count()).select_from(m.HrRecord).where(m.HrRecord.left_at.is_not(None))) == 9
