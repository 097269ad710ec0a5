"""Links in the page header that lead back: to the course (return_url), or to a new window."""

from __future__ import annotations

import re

from tests.integration.lti.conftest import follow, launch
from tests.support.platform import _with

RETURN = "/mod/lti/return.php?course=2&instanceid=7"  # on the LMS's own host (lms.base_url)
CUSTOM = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}


def _back_link(page: str) -> str | None:
    found = re.search(r'<a href="([^"]*)" target="_top">Terug naar de cursus</a>', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_launch_with_a_return_url_offers_the_way_back_to_the_course(client, lms, registered):
    presentation = _with(launch_presentation={"locale": "nl-NL", "return_url": lms.base_url + RETURN})
    page = follow(client, launch(client, lms, tamper=presentation, custom=CUSTOM).response).get_data(as_text=True)
    assert "Rapporteren in het ECD" in page
    assert _back_link(page) == lms.base_url + RETURN  # target=_top: the course replaces the LMS page, not the frame
    assert _back_link(client.get("/mijn-overzicht").get_data(as_text=True)) == lms.base_url + RETURN

    # a later launch without a return URL forgets the earlier one
    page = follow(client, launch(client, lms, custom=CUSTOM).response).get_data(as_text=True)
    assert _back_link(page) is None


def test_a_return_url_that_is_no_web_address_is_not_offered(client, lms, registered):
    presentation = _with(launch_presentation={"return_url": "javascript:alert(document.cookie)"})
    page = follow(client, launch(client, lms, tamper=presentation, custom=CUSTOM).response).get_data(as_text=True)
    assert "Rapporteren in het ECD" in page and "Terug naar de cursus" not in page


def test_a_return_url_on_another_host_than_the_lms_is_not_offered(client, lms, registered):
    presentation = _with(launch_presentation={"return_url": "https://evil.example/mod/lti/return.php"})
    page = follow(client, launch(client, lms, tamper=presentation, custom=CUSTOM).response).get_data(as_text=True)
    assert "Rapporteren in het ECD" in page and "Terug naar de cursus" not in page


def test_open_in_new_window_is_not_offered_on_a_page_rendered_from_a_post(client, lms, registered):
    refused = launch(client, lms, tamper="expired", custom=CUSTOM).response
    assert refused.status_code == 400 and "Open in nieuw venster" not in refused.get_data(as_text=True)
    page = follow(client, launch(client, lms, custom=CUSTOM).response)  # a GET page does offer it
    assert "Open in nieuw venster" in page.get_data(as_text=True)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_open_in_new_window_signs_the_person_in_there_once(app, client, lms, registered):
    presentation = _with(launch_presentation={"locale": "nl-NL", "return_url": lms.base_url + RETURN})
    page = follow(client, launch(client, lms, tamper=presentation, custom=CUSTOM).response).get_data(as_text=True)
    assert 'data-new-window="/lti/nieuw-venster"' in page
    answer = client.post("/lti/nieuw-venster", data={"next": "/toets/ecd-rapportage"},
                         headers={"X-CSRFToken": _csrf(page), "Accept": "application/json"})
    assert answer.status_code == 200
    url = answer.get_json()["url"]

    window = app.test_client()  # a window of its own: the frame's (partitioned) cookie is not there
    asked = window.get(url).get_data(as_text=True)
    assert "Doorgaan in dit venster" in asked
    opened = window.post("/lti/doorgaan", data={"csrf_token": asked.split('name="csrf_token" value="')[1].split('"')[0]})
    assert opened.status_code == 302 and opened.location == "/toets/ecd-rapportage"
    shown = window.get(opened.location).get_data(as_text=True)
    assert "Rapporteren in het ECD" in shown and _back_link(shown) == lms.base_url + RETURN
    assert app.test_client().get(url).status_code == 404  # the link works once


def test_open_in_new_window_goes_only_to_our_own_pages_and_only_when_signed_in(app, client, lms, registered):
    page = follow(client, launch(client, lms, custom=CUSTOM).response).get_data(as_text=True)
    headers = {"X-CSRFToken": _csrf(page), "Accept": "application/json"}
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "/\n/evil.example"):
        assert client.post("/lti/nieuw-venster", data={"next": elsewhere}, headers=headers).status_code == 404
    stranger = app.test_client()
    token = _csrf(stranger.get("/").get_data(as_text=True))
    refused = stranger.post("/lti/nieuw-venster", data={"next": "/mijn-overzicht"},
                            headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert refused.status_code == 403
