"""LTI Advantage through the real exchange: deep linking, grades (AGS), rosters (NRPS), dynamic registration."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy import select

from service import models as m
from service.jobs import grades, roster
from service.operations import attempts
from tests.integration.lti.conftest import follow, launch, registration_link
from tests.support.platform import INSTRUCTOR, LEARNER

PERFECT = {"ecd-01": "a", "ecd-02": ["a", "b"], "ecd-03": ["Open het ECD", "Zoek de cliënt", "Schrijf de rapportage"],
           "ecd-04": 3, "ecd-05": "a"}  # ecd-05 wrong: 4 of 5 right


def take_test(database, client, scaled_answers=PERFECT):
    """Open the placement's test intro (as the launch left us) and complete the attempt."""
    page = client.get("/toets/ecd-rapportage").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    started = client.post("/toetsen/ecd-rapportage/start", data={"csrf_token": token})
    registration = started.location.rsplit("/", 1)[-1]
    now = datetime.now(UTC)
    with database.begin() as session:
        attempt = session.scalars(select(m.Attempt).where(m.Attempt.registration == __import__("uuid").UUID(registration))).one()
        for code, value in scaled_answers.items():
            attempts.save_answer(session, attempt, code, value, now)
    client.post(f"/poging/{registration}/inleveren", data={"csrf_token": token})
    return registration


def test_teacher_places_tests_with_deep_linking(client, lms, registered, database):
    result = launch(client, lms, roles=[INSTRUCTOR], message_type="LtiDeepLinkingRequest",
                    deep_linking={"data": "dl-data-42", "accept_multiple": True})
    page = follow(client, result.response)
    assert "Welke digi-toets wil je in je cursus zetten?" in page.get_data(as_text=True)
    token = page.get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    answer = client.post("/lti/deep-linking", data={"csrf_token": token, "test": ["ecd-rapportage"]})
    html = answer.get_data(as_text=True)
    assert 'data-auto-submit' in html and f'action="{lms.base_url}' in html
    jwt = html.split('name="JWT" value="')[1].split('"')[0]
    items = lms.receive_deep_linking_response(jwt)
    [item] = items
    assert item["type"] == "ltiResourceLink"
    assert item["custom"] == {"digitoets_test": "ecd-rapportage"}
    assert item["lineItem"] == {"scoreMaximum": 100.0, "label": "Rapporteren in het ECD",
                                "resourceId": "ecd-rapportage", "tag": "digitoets:ecd-rapportage"}


def test_a_learner_cannot_open_the_deep_linking_picker(client, lms, registered):
    result = launch(client, lms, roles=[LEARNER], message_type="LtiDeepLinkingRequest")
    assert follow(client, result.response).status_code == 403


def test_the_score_reaches_the_gradebook_through_the_outbox(client, lms, registered, database, tool):
    launch(client, lms, custom={"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"})
    take_test(database, client)
    assert lms.scores == []  # never inside the employee's request
    with database.begin() as session:
        [row] = session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.AGS_SCORE)).all()
    report = grades.send_scores(database, tool.ags)
    assert report.delivered == 1
    [score] = lms.scores
    assert score["userId"] == "2" and score["scoreGiven"] == 80.0 and score["scoreMaximum"] == 100.0
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    assert score["lineitem"].endswith("/lineitem?type_id=1") or "type_id=1" in score["lineitem"]
    assert score["timestamp"].endswith("+00:00")


def test_a_second_send_of_the_same_score_is_a_409_and_counts_as_delivered(client, lms, registered, database, tool):
    launch(client, lms, custom={"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"})
    take_test(database, client)
    grades.send_scores(database, tool.ags)
    with database.begin() as session:  # as if the worker died after sending, and its lease ran out
        row = session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.AGS_SCORE)).one()
        row.status, row.next_attempt_at = m.OutboxStatus.PENDING, datetime.now(UTC)
    assert grades.send_scores(database, tool.ags).delivered == 1
    assert len(lms.scores) == 1  # the platform refused the copy with 409


def test_a_teacher_is_not_gradable_and_the_score_becomes_a_dead_letter(client, lms, registered, database, tool):
    launch(client, lms, roles=[INSTRUCTOR], custom={"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"})
    take_test(database, client)
    report = grades.send_scores(database, tool.ags)
    assert (report.delivered, report.rejected) == (0, 1)
    with database.begin() as session:
        row = session.scalars(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.AGS_SCORE)).one()
        assert row.status is m.OutboxStatus.DEAD and "not gradable" in row.last_error


def test_without_a_line_item_one_is_created_by_tag(client, lms, registered, database, tool):
    launch(client, lms, lineitem=False, custom={"digitoets_test": "ecd-rapportage", "digitoets_function": "VIG"})
    take_test(database, client)
    assert grades.send_scores(database, tool.ags).delivered == 1
    [created] = [i for i in lms.lineitems.values() if i["tag"] == "digitoets:ecd-rapportage"]
    assert created["scoreMaximum"] == 100 and created["resourceLinkId"] == "link-1"
    assert lms.scores[0]["lineitem"] == created["id"]


def test_roster_sync_pages_through_the_members(client, lms, registered, database, tool):
    launch(client, lms, custom={"digitoets_test": "ecd-rapportage"})
    for n in range(5):
        lms.add_member("course-1", f"member-{n}", ["Learner"], name=f"Lid {n}")
    lms.add_member("course-1", "teacher-1", ["Instructor"])
    report = roster.sync_roster(database, tool.nrps)
    assert (report.courses, report.members, report.new_people) == (1, 7, 6)
    assert len(lms.nrps_requests) >= 3  # two members a page: the Link header was followed
    with database.begin() as session:
        memberships = session.scalars(select(m.CourseMembership)).all()
        assert len(memberships) == 7
        people = {p.subject: p for p in session.scalars(select(m.Person))}
        assert people["member-0"].name is None  # privacy setting: pseudonymous
        assert people["member-3"].has_role(m.ToolRole.EMPLOYEE)
        assert not people["teacher-1"].has_role(m.ToolRole.EMPLOYEE)
    lms.members["course-1"].pop("member-4")
    roster.sync_roster(database, tool.nrps)
    with database.begin() as session:
        left = session.scalars(select(m.CourseMembership).join(m.Person).where(m.Person.subject == "member-4")).one()
        assert left.status == "Deleted"


def test_dynamic_registration_waits_for_the_organisation_admin(client, lms, content, database):
    with database.begin() as session:
        session.add(m.Organisation(slug="zorg-dyn", name="Zorg dynamisch"))
    config_url, token = lms.start_dynamic_registration()
    page = client.get("/lti/register?" + urlencode({"openid_configuration": config_url, "registration_token": token,
                                                     **registration_link(database, "zorg-dyn")}))
    assert page.status_code == 200 and "Koppeling aangevraagd" in page.get_data(as_text=True)
    [sent] = lms.dynamic_registrations
    tool_config = sent["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert tool_config["target_link_uri"] == "http://localhost/lti/launch"
    assert sent["initiate_login_uri"] == "http://localhost/lti/login"
    with database.begin() as session:
        registration = session.scalars(select(m.LtiRegistration)).one()
        assert registration.status is m.RegistrationStatus.PENDING
        assert [d.deployment_id for d in registration.deployments] == ["dyn-deployment-1"]
        lms.client_id, lms.deployment_id = registration.client_id, "dyn-deployment-1"
    refused = client.post("/lti/login", data=lms.login_initiation("http://localhost/lti/launch"))
    assert refused.status_code == 400 and "registration_pending" in refused.get_data(as_text=True)
    with database.begin() as session:
        session.scalars(select(m.LtiRegistration)).one().status = m.RegistrationStatus.ACTIVE
    assert launch(client, lms, custom={"digitoets_test": "ecd-rapportage"}).response.status_code == 302


def test_dynamic_registration_needs_a_known_organisation(client, lms, content):
    config_url, token = lms.start_dynamic_registration()
    page = client.get("/lti/register?" + urlencode({"openid_configuration": config_url, "registration_token": token}))
    assert page.status_code == 404
    assert lms.dynamic_registrations == []
