"""One-time links out of the LMS frame: bound to the launching browser, short, single-use, confirmed.

``/lti/doorgaan/<token>`` signs someone in. The browser that did the launch goes straight on
(its binding cookie comes back); any other browser sees who it will be and where, and must
confirm with a POST, so a forwarded or stolen link signs no one in by just being opened.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from service import models as m
from service.db import utcnow
from tests.integration.lti.conftest import follow, launch, register
from tests.support.platform import User

ECD = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}


def _doorgaan_link(client, lms, **initiation) -> str:
    """Launch, lose the session cookie in the frame, and read the new-window link off the page."""
    result = launch(client, lms, custom=ECD, **initiation)
    client.delete_cookie("session")
    page = client.get(result.response.location).get_data(as_text=True)
    return re.search(r'href="(/lti/doorgaan/[^"]+)"', page).group(1)


def _signed_in(client) -> int | None:
    with client.session_transaction() as session:
        return session.get("person_id")


def _csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_launching_browser_goes_straight_on(client, lms, registered):
    link = _doorgaan_link(client, lms)  # the binding cookie is still there, only the session went
    opened = client.get(link)
    assert opened.status_code == 302 and opened.location == "/toets/ecd-rapportage"
    assert _signed_in(client)


def test_another_browser_sees_who_and_where_and_must_confirm(app, client, lms, database, content):
    register(database, lms, store_personal_data=True)
    link = _doorgaan_link(client, lms)
    other = app.test_client()
    asked = other.get(link)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Je gaat verder als Anna de Vries bij Zorg zorg-a." in page
    assert not _signed_in(other)  # opening the link signs no one in
    assert other.post("/lti/doorgaan", data={}).status_code == 400  # the confirmation needs its CSRF token
    assert not _signed_in(other)
    confirmed = other.post("/lti/doorgaan", data={"csrf_token": _csrf(page)})
    assert confirmed.status_code == 302 and confirmed.location == "/toets/ecd-rapportage"
    assert _signed_in(other)
    again = app.test_client()
    assert again.get(link).status_code == 404  # the link worked once


def test_without_a_stored_name_the_page_says_jij(app, client, lms, registered):
    link = _doorgaan_link(client, lms)  # the organisation does not store names
    page = app.test_client().get(link).get_data(as_text=True)
    assert "Je gaat verder als jij, met je account uit de leeromgeving van Zorg zorg-a." in page


def test_a_confirmation_left_too_long_signs_no_one_in(app, client, lms, registered):
    link = _doorgaan_link(client, lms)
    other = app.test_client()
    page = other.get(link).get_data(as_text=True)
    with other.session_transaction() as session:
        pending = session["lti_pending_continue"]
        session["lti_pending_continue"] = {**pending, "until": pending["until"] - 301}  # 5 minutes went by
    refused = other.post("/lti/doorgaan", data={"csrf_token": _csrf(page)})
    assert refused.status_code == 404 and not _signed_in(other)


def test_links_live_a_minute(client, lms, registered, database):
    _doorgaan_link(client, lms)
    with database.begin() as session:
        rows = session.scalars(select(m.LtiLaunchState).where(m.LtiLaunchState.key.like("continue:%"))).all()
    assert rows and all(row.expires_at <= utcnow() + timedelta(seconds=60) for row in rows)


def test_a_stranger_who_opens_a_link_of_someone_else_is_asked_first_even_when_signed_in(app, client, lms, database,
                                                                                      content):
    register(database, lms, store_personal_data=True)
    link = _doorgaan_link(client, lms)
    victim = app.test_client()
    launch(victim, lms, custom=ECD, user=User(id="8", name="Bea Jansen", given_name="Bea", family_name="Jansen",
                                              email="bea@zorg.example"))
    follow(victim, victim.get("/toetsen"))
    bea = _signed_in(victim)
    page = victim.get(link).get_data(as_text=True)
    assert "Anna de Vries" in page and _signed_in(victim) == bea  # still Bea until she confirms
