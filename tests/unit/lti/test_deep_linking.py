"""The deep linking response JWT, checked with the tool's public key and by the platform."""

from __future__ import annotations

import jwt
import pytest
from jwcrypto.jwk import JWK

from lti.deep_linking import LineItemSpec, ResourceLinkItem, deep_linking_response
from lti.errors import LaunchError
from lti.launch import find_launch, validate_launch
from tests.support.platform import INSTRUCTOR
from tests.unit.lti.fakes import TOOL_HOST

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ITEM = ResourceLinkItem(title="Digitoets ECD basis", custom={"digitoets_test": "ecd-basis"},
                        line_item=LineItemSpec(score_maximum=100, label="ECD basis",
                                               resource_id="ecd-basis", tag="digitoets"))


@pytest.fixture
def deep_link_launch(launch_request, tool_conf, state_store):
    request = launch_request(message_type="LtiDeepLinkingRequest", roles=[INSTRUCTOR],
                             deep_linking={"data": "dl-data-42"})
    return validate_launch(request, tool_conf, state_store, TOOL_HOST)


def test_deep_linking_launch_carries_its_settings(deep_link_launch, lms):
    settings = deep_link_launch.deep_linking
    assert deep_link_launch.message_type == "LtiDeepLinkingRequest"
    assert settings.return_url == lms.base_url + "/deep-linking-return"
    assert settings.data == "dl-data-42" and "ltiResourceLink" in settings.accept_types
    assert deep_link_launch.resource_link is None


def test_response_claims(deep_link_launch, tool_keys, lms):
    key = tool_keys.current()
    response = deep_linking_response(deep_link_launch, key, [ITEM])
    assert response.return_url == deep_link_launch.deep_linking.return_url
    public = JWK(**key.public_jwk).export_to_pem()
    claims = jwt.decode(response.jwt, public, algorithms=["RS256"], audience=lms.issuer)
    assert jwt.get_unverified_header(response.jwt)["kid"] == key.kid
    assert claims["iss"] == lms.client_id and claims["aud"] == lms.issuer
    assert claims[LTI + "deployment_id"] == lms.deployment_id
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims["nonce"] and claims["exp"] > claims["iat"]
    assert claims[DL + "data"] == "dl-data-42"
    assert claims[DL + "content_items"] == [{
        "type": "ltiResourceLink", "title": "Digitoets ECD basis",
        "custom": {"digitoets_test": "ecd-basis"},
        "lineItem": {"scoreMaximum": 100, "label": "ECD basis", "resourceId": "ecd-basis",
                     "tag": "digitoets"}}]


def test_platform_accepts_the_response(deep_link_launch, tool_keys, lms):
    response = deep_linking_response(deep_link_launch, tool_keys.current(), [ITEM, ITEM])
    items = lms.receive_deep_linking_response(response.jwt)
    assert [item["custom"]["digitoets_test"] for item in items] == ["ecd-basis", "ecd-basis"]


def test_response_after_a_later_request_uses_the_stored_launch(deep_link_launch, tool_keys,
                                                               state_store):
    stored = find_launch(state_store, deep_link_launch.launch_id)
    assert stored.deep_linking == deep_link_launch.deep_linking
    assert deep_linking_response(stored, tool_keys.current(), [ITEM]).jwt


def test_resource_link_launch_cannot_answer_with_deep_links(launch_request, tool_conf,
                                                            state_store, tool_keys):
    context = validate_launch(launch_request(), tool_conf, state_store, TOOL_HOST)
    with pytest.raises(LaunchError) as info:
        deep_linking_response(context, tool_keys.current(), [ITEM])
    assert info.value.reason_code == "not_deep_linking"
