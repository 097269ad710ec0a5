"""A launch whose state cookie the browser did not send (a cross-site frame, cookies blocked).

Without LTI Platform Storage the tool offers the same launch in a new window, restarted from
the login initiation's own parameters (kept with the state). Over plain http that cannot work
(a cross-site POST never carries a SameSite=Lax cookie), so the page says https is needed.
Each browser window is its own test client: the frame's client never gets the cookie back.
"""

from __future__ import annotations

import re

import pytest

from service.config import Settings
from tests.conftest import FIXTURE_CONTENT
from tests.integration.lti.conftest import register
from tests.support.platform import TestPlatform

HTTPS_TOOL = "https://localhost"


def _frame_launch(app, lms, tool_url):
    """Login in one client, then the launch POST from a client without the tool's cookie."""
    login = app.test_client().post("/lti/login", base_url=tool_url,
                                   data=lms.login_initiation(f"{tool_url}/lti/launch",
                                                             custom={"digitoets_test": "ecd-rapportage",
                                                                     "digitoets_function": "VIG"}))
    assert login.status_code == 302
    return app.test_client().post("/lti/launch", base_url=tool_url, data=lms.authorize(login.location))


class TestOverHttps:
    @pytest.fixture
    def settings(self, tmp_path, database_url):
        return Settings(env="testing", instance_path=tmp_path / "instance", database_url=database_url,
                        secret_key="test-secret-key-that-is-long-enough-0123456789",
                        content_path=FIXTURE_CONTENT, base_url=HTTPS_TOOL)

    @pytest.fixture
    def lms(self, tool):
        with TestPlatform(tool_key_set=tool.keys.jwks, tool_launch_url=f"{HTTPS_TOOL}/lti/launch") as platform:
            yield platform

    def test_the_same_launch_restarts_in_a_new_window(self, app, lms, content, database):
        register(database, lms)
        offered = _frame_launch(app, lms, HTTPS_TOOL)
        page = offered.get_data(as_text=True)
        assert offered.status_code == 200 and "Open Digitoets in een nieuw venster" in page
        restart = re.search(r'href="(/lti/opnieuw/[^"]+)" target="_blank"', page).group(1)

        window = app.test_client()  # the new window: a first-party context, its cookie comes back
        login = window.get(restart, base_url=HTTPS_TOOL)
        assert login.status_code == 302 and login.location.startswith(lms.auth_url)
        cookie = login.headers["Set-Cookie"]
        assert "Secure" in cookie and "SameSite=None" in cookie and "Partitioned" in cookie
        assert app.test_client().get(restart, base_url=HTTPS_TOOL).status_code == 404  # one-time
        launched = window.post("/lti/launch", base_url=HTTPS_TOOL, data=lms.authorize(login.location))
        assert launched.status_code == 302
        checked = window.get(launched.location, base_url=HTTPS_TOOL)
        assert checked.status_code == 302 and checked.location == "/toets/ecd-rapportage"
        assert "Rapporteren in het ECD" in window.get(checked.location, base_url=HTTPS_TOOL).get_data(as_text=True)

    def test_an_unknown_restart_link_is_a_clear_404(self, app, content):
        response = app.test_client().get("/lti/opnieuw/niet-bestaand", base_url=HTTPS_TOOL)
        assert response.status_code == 404
        assert "Deze link is al gebruikt of verlopen." in response.get_data(as_text=True)


def test_over_http_the_refusal_says_the_tool_needs_https(app, lms, content, database):
    register(database, lms)
    refused = _frame_launch(app, lms, "http://localhost")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "state_cookie_missing" in page
    assert "alleen met een beveiligde verbinding (https)" in page
    assert "Ga terug naar je cursus en open de toets opnieuw" not in page
    assert "/lti/opnieuw/" not in page  # a new window would be refused the same way
