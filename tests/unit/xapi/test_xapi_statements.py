"""Statement builders: valid output, deterministic ids, privacy of the actor, each event's shape."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.xapi_samples import (BASE_URL, NOW, every_statement, make_actor, make_attempt,
                                        make_certificate, make_help_request, make_item,
                                        make_outcome, make_session, make_skill)
from xapi.errors import InvalidStatementError
from xapi.events import Answer
from xapi.statements import StatementBuilder
from xapi.validation import validate_statement
from xapi.vocabulary import SELF_RATING_SCALE, Vocabulary

EXT = f"{BASE_URL}/xapi/extensions/"


@pytest.fixture
def builder():
    return StatementBuilder(BASE_URL)


@pytest.fixture
def statements(builder):
    return every_statement(builder)


def _answered(builder, kind, response, **item):
    return builder.item_answered(make_attempt(), Answer(make_item(kind, **item), response, NOW))


def test_every_statement_passes_our_validation(statements):
    for statement in statements.values():
        validate_statement(statement)


def test_statements_have_no_version_and_string_ids(statements):
    for statement in statements.values():
        assert "version" not in statement
        assert isinstance(statement["id"], str)
        uuid.UUID(statement["id"])


def test_statement_ids_are_deterministic(builder):
    first, again = every_statement(builder), every_statement(StatementBuilder(BASE_URL))
    assert {k: s["id"] for k, s in first.items()} == {k: s["id"] for k, s in again.items()}
    assert len({s["id"] for s in first.values()}) == len(first)


def test_statement_id_is_uuid5_of_the_event_key(builder):
    attempt = make_attempt()
    statement = builder.attempt_completed(attempt, make_outcome())
    assert statement["id"] == builder.statement_id(f"attempt:{attempt.registration}:completed")
    assert uuid.UUID(statement["id"]).version == 5


def test_statement_id_differs_per_attempt_and_per_deployment(builder):
    other_attempt = make_attempt(registration=uuid.uuid4())
    other_deployment = StatementBuilder("https://digitoets.andere-zorg.example")
    ids = {builder.attempt_launched(make_attempt())["id"],
           builder.attempt_launched(other_attempt)["id"],
           other_deployment.attempt_launched(make_attempt())["id"]}
    assert len(ids) == 3


def test_actor_is_a_pseudonymous_account_by_default(statements):
    for statement in statements.values():
        assert set(statement["actor"]) == {"objectType", "account"}
        assert statement["actor"]["account"]["name"] in ("sub-7f3a9c", "sub-coach-01",
                                                         "digitoets")
        instructor = statement.get("context", {}).get("instructor")
        if instructor:
            assert set(instructor) == {"objectType", "account"}


def test_actor_name_only_when_passed(builder):
    learner = make_actor(display_name="Anna de Vries")
    statement = builder.attempt_launched(make_attempt(learner=learner))
    assert statement["actor"]["name"] == "Anna de Vries"
    assert "mbox" not in statement["actor"]


def test_actor_mbox_replaces_the_account_when_passed(builder):
    learner = make_actor(mbox="anna@zorg.example")
    actor = builder.attempt_launched(make_attempt(learner=learner))["actor"]
    assert actor["mbox"] == "mailto:anna@zorg.example"
    assert "account" not in actor and "name" not in actor


def test_timestamps_are_utc_with_offset_and_milliseconds(builder):
    amsterdam = timezone(timedelta(hours=1))
    started = datetime(2026, 3, 2, 10, 30, 15, 250999, tzinfo=amsterdam)
    statement = builder.attempt_launched(make_attempt(started_at=started))
    assert statement["timestamp"] == "2026-03-02T09:30:15.250000+00:00"


def test_naive_timestamp_is_rejected_by_the_builder(builder):
    with pytest.raises(InvalidStatementError, match="^timestamp: naive datetime"):
        builder.attempt_terminated(make_attempt(), datetime(2026, 3, 2, 10, 0))


def test_naive_datetime_is_rejected_by_the_event():
    with pytest.raises(InvalidStatementError, match="AttemptRef.started_at: naive"):
        make_attempt(started_at=datetime(2026, 3, 2, 10, 0))


def test_attempt_context_has_registration_parent_grouping_and_category(statements):
    vocab = Vocabulary(BASE_URL)
    context = statements["answered_single"]["context"]
    assert context["registration"] == str(make_attempt().registration)
    activities = context["contextActivities"]
    assert [a["id"] for a in activities["parent"]] == [vocab.test("ecd-vig")]
    assert [a["id"] for a in activities["grouping"]] == [
        vocab.application("ons-ecd"), vocab.function_profile("verzorgende-ig"),
        vocab.tenant("sint-jacob")]
    assert [a["id"] for a in activities["category"]] == [vocab.profile_version]
    assert context["extensions"][EXT + "test-version"] == "2026.1"


def test_test_statements_have_no_parent(statements):
    for name in ("launched", "initialized", "completed", "passed", "terminated"):
        assert "parent" not in statements[name]["context"]["contextActivities"]


def test_single_choice_item(statements):
    statement = statements["answered_single"]
    definition = statement["object"]["definition"]
    assert definition["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
    assert definition["interactionType"] == "choice"
    assert definition["correctResponsesPattern"] == ["a"]
    assert [c["id"] for c in definition["choices"]] == ["a", "b", "c"]
    assert statement["result"] == {"response": "a", "success": True, "duration": "PT21.5S"}


def test_multiple_choice_success_ignores_order(statements):
    statement = statements["answered_multiple"]
    assert statement["object"]["definition"]["correctResponsesPattern"] == ["a[,]c"]
    assert statement["result"]["response"] == "c[,]a"
    assert statement["result"]["success"] is True


def test_ordering_item_is_a_sequencing_interaction(builder, statements):
    definition = statements["answered_ordering"]["object"]["definition"]
    assert definition["interactionType"] == "sequencing"
    assert definition["correctResponsesPattern"] == ["b[,]a[,]c"]
    wrong = _answered(builder, "ordering", ["a", "b", "c"])
    assert wrong["result"]["success"] is False


def test_self_rating_is_likert_with_the_four_dutch_answers(statements):
    statement = statements["answered_self_rating"]
    definition = statement["object"]["definition"]
    assert definition["interactionType"] == "likert"
    assert [c["description"]["nl"] for c in definition["scale"]] == [
        "kan ik nog niet", "met hulp", "zelfstandig", "kan ik anderen uitleggen"]
    assert [c["id"] for c in definition["scale"]] == [code for code, _ in SELF_RATING_SCALE]
    assert "correctResponsesPattern" not in definition
    assert "success" not in statement["result"]


def test_answer_with_unknown_choice_is_rejected(builder):
    with pytest.raises(InvalidStatementError, match="answer.response"):
        _answered(builder, "single", ["z"])


def test_completed_carries_score_and_duration(statements):
    result = statements["completed"]["result"]
    assert result["score"] == {"raw": 7, "min": 0, "max": 10, "scaled": 0.7}
    assert result["completion"] is True and result["success"] is True
    assert result["duration"] == "PT07M30S"


def test_judged_picks_passed_or_failed(statements):
    assert statements["passed"]["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert statements["failed"]["verb"]["id"] == "http://adlnet.gov/expapi/verbs/failed"
    assert statements["failed"]["result"]["success"] is False


def test_judged_without_norm_is_refused(builder):
    with pytest.raises(InvalidStatementError, match="outcome.passed"):
        builder.attempt_judged(make_attempt(), make_outcome(passed=None))


def test_scored_is_about_the_skill_objective_with_levels(statements):
    statement = statements["scored"]
    assert statement["object"]["id"] == f"{BASE_URL}/xapi/skills/ECD-RAP"
    assert statement["object"]["definition"]["type"] == \
        "http://adlnet.gov/expapi/activities/objective"
    result = statement["result"]
    assert result["extensions"] == {EXT + "demonstrated-level": 1, EXT + "required-level": 2}
    assert result["success"] is False
    assert result["score"] == {"raw": 1, "min": 0, "max": 4, "scaled": 0.25}  # levels 0-4
    assert statement["context"]["extensions"][EXT + "skill-code"] == "ECD-RAP"


@pytest.mark.parametrize("field, value", [("demonstrated_level", 5), ("demonstrated_level", -1),
                                          ("required_level", 5)])
def test_a_level_off_the_scale_is_refused(builder, field, value):
    with pytest.raises(InvalidStatementError, match=f"skill.{field}"):
        builder.skill_scored(make_attempt(), make_skill(**{field: value}))


def test_the_top_level_scores_in_full(builder):
    result = builder.skill_scored(make_attempt(), make_skill(demonstrated_level=4))["result"]
    assert result["score"]["scaled"] == 1 and result["success"] is True


def test_scored_without_requirement_has_no_success(builder):
    result = builder.skill_scored(make_attempt(), make_skill(required_level=None))["result"]
    assert "success" not in result and EXT + "required-level" not in result["extensions"]


def test_help_request_refers_to_the_skill_score(builder, statements):
    request = make_help_request()
    statement = builder.help_requested(request, NOW)
    assert statement["verb"]["id"] == "http://id.tincanapi.com/verb/requested-attention"
    assert statement["object"]["id"] == f"{BASE_URL}/xapi/help-requests/17"
    scored_id = builder.statement_id(f"attempt:{request.attempt_registration}:scored:ECD-RAP")
    assert statement["context"]["statement"] == {"objectType": "StatementRef", "id": scored_id}
    # its own registration (the help-request pattern), never the attempt's
    assert statement["context"]["registration"] == builder.vocab.registration("help-request:17")
    assert statement["context"]["registration"] != str(request.attempt_registration)


def test_help_claimed_and_resolved_are_by_the_coach(statements):
    for name, verb in (("help_claimed", "accept"), ("help_resolved", "resolve")):
        statement = statements[name]
        assert statement["verb"]["id"] == f"http://activitystrea.ms/schema/1.0/{verb}"
        assert statement["actor"]["account"]["name"] == "sub-coach-01"


def test_coaching_session_has_duration_and_instructor(builder):
    statement = builder.coaching_attended(make_session())
    assert statement["object"]["definition"]["type"] == \
        "http://adlnet.gov/expapi/activities/meeting"
    assert statement["result"]["duration"] == "PT01H00M00S"
    assert statement["context"]["instructor"]["account"]["name"] == "sub-coach-01"
    without = builder.coaching_attended(make_session(coach=None))
    assert "instructor" not in without["context"]


def test_certificate_carries_hours_points_and_scheme(builder):
    statement = builder.certificate_earned(make_certificate())
    assert statement["verb"]["id"] == "http://id.tincanapi.com/verb/earned"
    assert statement["object"]["definition"]["type"] == \
        "http://id.tincanapi.com/activitytype/certificate"
    assert statement["result"]["extensions"] == {EXT + "accreditation-hours": 3.0,
                                                 EXT + "accreditation-points": 3.0}
    assert statement["context"]["extensions"][EXT + "accreditation-scheme"] == "KNMG"


def test_voiding_targets_the_statement_and_is_by_the_tool(statements):
    statement = statements["voided"]
    assert statement["object"] == {"objectType": "StatementRef", "id": statements["failed"]["id"]}
    assert statement["actor"]["account"] == {"homePage": BASE_URL, "name": "digitoets"}
    assert "platform" not in statement["context"]
