"""A launch on https inside a cross-site LMS frame whose cookies the browser blocks, no platform storage.

The tool runs over https on 127.0.0.1 (a self-signed certificate made here), the test LMS on
``http://localhost``: two sites. Chromium already blocks ordinary third-party cookies, but it
keeps the tool's ``Partitioned`` cookie (CHIPS), so the launch would simply work. To be the
browser that blocks the tool's cookies in the frame altogether (Safari, or a person who blocked
the site's cookies), the profile blocks the tool's cookies whenever the LMS is the top-level
site; in a window of its own the tool's cookies work. The LMS offers no platform storage, so
the tool must offer the same launch in a new window, restarted from the login's own parameters.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from playwright.sync_api import expect
from werkzeug.serving import make_server

from service import EXTENSION, create_app
from service.config import Settings
from service.operations import registrations
from service.operations.demo import ensure_demo_organisation
from service.web.auth import now
from tests.conftest import STARTER_CONTENT
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, HOST, _copy_sqlite, _ServerThread, _starting
from tests.support.platform import TestPlatform

pytestmark = pytest.mark.browser


def _self_signed(folder: Path) -> ssl.SSLContext:
    """A TLS context for 127.0.0.1 with a certificate made for this test (valid for an hour)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(start)
                   .not_valid_after(start + datetime.timedelta(hours=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
                                  critical=False)
                   .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


@pytest.fixture
def https_tool(tmp_path, starter_database):
    """The real app over https on 127.0.0.1:<free port>, on its own copy of the starter database."""
    path = tmp_path / "digitoets.sqlite3"
    _copy_sqlite(starter_database, path)
    running = _ServerThread(make_server(HOST, 0, _starting, threaded=True, ssl_context=_self_signed(tmp_path)))
    url = f"https://{HOST}:{running.server.port}"
    app = create_app(Settings(env="testing", instance_path=tmp_path / "instance", database_url=f"sqlite:///{path}",
                              secret_key="e2e-secret-key-that-is-long-enough-0123456789", base_url=url,
                              content_path=STARTER_CONTENT))
    running.server.app = app
    try:
        yield url, app
    finally:
        running.stop()
        app.extensions[EXTENSION].dispose()


@pytest.fixture
def blocking_browser(tmp_path, chromium):
    """Chromium with third-party cookies blocked and the tool's cookies blocked under any other site."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    # content setting "cookies": primary pattern the tool's host, secondary the top-level site;
    # 2 = block. The tool as top-level site (a new window) is not matched.
    (profile / "Default" / "Preferences").write_text(json.dumps({"profile": {"content_settings": {"exceptions": {
        "cookies": {f"{HOST},localhost": {"setting": 2}}}}}}))
    # a browser of its own (a profile with these settings), started through the session's Playwright
    context = chromium.browser_type.launch_persistent_context(
        profile, executable_path=str(CHROMIUM), locale="nl-NL", ignore_https_errors=True,
        args=[*CHROMIUM_ARGS, "--ignore-certificate-errors", "--test-third-party-cookie-phaseout"])
    try:
        yield context
    finally:
        context.close()


def test_a_blocked_cookie_on_https_restarts_the_same_launch_in_a_new_window(https_tool, blocking_browser):
    tool, app = https_tool
    with TestPlatform(tool_key_set=app.extensions["digitoets.lti"].keys.jwks,
                      tool_launch_url=f"{tool}/lti/launch") as lms:
        lms.base_url = lms.base_url.replace("127.0.0.1", "localhost")  # another site than the tool
        with app.extensions[EXTENSION].begin() as session:
            org = ensure_demo_organisation(session, now())
            registrations.register_platform(session, org, issuer=lms.issuer, client_id=lms.client_id,
                                            auth_login_url=lms.auth_url, auth_token_url=lms.token_url,
                                            key_set_url=lms.jwks_url, deployment_ids=[lms.deployment_id])
        course = lms.browser_launch_url(f"{tool}/lti/login", iframe=True, target_link_uri=f"{tool}/lti/launch",
                                        custom={"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"})
        page = blocking_browser.new_page()
        page.goto(course)
        frame = page.frame_locator("iframe[name=lti]")
        expect(frame.get_by_role("heading", name="Open Digitoets in een nieuw venster")).to_be_visible(timeout=15000)
        assert page.evaluate("window.platformStorageLog") == []  # no platform storage was offered or used
        with blocking_browser.expect_page() as opened:
            frame.get_by_role("link", name="Open in een nieuw venster").first.click()
        window = opened.value
        # the new window ran the login again, the LMS signed a new launch, and this one kept its cookie
        expect(window.get_by_role("heading", name="Rapporteren in het ECD")).to_be_visible(timeout=15000)
        expect(window.get_by_role("button", name="Start de toets")).to_be_visible()
        assert window.url.startswith(f"{tool}/toets/ecd-rapportage")


def test_open_in_new_window_from_a_working_https_frame_stays_signed_in(https_tool, chromium):
    """Chromium keeps the frame's Partitioned session cookie for the LMS's site only: the new window
    has no session of its own, so the header link must bring the person along (one-time link)."""
    tool, app = https_tool
    with TestPlatform(tool_key_set=app.extensions["digitoets.lti"].keys.jwks,
                      tool_launch_url=f"{tool}/lti/launch") as lms:
        lms.base_url = lms.base_url.replace("127.0.0.1", "localhost")
        with app.extensions[EXTENSION].begin() as session:
            org = ensure_demo_organisation(session, now())
            registrations.register_platform(session, org, issuer=lms.issuer, client_id=lms.client_id,
                                            auth_login_url=lms.auth_url, auth_token_url=lms.token_url,
                                            key_set_url=lms.jwks_url, deployment_ids=[lms.deployment_id])
        course = lms.browser_launch_url(f"{tool}/lti/login", iframe=True, target_link_uri=f"{tool}/lti/launch",
                                        custom={"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"})
        context = chromium.new_context(locale="nl-NL", ignore_https_errors=True)
        try:
            page = context.new_page()
            page.goto(course)
            frame = page.frame_locator("iframe[name=lti]")
            expect(frame.get_by_role("button", name="Start de toets")).to_be_visible(timeout=15000)
            with context.expect_page() as opened:
                frame.get_by_role("link", name="Open in nieuw venster").click()
            window = opened.value
            # this Chromium keeps no unpartitioned cookie set in a cross-site frame, so the link's
            # binding cookie does not reach the new window: it names the person and asks first
            expect(window.get_by_role("heading", name="Doorgaan in dit venster")).to_be_visible(timeout=15000)
            window.get_by_role("button", name="Doorgaan").click()
            expect(window.get_by_role("button", name="Start de toets")).to_be_visible(timeout=15000)
            assert window.url == f"{tool}/toets/ecd-rapportage"
        finally:
            context.close()
