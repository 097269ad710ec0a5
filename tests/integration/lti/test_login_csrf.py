"""Login CSRF: someone posts their own id_token and state from another person's browser.

The state cookie binds a launch to the browser that started the login. Without it, only LTI
platform storage can stand in, read by our own storage page from the platform's frame: a
``browser_state`` field alone must never sign anyone in.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from tests.integration.lti.conftest import LAUNCH_URL, TOOL
from tests.support.platform import User

ECD = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}
MALLORY = User(id="666", name="Mallory", given_name="Mallory", family_name=None, email="mallory@evil.example")


def _attackers_token(app, lms, **initiation):
    """The attacker's own login, in the attacker's browser: a valid id_token and its state."""
    attacker = app.test_client()
    login = attacker.post("/lti/login", data=lms.login_initiation(LAUNCH_URL, user=MALLORY, custom=ECD, **initiation))
    if login.status_code == 200:  # platform storage offered: the auth URL is on the storage page
        page = login.get_data(as_text=True)
        return lms.authorize(page.split('data-next="')[1].split('"')[0].replace("&amp;", "&"))
    return lms.authorize(login.location)


def _signed_in(client) -> bool:
    with client.session_transaction() as session:
        return "person_id" in session


def test_browser_state_without_offered_storage_signs_no_one_in(app, lms, registered):
    form = _attackers_token(app, lms)
    victim = app.test_client()
    # the attacker's page auto-posts this from the victim's browser; even with our own Origin it fails
    refused = victim.post("/lti/launch", data={**form, "browser_state": form["state"]}, headers={"Origin": TOOL})
    assert refused.status_code == 400 and "storage_not_offered" in refused.get_data(as_text=True)
    assert not _signed_in(victim)
    assert victim.get("/mijn-overzicht").status_code == 302  # to the start page: nobody signed in


def test_browser_state_posted_by_another_site_is_refused(app, lms, registered):
    form = _attackers_token(app, lms, storage_target="_parent")
    victim = app.test_client()
    refused = victim.post("/lti/launch", data={**form, "browser_state": form["state"]},
                          headers={"Origin": "https://evil.example"})
    assert refused.status_code == 400 and "storage_foreign_origin" in refused.get_data(as_text=True)
    assert not _signed_in(victim)


def test_browser_state_needs_the_one_time_proof_of_our_storage_page(app, lms, registered):
    form = _attackers_token(app, lms, storage_target="_parent")
    victim = app.test_client()
    refused = victim.post("/lti/launch", data={**form, "browser_state": form["state"]}, headers={"Origin": TOOL})
    assert refused.status_code == 400 and "storage_proof_invalid" in refused.get_data(as_text=True)
    assert not _signed_in(victim)


def test_the_storage_page_is_given_once_and_its_proof_works_once(app, client, lms, registered):
    login = client.post("/lti/login", data=lms.login_initiation(LAUNCH_URL, custom=ECD, storage_target="_parent"))
    page = login.get_data(as_text=True)
    form = lms.authorize(page.split('data-next="')[1].split('"')[0].replace("&amp;", "&"))
    for cookie in SimpleCookie(login.headers["Set-Cookie"]).values():  # the browser refused the state cookie
        client.delete_cookie(cookie.key)
    storage_page = client.post("/lti/launch", data=form).get_data(as_text=True)
    proof = storage_page.split('name="storage_proof" value="')[1].split('"')[0]
    again = client.post("/lti/launch", data=form).get_data(as_text=True)
    assert 'data-lti-storage="get"' not in again  # a second storage page for the same state: no
    posted = {**form, "browser_state": form["state"], "storage_proof": proof}
    done = client.post("/lti/launch", data=posted, headers={"Origin": TOOL})
    assert done.status_code == 302 and _signed_in(client)
    other = app.test_client()
    replay = other.post("/lti/launch", data=posted, headers={"Origin": TOOL})
    assert replay.status_code == 400 and "storage_proof_invalid" in replay.get_data(as_text=True)
    assert not _signed_in(other)
