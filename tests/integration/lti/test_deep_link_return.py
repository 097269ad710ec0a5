"""The deep linking answer goes back only to the LMS that asked: http(s) on a host of its registration."""

from __future__ import annotations

import pytest

from tests.integration.lti.conftest import follow, launch
from tests.support.platform import INSTRUCTOR


@pytest.mark.parametrize("return_url", ["https://evil.example/deep-linking-return", "javascript:alert(1)",
                                        "ftp://{host}/deep-linking-return"])
def test_a_deep_linking_request_with_a_return_url_off_the_lms_is_refused(client, lms, registered, return_url):
    return_url = return_url.format(host=lms.base_url.split("://", 1)[1])
    result = launch(client, lms, roles=[INSTRUCTOR], message_type="LtiDeepLinkingRequest",
                    deep_linking={"data": "dl-data-42", "return_url": return_url})
    assert result.response.status_code == 400
    assert "deep_link_return_url_foreign" in result.response.get_data(as_text=True)
    assert client.post("/lti/deep-linking", data={"test": ["ecd-rapportage"]}).status_code in (400, 403)


def test_a_deep_linking_request_back_to_the_lms_opens_the_picker(client, lms, registered):
    result = launch(client, lms, roles=[INSTRUCTOR], message_type="LtiDeepLinkingRequest",
                    deep_linking={"data": "dl-data-42", "return_url": lms.base_url + "/elders/terug"})
    assert "Welke digi-toets wil je in je cursus zetten?" in follow(client, result.response).get_data(as_text=True)
