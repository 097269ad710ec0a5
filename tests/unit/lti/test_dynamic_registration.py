"""LTI Dynamic Registration against the test LMS."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from lti.dynamic_registration import (TOOL_CONFIGURATION, PlatformRegistration, ToolDescription,
                                      register)
from lti.errors import LaunchError, RegistrationError
from lti.launch import oidc_login
from lti.registration import Registration
from lti.request import LtiRequest
from lti.services import SCOPE_NRPS, SCOPE_SCORE
from lti.tool_conf import ToolConf
from tests.unit.lti.fakes import (TOOL_HOST, TOOL_LAUNCH, InMemoryLaunchStateStore,
                                  InMemoryRegistrationStore)

TOOL = ToolDescription(
    client_name="Digitoets", initiate_login_uri="https://digitoets.test/lti/login",
    redirect_uris=(TOOL_LAUNCH,), jwks_uri="https://digitoets.test/lti/jwks",
    target_link_uri=TOOL_LAUNCH, deep_linking_uri="https://digitoets.test/lti/deep-link",
    custom_parameters={"digitoets_function": "$Person.sourcedId"})


def test_registration_returns_what_the_service_stores(lms):
    url, token = lms.start_dynamic_registration()
    result = register(url, token, TOOL)
    assert (result.issuer, result.auth_login_url, result.auth_token_url, result.key_set_url) == (
        lms.issuer, lms.auth_url, lms.token_url, lms.jwks_url)
    assert result.client_id.startswith("dyn-") and result.deployment_id == "dyn-deployment-1"
    assert result.product_family_code == "moodle"
    assert SCOPE_SCORE in result.scopes and SCOPE_NRPS in result.scopes


def test_registration_is_named_after_the_platform_and_its_host(lms):
    url, token = lms.start_dynamic_registration()
    result = register(url, token, TOOL)
    assert result.display_name == f"Moodle - {urlsplit(lms.issuer).netloc}"


@pytest.mark.parametrize("code, issuer, name", [
    ("moodle", "https://leren.zorggroep.nl", "Moodle - leren.zorggroep.nl"),
    ("canvas", "https://canvas.instructure.com", "Canvas - canvas.instructure.com"),
    ("desire2learn", "https://zorg.brightspace.com", "Brightspace - zorg.brightspace.com"),
    ("OpenLMS", "https://lms.example:8443", "OpenLMS - lms.example:8443"),
    (None, "https://lms.example", "lms.example"),
])
def test_display_name_reads_as_product_and_host(code, issuer, name):
    platform = PlatformRegistration(issuer=issuer, client_id="c", deployment_id=None,
                                    auth_login_url=issuer, auth_token_url=issuer,
                                    key_set_url=issuer, product_family_code=code)
    assert platform.display_name == name


def test_registration_request_describes_the_tool(lms):
    url, token = lms.start_dynamic_registration()
    register(url, token, TOOL)
    sent = lms.dynamic_registrations[-1]
    assert sent["initiate_login_uri"] == TOOL.initiate_login_uri
    assert sent["redirect_uris"] == [TOOL_LAUNCH] and sent["jwks_uri"] == TOOL.jwks_uri
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert set(sent["scope"].split()) >= {SCOPE_SCORE, SCOPE_NRPS}
    config = sent[TOOL_CONFIGURATION]
    assert config["domain"] == "digitoets.test" and config["target_link_uri"] == TOOL_LAUNCH
    assert {"iss", "sub", "email"} <= set(config["claims"])
    assert [m["type"] for m in config["messages"]] == ["LtiResourceLinkRequest",
                                                       "LtiDeepLinkingRequest"]
    assert config["custom_parameters"] == {"digitoets_function": "$Person.sourcedId"}


def test_registration_token_is_single_use(lms):
    url, token = lms.start_dynamic_registration()
    register(url, token, TOOL)
    with pytest.raises(RegistrationError, match="401"):
        register(url, token, TOOL)


def test_issuer_of_another_origin_is_refused(lms):
    url, token = lms.start_dynamic_registration()
    lms.openid_issuer = "https://elsewhere.example"
    try:
        with pytest.raises(RegistrationError, match="does not match"):
            register(url, token, TOOL)
    finally:
        lms.openid_issuer = None
    assert token in lms.registration_tokens  # nothing was posted


def test_unreachable_platform_is_a_registration_error():
    with pytest.raises(RegistrationError, match="unreachable"):
        register("http://127.0.0.1:9/.well-known/openid-configuration", "t", TOOL, timeout=2)


def test_new_registration_is_pending_until_activated(lms, tool_keys):
    url, token = lms.start_dynamic_registration()
    result = register(url, token, TOOL)
    pending = Registration(id=9, tenant_id=3, issuer=result.issuer, client_id=result.client_id,
                           auth_login_url=result.auth_login_url,
                           auth_token_url=result.auth_token_url, key_set_url=result.key_set_url,
                           deployment_ids=frozenset({result.deployment_id}), active=False)
    tool_conf = ToolConf(InMemoryRegistrationStore(pending), tool_keys)
    form = {"iss": result.issuer, "client_id": result.client_id, "login_hint": "2",
            "target_link_uri": TOOL_LAUNCH}
    with pytest.raises(LaunchError) as info:
        oidc_login(LtiRequest(form), tool_conf, InMemoryLaunchStateStore(), TOOL_HOST)
    assert info.value.reason_code == "registration_pending"
