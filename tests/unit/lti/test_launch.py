"""validate_launch and oidc_login against real id_tokens from the test LMS."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import flask
import pytest
from pylti1p3.contrib.flask import FlaskRequest

from lti.errors import LaunchError
from lti.launch import find_launch, issue_storage_proof, oidc_login, pending_login, validate_launch
from lti.request import LtiRequest
from lti.tool_conf import ToolConf
from tests.support.platform import (BROKEN, INSTRUCTOR, LEARNER, TestPlatform, User, _with,
                                    new_private_key)
from tests.unit.lti.fakes import (TOOL_HOST, TOOL_LAUNCH, InMemoryLaunchStateStore,
                                  InMemoryRegistrationStore)

# The certification's invalid tokens (plus a few), and the reason each must be refused with.
INVALID = {
    "no_kid": "missing_kid",
    "unknown_kid": "unknown_kid",
    "bad_signature": "bad_signature",
    "hs256_with_public_key": "unknown_kid",  # no key of the platform is an HS256 key
    "wrong_version": "wrong_version",
    "no_version": "missing_version",
    "no_message_type": "missing_message_type",
    "wrong_message_type": "wrong_message_type",
    "no_roles": "missing_roles",
    "no_deployment_id": "missing_deployment_id",
    "unknown_deployment": "unknown_deployment",
    "no_resource_link_id": "missing_resource_link_id",
    "no_sub": "missing_sub",
    "iat_in_future": "bad_iat",
    "iat_not_a_number": "bad_iat",
    "expired": "expired",
    "no_exp": "missing_exp",
    "too_old": "token_too_old",
    "wrong_aud": "wrong_aud",
    "aud_list_wrong_azp": "wrong_azp",
    "aud_list_no_azp": "missing_azp",
    "wrong_iss": "wrong_iss",
    "wrong_nonce": "unknown_nonce",
    "foreign_target_link_uri": "target_link_uri_foreign",
}


def refused(call) -> str:
    with pytest.raises(LaunchError) as info:
        call()
    return info.value.reason_code


def test_every_broken_token_has_an_expected_reason():
    assert set(INVALID) == set(BROKEN)


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_token_is_refused_with_its_reason(case, launch_request, tool_conf, state_store):
    request = launch_request(tamper=case)
    assert refused(lambda: validate_launch(request, tool_conf, state_store, TOOL_HOST)) == INVALID[case]


@pytest.mark.parametrize("claims, reason", [
    ({"roles": "Learner"}, "bad_roles"),
    ({"custom": ["digitoets_test"]}, "bad_claim"),
    ({"resource_link": "link-1"}, "malformed_token"),  # pylti1p3 calls .get on it
    ({"sub": 42}, "bad_sub"),
    ({"sub": "7" * 256}, "bad_sub"),  # the specification allows at most 255 characters
    ({"context": {"title": "Zorg voor ouderen", "label": "ZVO"}}, "missing_context_id"),
    ({"context": {"id": "", "title": "Zorg voor ouderen"}}, "missing_context_id"),
    ({"context": {}}, "missing_context_id"),
    ({"launch_presentation": "iframe"}, "bad_claim"),
    ({"sub": "2\x00"}, "bad_sub"),  # PostgreSQL cannot store a NUL
    ({"context": {"id": "c" * 256}}, "bad_context_id"),
    ({"context": {"id": {"nested": "course-1"}}}, "bad_context_id"),
    ({"resource_link": {"id": "l" * 256}}, "bad_resource_link_id"),
    ({"custom": {"digitoets_function": {"code": "VIG"}}}, "bad_custom"),
    ({"custom": {"digitoets_function": "V" * 1001}}, "bad_custom"),
], ids=["roles-string", "custom-list", "resource-link-string", "sub-number", "sub-256-characters",
        "context-without-id", "context-empty-id", "context-empty", "presentation-string", "sub-nul",
        "context-id-256", "context-id-object", "link-id-256", "custom-object", "custom-1001"])
def test_malformed_claims_are_refused(claims, reason, launch_request, tool_conf, state_store):
    request = launch_request(tamper=_with(**claims))
    assert refused(lambda: validate_launch(request, tool_conf, state_store, TOOL_HOST)) == reason


#: a launch key no store holds (fixed, so every pytest-xdist worker collects the same test ids)
STRANGE_LAUNCH = "launch-" + str(uuid.UUID(int=0x53CB2FC92CC249AB828EA3447FC6CE6B))


@pytest.mark.parametrize("state", [STRANGE_LAUNCH, "nonce-x", "state-" + "x" * 80])
def test_state_naming_another_stored_key_is_refused(state, launch_request, tool_conf, state_store):
    request = launch_request()
    forged = LtiRequest({**request.params, "state": state}, {"lti1p3-" + state: state})
    assert refused(lambda: validate_launch(forged, tool_conf, state_store, TOOL_HOST)) == "unknown_state"


def test_key_set_url_without_a_key_set_is_refused(lms, tool_keys, state_store):
    registration = replace(lms.tool_registration(), key_set_url=lms.openid_configuration_url)
    tool_conf = ToolConf(InMemoryRegistrationStore(registration), tool_keys)
    login = oidc_login(LtiRequest(lms.login_initiation(TOOL_LAUNCH)), tool_conf, state_store, TOOL_HOST)
    request = LtiRequest(lms.authorize(login.url), {c.name: c.value for c in login.cookies})
    assert refused(lambda: validate_launch(request, tool_conf, state_store, TOOL_HOST)) == \
        "key_set_unavailable"


def test_not_a_jwt_is_refused(launch_request, tool_conf, state_store):
    request = launch_request()
    broken = LtiRequest({**request.params, "id_token": "not-a-jwt"}, request.cookies)
    assert refused(lambda: validate_launch(broken, tool_conf, state_store, TOOL_HOST)) == "not_a_jwt"


@pytest.mark.parametrize("missing, reason", [("id_token", "missing_id_token"),
                                             ("state", "missing_state")])
def test_launch_without_id_token_or_state_is_refused(missing, reason, launch_request, tool_conf,
                                                     state_store):
    request = launch_request()
    params = {k: v for k, v in request.params.items() if k != missing}
    assert refused(lambda: validate_launch(LtiRequest(params, request.cookies), tool_conf,
                                           state_store, TOOL_HOST)) == reason


def test_launch_with_a_state_we_never_issued_is_refused(launch_request, tool_conf, state_store):
    request = launch_request()
    forged = LtiRequest({**request.params, "state": "state-" + str(uuid.uuid4())}, request.cookies)
    assert refused(lambda: validate_launch(forged, tool_conf, state_store, TOOL_HOST)) == "unknown_state"


def test_valid_launch_gives_a_launch_context(launch_request, tool_conf, state_store):
    context = validate_launch(launch_request(custom={"digitoets_test": "ecd-basis"}), tool_conf,
                              state_store, TOOL_HOST)
    assert context.message_type == "LtiResourceLinkRequest"
    assert (context.sub, context.name, context.email) == ("2", "Anna de Vries", "anna@zorg.example")
    assert context.roles == (LEARNER,)
    assert context.context.id == "course-1" and context.resource_link.id == "link-1"
    assert context.custom == {"digitoets_test": "ecd-basis"}
    assert context.ags.lineitem.endswith("/lineitem?type_id=1")
    assert context.nrps_memberships_url.endswith("/memberships")
    assert (context.registration_id, context.tenant_id, context.locale) == (1, 1, "nl-NL")
    assert context.target_link_uri == TOOL_LAUNCH


@pytest.mark.parametrize("variant", [
    {"roles": [LEARNER, INSTRUCTOR]},
    {"roles": ["Instructor"]},
    {"roles": ["Learner"]},
    {"roles": ["http://example.com/roles#Gardener"]},
    {"roles": []},
    {"user": User(id="3", name=None, given_name=None, family_name=None, email="b@zorg.example")},
    {"user": User(id="4", email=None)},
    {"user": User(id="5", name=None, given_name=None, family_name=None, email=None)},
    {"context": None},
    {"resource_link": {"id": "link-" + uuid.uuid4().hex, "title": "Nieuwe plek"}},
    {"locale": None},
], ids=["several-roles", "short-instructor", "short-learner", "unknown-role", "empty-roles",
        "email-only", "names-only", "no-personal-data", "no-context", "new-resource-link",
        "no-locale"])
def test_valid_variant_is_accepted(variant, launch_request, tool_conf, state_store):
    context = validate_launch(launch_request(**variant), tool_conf, state_store, TOOL_HOST)
    if "roles" in variant:
        assert context.roles == tuple(variant["roles"])
    if variant.get("context", True) is None:
        assert (context.context, context.ags, context.nrps_memberships_url) == (None, None, None)
    if "user" in variant:
        assert context.email == variant["user"].email and context.name == variant["user"].name


@pytest.mark.parametrize("presentation, expected", [
    ({"return_url": "{lms}/mod/lti/return.php?course=2"}, "{lms}/mod/lti/return.php?course=2"),
    ({"return_url": "https://leren.zorg.example/mod/lti/return.php?course=2"}, None),
    ({"return_url": "javascript:alert(1)"}, None),
    ({"return_url": "/relative"}, None),
    ({"locale": "nl-NL"}, None),
], ids=["the-lms", "another-host", "javascript", "relative", "none"])
def test_return_url_is_kept_only_when_it_is_a_web_address_on_the_lms(presentation, expected, launch_request,
                                                                      tool_conf, state_store, lms):
    presentation = {k: v.replace("{lms}", lms.base_url) for k, v in presentation.items()}
    context = validate_launch(launch_request(tamper=_with(launch_presentation=presentation)), tool_conf,
                              state_store, TOOL_HOST)
    assert context.return_url == (expected.replace("{lms}", lms.base_url) if expected else None)


def test_sub_of_255_characters_is_accepted(launch_request, tool_conf, state_store):
    context = validate_launch(launch_request(tamper=_with(sub="7" * 255)), tool_conf, state_store, TOOL_HOST)
    assert context.sub == "7" * 255


def test_list_audience_with_our_azp_is_accepted(launch_request, tool_conf, state_store, lms):
    both = _with(aud=lambda c, now: [c["aud"], "another-tool"], azp=lms.client_id)
    context = validate_launch(launch_request(tamper=both), tool_conf, state_store, TOOL_HOST)
    assert context.client_id == lms.client_id


def test_replayed_token_is_refused(launch_request, tool_conf, state_store):
    request = launch_request()
    validate_launch(request, tool_conf, state_store, TOOL_HOST)
    assert refused(lambda: validate_launch(request, tool_conf, state_store, TOOL_HOST)) == "nonce_reused"


def test_token_older_than_max_age_is_refused(launch_request, tool_conf, state_store):
    later = datetime.now(timezone.utc) + timedelta(seconds=45)  # Moodle's token still lives
    request = launch_request()
    assert refused(lambda: validate_launch(request, tool_conf, state_store, TOOL_HOST, now=later,
                                           max_age_seconds=30)) == "token_too_old"


def test_another_worker_finishes_the_launch(lms, tool_conf):
    worker_a = InMemoryLaunchStateStore()
    worker_b = InMemoryLaunchStateStore(worker_a.backing)  # same table, another process
    login = oidc_login(LtiRequest(lms.login_initiation(TOOL_LAUNCH)), tool_conf, worker_a, TOOL_HOST)
    request = LtiRequest(lms.authorize(login.url), {c.name: c.value for c in login.cookies})
    context = validate_launch(request, tool_conf, worker_b, TOOL_HOST)
    assert find_launch(InMemoryLaunchStateStore(worker_a.backing), context.launch_id) == context
    assert refused(lambda: validate_launch(request, tool_conf, worker_a, TOOL_HOST)) == "nonce_reused"


def test_find_launch_of_an_unknown_id_is_none(state_store):
    assert find_launch(state_store, "lti1p3-launch-" + str(uuid.uuid4())) is None


def test_launch_without_state_cookie_is_refused(launch_request, tool_conf, state_store):
    request = launch_request(with_cookie=False)
    assert refused(lambda: validate_launch(request, tool_conf, state_store, TOOL_HOST)) == \
        "state_cookie_missing"


def test_a_launch_without_cookie_restarts_from_the_logins_own_parameters(lms, tool_conf, state_store):
    form = lms.login_initiation(TOOL_LAUNCH, storage_target="_parent")
    login = oidc_login(LtiRequest(form), tool_conf, state_store, TOOL_HOST)
    blocked = LtiRequest(lms.authorize(login.url), cookies={})  # the frame's cookie was blocked
    assert refused(lambda: validate_launch(blocked, tool_conf, state_store, TOOL_HOST)) == "state_cookie_missing"
    initiation = pending_login(state_store, blocked.params["state"])["initiation"]
    assert initiation == {k: v for k, v in form.items() if k != "lti_storage_target"}
    # the same initiation, in a new (top-level) window: a new state, and its cookie comes back
    again = oidc_login(LtiRequest(initiation), tool_conf, state_store, TOOL_HOST)
    assert again.state != login.state and again.storage_target is None
    posted = LtiRequest(lms.authorize(again.url), cookies={c.name: c.value for c in again.cookies})
    context = validate_launch(posted, tool_conf, state_store, TOOL_HOST)
    assert (context.sub, context.resource_link.id) == ("2", "link-1")


def test_state_cookie_of_another_login_is_refused(launch_request, tool_conf, state_store):
    request = launch_request()
    cookies = {name: "state-someone-else" for name in request.cookies}
    assert refused(lambda: validate_launch(LtiRequest(request.params, cookies), tool_conf,
                                           state_store, TOOL_HOST)) == "state_mismatch"


def test_platform_storage_proves_the_state_without_cookie(lms, tool_conf, state_store):
    form = lms.login_initiation(TOOL_LAUNCH, storage_target="_parent")
    login = oidc_login(LtiRequest(form), tool_conf, state_store, TOOL_HOST)
    assert login.storage_target == "_parent"
    request = LtiRequest(lms.authorize(login.url), cookies={})
    proof = issue_storage_proof(state_store, login.state)
    assert proof and issue_storage_proof(state_store, login.state) is None  # one storage page per state
    assert refused(lambda: validate_launch(request, tool_conf, state_store, TOOL_HOST,
                                           browser_state="state-wrong", storage_proof=proof)) == "state_mismatch"
    assert refused(lambda: validate_launch(request, tool_conf, state_store, TOOL_HOST,
                                           browser_state=login.state)) == "storage_proof_invalid"
    context = validate_launch(request, tool_conf, state_store, TOOL_HOST, browser_state=login.state,
                              storage_proof=proof)
    assert context.storage_target == "_parent"


def test_browser_state_counts_only_for_a_login_that_offered_storage(lms, tool_conf, state_store):
    login = oidc_login(LtiRequest(lms.login_initiation(TOOL_LAUNCH)), tool_conf, state_store, TOOL_HOST)
    assert issue_storage_proof(state_store, login.state) is None
    request = LtiRequest(lms.authorize(login.url), cookies={})
    assert refused(lambda: validate_launch(request, tool_conf, state_store, TOOL_HOST,
                                           browser_state=login.state)) == "storage_not_offered"


def test_login_redirect_is_an_oidc_auth_request(lms, tool_conf, state_store):
    form = lms.login_initiation(TOOL_LAUNCH)
    login = oidc_login(LtiRequest(form), tool_conf, state_store, TOOL_HOST)
    assert login.url.startswith(lms.auth_url + "?")
    assert {k: login.params[k] for k in ("scope", "response_type", "response_mode", "prompt",
                                         "client_id", "redirect_uri", "login_hint",
                                         "lti_message_hint")} == {
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post",
        "prompt": "none", "client_id": lms.client_id, "redirect_uri": TOOL_LAUNCH,
        "login_hint": form["login_hint"], "lti_message_hint": form["lti_message_hint"]}
    assert [c.name for c in login.cookies] == ["lti1p3-" + login.state]
    assert state_store.get("lti1p3-nonce-" + login.params["nonce"]) is not None


@pytest.mark.parametrize("change, reason", [
    ({"target_link_uri": "https://evil.example/lti/launch"}, "target_link_uri_foreign"),
    ({"target_link_uri": None}, "missing_target_link_uri"),
    ({"iss": None}, "missing_iss"),
    ({"login_hint": None}, "missing_login_hint"),
    ({"iss": "https://unknown-lms.example"}, "unknown_registration"),
    ({"lti_deployment_id": "deployment-unknown"}, "unknown_deployment"),
])
def test_login_initiation_is_refused(change, reason, lms, tool_conf, state_store):
    form = {k: v for k, v in {**lms.login_initiation(TOOL_LAUNCH), **change}.items() if v}
    assert refused(lambda: oidc_login(LtiRequest(form), tool_conf, state_store, TOOL_HOST)) == reason


def test_pending_registration_is_refused_at_login_and_launch(lms, tool_keys, state_store):
    registrations = InMemoryRegistrationStore(lms.tool_registration())
    tool_conf = ToolConf(registrations, tool_keys)
    login = oidc_login(LtiRequest(lms.login_initiation(TOOL_LAUNCH)), tool_conf, state_store, TOOL_HOST)
    request = LtiRequest(lms.authorize(login.url), {c.name: c.value for c in login.cookies})
    registrations.registrations = [lms.tool_registration(active=False)]
    assert refused(lambda: validate_launch(request, tool_conf, state_store, TOOL_HOST)) == \
        "registration_pending"
    assert refused(lambda: oidc_login(LtiRequest(lms.login_initiation(TOOL_LAUNCH)), tool_conf,
                                      state_store, TOOL_HOST)) == "registration_pending"


def test_issuer_with_several_client_ids(lms, tool_keys, state_store):
    ours = lms.tool_registration()
    other = replace(ours, id=2, tenant_id=2, client_id="another-tool")
    tool_conf = ToolConf(InMemoryRegistrationStore(other, ours), tool_keys)
    login = oidc_login(LtiRequest(lms.login_initiation(TOOL_LAUNCH)), tool_conf, state_store, TOOL_HOST)
    assert login.registration_id == 1
    request = LtiRequest(lms.authorize(login.url), {c.name: c.value for c in login.cookies})
    assert validate_launch(request, tool_conf, state_store, TOOL_HOST).tenant_id == 1
    # without client_id the first registration is used: one added later (perhaps by another
    # organisation's admin) neither takes over nor blocks its logins
    without_client_id = LtiRequest(lms.login_initiation(TOOL_LAUNCH, send_client_id=False))
    assert oidc_login(without_client_id, tool_conf, state_store, TOOL_HOST).registration_id == 1


def test_login_without_client_id_uses_the_issuers_only_registration(lms, tool_conf, state_store):
    form = lms.login_initiation(TOOL_LAUNCH, send_client_id=False)
    login = oidc_login(LtiRequest(form), tool_conf, state_store, TOOL_HOST)
    request = LtiRequest(lms.authorize(login.url), {c.name: c.value for c in login.cookies})
    assert validate_launch(request, tool_conf, state_store, TOOL_HOST).client_id == lms.client_id


def test_platform_key_rotation_refetches_its_key_set(tool_keys, state_store):
    with TestPlatform(tool_key_set={"keys": [dict(k.public_jwk) for k in tool_keys.published()]},
                      tool_launch_url=TOOL_LAUNCH) as lms:
        tool_conf = ToolConf(InMemoryRegistrationStore(lms.tool_registration()), tool_keys)

        def launch():
            login = oidc_login(LtiRequest(lms.login_initiation(TOOL_LAUNCH)), tool_conf,
                               state_store, TOOL_HOST)
            posted = lms.authorize(login.url)
            return validate_launch(LtiRequest(posted, {c.name: c.value for c in login.cookies}),
                                   tool_conf, state_store, TOOL_HOST)

        launch()  # caches the platform's key set in the state store
        lms.private_key = new_private_key()
        assert launch().sub == "2"


def test_pinned_key_set_is_used_without_fetching(lms, tool_keys, state_store):
    tool_conf = ToolConf(InMemoryRegistrationStore(
        replace(lms.tool_registration(pinned_key_set=True), key_set_url="http://127.0.0.1:9/none")),
        tool_keys)
    login = oidc_login(LtiRequest(lms.login_initiation(TOOL_LAUNCH)), tool_conf, state_store, TOOL_HOST)
    request = LtiRequest(lms.authorize(login.url), {c.name: c.value for c in login.cookies})
    assert validate_launch(request, tool_conf, state_store, TOOL_HOST).sub == "2"


def test_pylti1p3_flask_request_works_too(lms, tool_conf, state_store):
    form = lms.login_initiation(TOOL_LAUNCH)
    app = flask.Flask(__name__)
    with app.test_request_context("/lti/login", method="POST", data=form):
        login = oidc_login(FlaskRequest(session={}), tool_conf, state_store, TOOL_HOST)
    posted = lms.authorize(login.url)
    cookie = "; ".join(f"{c.name}={c.value}" for c in login.cookies)
    with app.test_request_context("/lti/launch", method="POST", data=posted,
                                  headers={"Cookie": cookie}, base_url="https://digitoets.test"):
        context = validate_launch(FlaskRequest(session={}), tool_conf, state_store, TOOL_HOST)
    assert context.sub == "2"


def test_launch_error_message_holds_no_personal_data(launch_request, tool_conf, state_store):
    request = launch_request(tamper="no_roles", user=User(id="77", name="Bert Jansen",
                                                          email="bert@zorg.example"))
    with pytest.raises(LaunchError) as info:
        validate_launch(request, tool_conf, state_store, TOOL_HOST)
    assert "Bert" not in str(info.value) and "bert@" not in str(info.value)
