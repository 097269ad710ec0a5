"""Every error page is ours, in the page's language: never werkzeug's English default text.

The statuses our routes really produce (403, 404, 405, 413, 500) are caused the way a person
would cause them; a session that lost its person is signed out and sent to the start page. For
the rest of werkzeug's statuses no route of ours can be made to fail on demand, so a test-only
route on the app calls ``abort(code)``; the handler and the page it renders are the real ones.
"""

from __future__ import annotations

import html
import re
from http import HTTPStatus

import pytest
from flask import abort
from flask_babel import force_locale
from werkzeug.exceptions import default_exceptions

from service.web.error_texts import status_texts
from tests.integration.web.test_admin import make_admin

LANGUAGES = ("nl", "en")
H1 = re.compile(r"<h1>(.*?)</h1>", re.S)
HTML_LANG = re.compile(r'<html lang="([a-z]+)">')


@pytest.fixture
def failing_app(app):
    """The real app plus a route that fails with any status, and one that raises a bug."""

    def fail(code):
        abort(code)

    def bug():
        raise RuntimeError("a bug in a view")

    app.add_url_rule("/test-fout/<int:code>", "test_fail", fail)
    app.add_url_rule("/test-bug", "test_bug", bug)
    return app


def expected_texts(app, code: int, lang: str) -> tuple[str, str]:
    with app.test_request_context(), force_locale(lang):
        return status_texts(code)


def assert_our_page(app, response, code: int, lang: str, message: str | None = None):
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == code
    assert HTML_LANG.search(page).group(1) == lang
    title, sentence = expected_texts(app, code, lang)
    assert H1.search(page).group(1) == title
    assert (message or sentence) in page
    werkzeug_error = default_exceptions.get(code)
    if werkzeug_error is not None:
        assert werkzeug_error.description not in page
        assert werkzeug_error().name not in page  # "Method Not Allowed", "Not Found", ...
    for default_text in ("You don't have the permission", "The requested URL was not found", "Method Not Allowed",
                         "The server encountered an internal error"):
        assert default_text not in page


def url(path: str, lang: str) -> str:
    return path if lang == "nl" else f"{path}?lang=en"


def test_each_status_has_its_own_dutch_text_and_an_english_translation(failing_app):
    for code in default_exceptions:
        nl, en = expected_texts(failing_app, code, "nl"), expected_texts(failing_app, code, "en")
        assert all(nl) and all(en), code
        assert nl[0] != en[0] and nl[1] != en[1], f"{code} has no English in the catalogue"
    assert expected_texts(failing_app, 404, "nl") == (
        "Pagina niet gevonden", "Deze pagina bestaat niet (meer). Kijk of het adres klopt, of ga naar de startpagina.")
    assert expected_texts(failing_app, 403, "en")[0] == "No access"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_werkzeug_error_is_our_page_in_the_chosen_language(failing_app, lang):
    client = failing_app.test_client()
    for code in sorted(default_exceptions):
        assert_our_page(failing_app, client.get(url(f"/test-fout/{code}", lang)), code, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_json_callers_get_the_json_error_shape_in_the_chosen_language(failing_app, lang):
    client = failing_app.test_client()
    for code in sorted(default_exceptions):
        response = client.get(url(f"/test-fout/{code}", lang), headers={"Accept": "application/json"})
        assert response.status_code == code
        assert response.get_json() == {
            "code": code, "status": HTTPStatus(code).phrase, "message": expected_texts(failing_app, code, lang)[1],
        }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_errors_a_person_runs_into_are_our_pages(failing_app, browser, make_person, database, lang):
    app = failing_app
    assert_our_page(app, browser.get(url("/bestaat-niet", lang)), 404, lang)

    not_allowed = browser.get(url("/toetsen/ecd-rapportage/start", lang))  # a form's address opened as a link
    assert_our_page(app, not_allowed, 405, lang)
    assert "POST" in not_allowed.headers["Allow"]  # werkzeug's headers are kept

    browser.sign_in(make_person())
    assert_our_page(app, browser.get(url("/beheer/instellingen", lang)), 403, lang)

    too_big = browser.post(url("/toetsen/ecd-rapportage/start", lang), data={"note": "x" * 1_100_000})  # over MAX_CONTENT_LENGTH
    assert_our_page(app, too_big, 413, lang)

    expired = browser.client.post(url("/toetsen/ecd-rapportage/start", lang), data={})  # no CSRF token
    page_expired = "Pagina verlopen" if lang == "nl" else "Page expired"
    assert H1.search(expired.get_data(as_text=True)).group(1) == page_expired
    assert "The CSRF token is missing" not in expired.get_data(as_text=True)

    # a session for a person who no longer exists is ended, like any signed-out visit to a person's
    # page: the start page, which says (now with the 401 page's sentence) to open Digitoets from the LMS
    browser.sign_in(987654)
    gone = browser.get(url("/mijn-overzicht", lang))
    assert gone.status_code == 302 and gone.location.split("?")[0] in ("/", "http://localhost/")
    start = html.unescape(browser.get(url("/", lang)).get_data(as_text=True))  # ?lang= holds for one request only
    assert HTML_LANG.search(start).group(1) == lang
    assert expected_texts(app, 401, lang)[1] in start
    assert browser.get(url("/mijn-overzicht", lang)).status_code == 302  # still signed out

    assert_our_page(app, browser.get(url("/test-bug", lang)), 500, lang)


def test_an_admin_action_that_does_not_exist_is_our_not_found_page(failing_app, browser, make_person, database):
    browser.sign_in(make_admin(database, make_person))
    browser.get("/beheer/lti")
    assert_our_page(failing_app, browser.post("/beheer/lti/1/weggooien"), 404, "nl")
