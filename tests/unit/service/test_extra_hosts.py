"""Extra LMS hosts: only bare host names, at most ten, and platform_hosts() includes them."""

from __future__ import annotations

import pytest

from lti.checks import platform_hosts
from lti.registration import Registration
from service.errors import InvalidInputError
from service.operations.registrations import MAX_EXTRA_HOSTS, clean_extra_hosts


def test_host_names_are_cleaned_one_per_line():
    assert clean_extra_hosts("School.Instructure.com\nleren.zorg.nl:8443, school.instructure.com:443 ") == [
        "school.instructure.com", "leren.zorg.nl:8443"]
    assert clean_extra_hosts("") == [] and clean_extra_hosts(["a.nl", "b.nl"]) == ["a.nl", "b.nl"]


@pytest.mark.parametrize("bad", ["https://school.instructure.com", "school.instructure.com/courses/1",
                                 "-school.nl", "school..nl", "school.nl:99999", "scho_ol.nl", "a" * 64 + ".nl",
                                 "school.nl:port"])
def test_anything_but_a_host_name_is_refused_by_name(bad):
    with pytest.raises(InvalidInputError) as info:
        clean_extra_hosts(["goed.nl", bad])
    assert info.value.errors == {"extra_hosts": [bad]}
    assert f"\"{bad}\" is geen hostnaam" in str(info.value)


def test_at_most_ten_hosts():
    assert len(clean_extra_hosts([f"h{i}.nl" for i in range(MAX_EXTRA_HOSTS)])) == MAX_EXTRA_HOSTS
    with pytest.raises(InvalidInputError):
        clean_extra_hosts([f"h{i}.nl" for i in range(MAX_EXTRA_HOSTS + 1)])


def test_platform_hosts_include_the_extra_hosts():
    canvas = Registration(id=1, tenant_id=1, issuer="https://canvas.instructure.com", client_id="c",
                          auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
                          auth_token_url="https://sso.canvaslms.com/login/oauth2/token",
                          key_set_url="https://sso.canvaslms.com/api/lti/security/jwks",
                          extra_hosts=frozenset({"school.instructure.com"}))
    assert platform_hosts(canvas) == {"canvas.instructure.com", "sso.canvaslms.com", "school.instructure.com"}
