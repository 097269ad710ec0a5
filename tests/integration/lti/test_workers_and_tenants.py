"""Several workers, several tenants, browsers that block cookies, and the tool's own keys."""

from __future__ import annotations

from http.cookies import SimpleCookie

from sqlalchemy import select

from service import create_app
from service import models as m
from service.db import Database
from tests.integration.lti.conftest import LAUNCH_URL, follow, launch, register
from tests.support.platform import TestPlatform

ECD = {"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"}


def test_a_launch_started_on_one_worker_completes_on_another(settings, committed_database, database_url, tmp_path):
    # two app instances, each with its own engine and connection pool, one database
    first = create_app(settings, database=Database(database_url))
    second = create_app(settings, database=Database(database_url))
    tool = first.extensions["digitoets.lti"]
    with TestPlatform(tool_key_set=tool.keys.jwks, tool_launch_url=LAUNCH_URL) as lms:
        from mappings.loader import load_folder
        from service.operations.content import load_content
        from tests.conftest import FIXTURE_CONTENT

        with committed_database.begin() as session:
            load_content(session, load_folder(FIXTURE_CONTENT))
        register(committed_database, lms)
        browser_on_first, browser_on_second = first.test_client(), second.test_client()
        login = browser_on_first.post("/lti/login", data=lms.login_initiation(LAUNCH_URL, custom=ECD))
        form = lms.authorize(login.location)
        for cookie in SimpleCookie(login.headers["Set-Cookie"]).values():  # the same browser, another worker
            browser_on_second.set_cookie(cookie.key, cookie.value)
        launched = browser_on_second.post("/lti/launch", data=form)
        assert launched.status_code == 302
        assert "Start de toets" in follow(browser_on_second, launched).get_data(as_text=True)
    for app in (first, second):
        app.extensions["digitoets"].dispose()


def test_two_tenants_cannot_see_each_others_people_tests_or_results(app, client, tool, content, database):
    with TestPlatform(tool_key_set=tool.keys.jwks, tool_launch_url=LAUNCH_URL) as lms_a, \
            TestPlatform(tool_key_set=tool.keys.jwks, tool_launch_url=LAUNCH_URL) as lms_b:
        register(database, lms_a, slug="zorg-a")
        register(database, lms_b, slug="zorg-b")
        launch(client, lms_a, custom=ECD)  # sub "2" at platform A
        page = follow(client, client.get("/toets/ecd-rapportage")).get_data(as_text=True)
        token = page.split('name="csrf-token" content="')[1].split('"')[0]
        attempt_url = client.post("/toetsen/ecd-rapportage/start", data={"csrf_token": token}).location
        other = app.test_client()
        launch(other, lms_b, custom=ECD)  # the same sub "2", at platform B of another organisation
        assert other.get(attempt_url).status_code == 404
        assert other.get(attempt_url.replace("/poging/", "/poging/") + "/resultaat").status_code == 404
        overview = other.get("/mijn-overzicht").get_data(as_text=True)
        assert "Rapporteren in het ECD" not in overview.split("Mijn toetsen")[1]
    with database.begin() as session:
        people = session.scalars(select(m.Person)).all()
        assert len(people) == 2 and {p.organisation.slug for p in people} == {"zorg-a", "zorg-b"}
        assert people[0].pseudonym != people[1].pseudonym


def test_blocked_cookies_get_a_new_window_link_that_works_once(app, client, lms, registered):
    result = launch(client, lms, custom=ECD)
    check_url = result.response.location
    client.delete_cookie("session")  # the browser dropped our cookie in the LMS frame
    blocked = client.get(check_url)
    page = blocked.get_data(as_text=True)
    assert "Open Digitoets in een nieuw venster" in page
    continue_url = page.split('href="/lti/doorgaan/')[1].split('"')[0]
    new_window = app.test_client()  # without the launch's binding cookie: first a confirmation
    asked = new_window.get(f"/lti/doorgaan/{continue_url}").get_data(as_text=True)
    assert "Je gaat verder als jij, met je account uit de leeromgeving van Zorg zorg-a." in asked
    csrf = asked.split('name="csrf_token" value="')[1].split('"')[0]
    opened = new_window.post("/lti/doorgaan", data={"csrf_token": csrf})
    assert opened.status_code == 302 and opened.location == "/toets/ecd-rapportage"
    assert "Start de toets" in new_window.get(opened.location).get_data(as_text=True)
    assert app.test_client().get(f"/lti/doorgaan/{continue_url}").status_code == 404  # single use


def test_on_https_cookies_are_fit_for_an_lms_iframe(tmp_path, database, settings, content):
    from dataclasses import replace

    secure = replace(settings, base_url="https://localhost")
    app = create_app(secure, database=database)
    tool = app.extensions["digitoets.lti"]
    with TestPlatform(tool_key_set=tool.keys.jwks, tool_launch_url="https://localhost/lti/launch") as lms:
        register(database, lms)
        client = app.test_client()
        login = client.post("/lti/login", data=lms.login_initiation("https://localhost/lti/launch"),
                            base_url="https://localhost")
        cookie = login.headers["Set-Cookie"]
        assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie and "HttpOnly" in cookie
        assert app.config["SESSION_COOKIE_SAMESITE"] == "None" and app.config["SESSION_COOKIE_PARTITIONED"]


def test_platform_storage_stands_in_for_a_blocked_state_cookie(client, lms, registered):
    params = lms.login_initiation(LAUNCH_URL, custom=ECD, storage_target="_parent")
    login = client.post("/lti/login", data=params)
    page = login.get_data(as_text=True)
    assert login.status_code == 200 and 'data-lti-storage="put"' in page and 'data-target="_parent"' in page
    auth_url = page.split('data-next="')[1].split('"')[0].replace("&amp;", "&")
    state = page.split('data-state="')[1].split('"')[0]
    form = lms.authorize(auth_url)
    for cookie in SimpleCookie(login.headers["Set-Cookie"]).values():  # the browser refused the state cookie
        client.delete_cookie(cookie.key)
    asked = client.post("/lti/launch", data=form)
    storage_page = asked.get_data(as_text=True)
    assert 'data-lti-storage="get"' in storage_page  # read the state back from the platform
    proof = storage_page.split('name="storage_proof" value="')[1].split('"')[0]
    done = client.post("/lti/launch", data={**form, "browser_state": state, "storage_proof": proof},
                       headers={"Origin": "http://localhost"})  # our storage page posts it
    assert done.status_code == 302 and done.location.startswith("/lti/check")


def test_rotated_keys_keep_the_old_key_published(runner, client, tool):
    old = tool.keys.current().kid
    result = runner.invoke(args=["lti", "rotate-keys"])
    assert result.exit_code == 0, result.output
    kids = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    assert tool.keys.current().kid != old and set(kids) == {old, tool.keys.current().kid}


def test_register_command_refuses_a_duplicate_and_bad_urls(runner, database, lms, registered):
    def args(client_id, key_set_url):
        return ["lti", "register", "--org", "zorg-a", "--issuer", lms.issuer, "--client-id", client_id,
                "--deployment-id", "d1", "--auth-login-url", lms.auth_url, "--auth-token-url", lms.token_url,
                "--key-set-url", key_set_url]

    duplicate = runner.invoke(args=args(lms.client_id, lms.jwks_url))
    assert duplicate.exit_code == 1 and "al gekoppeld" in duplicate.output
    bad = runner.invoke(args=args("other-client", "jwks.example"))
    assert bad.exit_code == 1 and "key_set_url" in bad.output
    with database.begin() as session:
        assert len(session.scalars(select(m.LtiRegistration)).all()) == 1
