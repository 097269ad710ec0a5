"""AGS and NRPS clients against the test LMS over real HTTP (lti1p3platform behind Flask)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from pylti1p3.exception import LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector

from lti.claims import DeepLinkingSettings, LaunchContext
from lti.deep_linking import ResourceLinkItem, deep_linking_response
from lti.errors import AgsError, NotGradableError, NrpsError, ScoreConflictError
from lti.keys import generate_key
from lti.services import AgsClient, NrpsClient, TokenCache, scores_url
from lti.tool_conf import StaticKeyRing, ToolConf
from tests.support.platform import TestPlatform

COURSE = "course-ags"


class Clock:
    """A monotonic clock the test moves forward."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def tool_key():
    return generate_key()


@pytest.fixture(scope="module")
def lms(tool_key):
    with TestPlatform(tool_key_set={"keys": [dict(tool_key.public_jwk)]}) as platform:
        platform.add_member(COURSE, "learner-1", ["Learner"], name="Anna", email="anna@zorg.example")
        platform.add_member(COURSE, "teacher-1", ["Instructor"], name="Piet")
        yield platform


@pytest.fixture
def ags(lms, tool_key):
    return AgsClient(lms.tool_registration(), tool_key)


@pytest.fixture
def lineitem(lms):
    return lms.add_lineitem(COURSE, label="Digitoets ECD", score_maximum=10)["id"]


def test_scores_url_keeps_the_query_string():
    assert scores_url("https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1") \
        == "https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"
    assert scores_url("https://lms.example/li/7/") == "https://lms.example/li/7/scores"


def test_put_score_reaches_the_gradebook(ags, lms, lineitem):
    assert "?type_id=1" in lineitem
    moment = datetime(2026, 3, 1, 10, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    status = ags.put_score(lineitem, "learner-1", 42, 50, "Completed", "FullyGraded", moment,
                           comment="Niveau 3")
    assert status == 200
    received = lms.scores[-1]
    assert (received["lineitem"], received["userId"], received["scoreGiven"]) == (lineitem, "learner-1", 42)
    assert received["timestamp"] == "2026-03-01T10:00:00.000+01:00"
    assert received["rescaled"] == pytest.approx(8.4)  # rescaled to the item's maximum of 10
    assert (received["activityProgress"], received["gradingProgress"]) == ("Completed", "FullyGraded")


def test_second_score_in_the_same_second_is_a_conflict(ags, lineitem):
    moment = datetime.now(timezone.utc).replace(microsecond=100)
    ags.put_score(lineitem, "learner-1", 1, 2, "Completed", "FullyGraded", moment)
    with pytest.raises(ScoreConflictError) as info:
        ags.put_score(lineitem, "learner-1", 2, 2, "Completed", "FullyGraded",
                      moment.replace(microsecond=900))
    assert info.value.status == 409
    ags.put_score(lineitem, "learner-1", 2, 2, "Completed", "FullyGraded", moment + timedelta(seconds=1))


def test_score_for_a_teacher_is_not_gradable(ags, lineitem):
    with pytest.raises(NotGradableError) as info:
        ags.put_score(lineitem, "teacher-1", 1, 1, "Completed", "FullyGraded", datetime.now(timezone.utc))
    assert info.value.status == 400


def test_score_for_an_unknown_line_item_is_an_ags_error(ags, lms):
    with pytest.raises(AgsError) as info:
        ags.put_score(f"{lms.base_url}/mod/lti/services.php/{COURSE}/lineitems/999/lineitem?type_id=1",
                      "learner-1", 1, 1, "Completed", "FullyGraded", datetime.now(timezone.utc))
    assert info.value.status == 404 and not isinstance(info.value, (ScoreConflictError, NotGradableError))


def test_naive_timestamp_is_refused_before_sending(ags, lineitem):
    with pytest.raises(ValueError):
        ags.put_score(lineitem, "learner-1", 1, 1, "Completed", "FullyGraded", datetime.now())


def test_find_or_create_lineitem_creates_once(ags, lms):
    url = lms.lineitems_url(COURSE)
    created = ags.find_or_create_lineitem(url, tag="digitoets", resource_id="ecd-basis",
                                          label="ECD basis", score_maximum=100)
    found = ags.find_or_create_lineitem(url, tag="digitoets", resource_id="ecd-basis",
                                        label="ECD basis", score_maximum=100)
    assert found == created and created.id.endswith("/lineitem?type_id=1")
    assert (created.label, created.score_maximum, created.tag) == ("ECD basis", 100, "digitoets")
    ags.put_score(created.id, "learner-1", 3, 4, "Completed", "FullyGraded", datetime.now(timezone.utc))


def test_access_token_is_cached_until_it_expires(lms, tool_key, lineitem):
    clock = Clock()
    client = AgsClient(lms.tool_registration(), StaticKeyRing(tool_key), token_cache=TokenCache(clock))
    before = lms.token_requests
    start = datetime.now(timezone.utc)
    for second in range(3):
        client.put_score(lineitem, "learner-1", second, 3, "Completed", "FullyGraded",
                         start + timedelta(seconds=second))
    assert lms.token_requests == before + 1
    clock.now += 3600  # lti1p3platform's tokens live an hour
    client.put_score(lineitem, "learner-1", 3, 3, "Completed", "FullyGraded", start + timedelta(seconds=5))
    assert lms.token_requests == before + 2


def test_rejected_cached_token_is_renewed_once(lms, tool_key, lineitem):
    cache = TokenCache()
    client = AgsClient(lms.tool_registration(), tool_key, token_cache=cache)
    key = client._cache_key(["https://purl.imsglobal.org/spec/lti-ags/scope/score"])
    cache.put(key, "a-token-the-platform-never-issued", 3600)
    client.put_score(lineitem, "learner-1", 1, 1, "Completed", "FullyGraded", datetime.now(timezone.utc))
    assert cache.get(key) != "a-token-the-platform-never-issued"


def test_unknown_tool_key_cannot_get_a_token(lms, lineitem):
    client = AgsClient(lms.tool_registration(), generate_key())
    with pytest.raises(AgsError, match="token endpoint answered 400"):
        client.put_score(lineitem, "learner-1", 1, 1, "Completed", "FullyGraded", datetime.now(timezone.utc))


@pytest.fixture
def roster(tool_key):
    """A platform with seven members in one course: three pages of at most three."""
    with TestPlatform(tool_key_set={"keys": [dict(tool_key.public_jwk)]}, nrps_page_size=3) as platform:
        for number in range(1, 8):
            platform.add_member("course-nrps", f"user-{number}",
                                ["Instructor"] if number == 1 else ["Learner"],
                                name=f"Medewerker {number}", email=f"m{number}@zorg.example")
        yield platform


def test_members_follow_the_link_header_with_a_mixed_case_cursor(roster, tool_key):
    members = NrpsClient(roster.tool_registration(), tool_key).members(roster.memberships_url("course-nrps"))
    assert [m.user_id for m in members] == [f"user-{n}" for n in range(1, 8)]
    assert members[0].roles == ("Instructor",) and members[1].roles == ("Learner",)
    assert (members[1].name, members[1].email, members[1].status) == (
        "Medewerker 2", "m2@zorg.example", "Active")
    pages = roster.nrps_requests
    assert len(pages) == 3 and "cursor=PaGe" in pages[1] and "cursor=PaGe" in pages[2]


def test_pylti1p3_loses_the_cursor_case(roster, tool_key):
    """Why lti.services does not use pylti1p3's ServiceConnector: it lower-cases the Link URL."""
    registration = ToolConf(None, StaticKeyRing(tool_key)).pylti_registration(roster.tool_registration())
    service = NamesRolesProvisioningService(
        ServiceConnector(registration), {"context_memberships_url": roster.memberships_url("course-nrps")})
    with pytest.raises(LtiServiceException, match=r"/coursesection/.*\?cursor=page\d"):
        service.get_members()  # the whole next URL, path included, comes back lower-cased


def test_members_follow_a_next_in_the_body(roster, tool_key):
    roster.nrps_paging = "body"  # lti1p3platform's own paging: ?limit=3&page=2 in the JSON body
    members = NrpsClient(roster.tool_registration(), tool_key).members(roster.memberships_url("course-nrps"))
    assert [m.user_id for m in members] == [f"user-{n}" for n in range(1, 8)]
    assert len(roster.nrps_requests) == 3


def test_members_of_a_refused_request_raise_nrps_error(roster, tool_key):
    with pytest.raises(NrpsError) as info:
        NrpsClient(roster.tool_registration(), tool_key).members(
            roster.memberships_url("course-nrps") + "?cursor=unknown")
    assert info.value.status == 400


def test_browser_start_page_posts_the_login_initiation(lms):
    url = lms.browser_launch_url("https://digitoets.test/lti/login", roles=["Learner"])
    page = requests.get(url, timeout=5).text
    assert 'action="https://digitoets.test/lti/login"' in page
    assert f'name="iss" value="{lms.issuer}"' in page and 'name="lti_message_hint"' in page
    course = requests.get(url.replace("/start/", "/course/"), timeout=5).text
    assert "<iframe" in course and url in course


def test_deep_linking_return_takes_a_signed_response(lms, tool_key):
    context = LaunchContext(
        launch_id="lti1p3-launch-x", message_type="LtiDeepLinkingRequest", issuer=lms.issuer,
        client_id=lms.client_id, deployment_id=lms.deployment_id, registration_id=1, tenant_id=1,
        sub="9", roles=("Instructor",), target_link_uri="https://digitoets.test/lti/launch",
        deep_linking=DeepLinkingSettings(return_url=lms.base_url + "/deep-linking-return"))
    response = deep_linking_response(context, tool_key, [ResourceLinkItem(title="ECD")])
    answer = requests.post(response.return_url, data=response.form_fields, timeout=5)
    assert answer.status_code == 200 and lms.deep_linking_items[-1]["title"] == "ECD"
    forged = requests.post(response.return_url, data={"JWT": response.jwt[:-4] + "AAAA"}, timeout=5)
    assert forged.status_code == 400
