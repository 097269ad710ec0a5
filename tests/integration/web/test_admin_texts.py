"""Admin pages speak Dutch: technical names (LTI, LRS, client-ID, issuer...) stay, but only next
to a Dutch word, and each field with such a name explains in Dutch what it is."""

from __future__ import annotations

import html
import re

import pytest

from tests.integration.web.test_admin import make_admin

ADMIN_PAGES = ("/beheer", "/beheer/instellingen", "/beheer/lti", "/beheer/functies", "/beheer/rollen", "/beheer/xapi")
# English words that have a plain Dutch word. Allowed only in brackets, as the technical name
# next to the Dutch one: "Adres voor toegangsbewijzen (token-URL)".
JARGON = re.compile(
    r"\b(custom|endpoint|statements?|launch|redirect|token|audience|issuer|login|link|url|learning|record|store|"
    r"settings|dashboard|submit|save)\b",
    re.IGNORECASE,
)
KEPT_NAMES = ("Client-ID", "Deployment-ID")  # the names the LMS shows, explained under the field


def visible_text(page: str) -> str:
    """The words a person reads, without addresses in <code> and without bracketed technical names."""
    body = page.split("<main", 1)[1]
    body = re.sub(r"<(code|script)\b.*?</\1>", " ", body, flags=re.S)
    body = html.unescape(re.sub(r"<[^>]+>", " ", body))
    while re.search(r"\([^()]*\)", body):
        body = re.sub(r"\([^()]*\)", " ", body)
    return re.sub(r"https?://\S+", " ", body)


@pytest.fixture
def admin(browser, make_person, database):
    return browser.sign_in(make_admin(database, make_person))


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_use_no_english_jargon(admin, path):
    response = admin.get(path)
    assert response.status_code == 200
    words = visible_text(response.get_data(as_text=True))
    assert not JARGON.findall(words), f"English jargon on {path}: {sorted(set(JARGON.findall(words)))}"


def test_a_refused_registration_form_names_the_problems_in_dutch(admin):
    admin.get("/beheer/lti")
    response = admin.post("/beheer/lti", data={"function_parameter": "", "role_parameter": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Vul de platform-ID (issuer) in." in page and "Vul het adres voor toegangsbewijzen in." in page
    assert not JARGON.findall(visible_text(page))


def hint_of(page: str, field_id: str) -> str:
    """The Dutch explanation a screen reader reads with the field (aria-describedby)."""
    field = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', page).group(0)
    described = re.search(r'aria-describedby="([^"]+)"', field).group(1).split()
    assert f"{field_id}-hint" in described
    return html.unescape(re.search(rf'<p class="hint" id="{field_id}-hint">(.*?)</p>', page, re.S).group(1))


def test_fields_with_a_technical_name_explain_it_in_dutch(admin):
    page = admin.get("/beheer/lti").get_data(as_text=True)
    for name in KEPT_NAMES:
        assert f">{name}</label>" in page
    assert "gaf toen je de externe tool aanmaakte" in hint_of(page, "client_id")
    assert "installatie van Digitoets in je leeromgeving" in hint_of(page, "deployment_id")
    assert "meestal het adres van de site" in hint_of(page, "issuer")
    assert "custom parameters" in hint_of(page, "function_parameter")  # Moodle's own word, explained
    assert "hr, manager, coach of accreditation" in hint_of(page, "role_parameter")
    assert "Custom parameter met" not in page
    settings = admin.get("/beheer/instellingen").get_data(as_text=True)
    assert "opslag voor leergegevens" in hint_of(settings, "lrs_endpoint")


def test_the_admin_explanations_are_in_english_after_switching(admin):
    admin.get("/taal/en")
    page = admin.get("/beheer/lti").get_data(as_text=True)
    assert "Platform ID (issuer)" in page and "Name of the extra data with roles in Digitoets" in page
    assert "The number your learning platform gave Digitoets" in hint_of(page, "client_id")
    assert "gaf toen je de externe tool aanmaakte" not in page
