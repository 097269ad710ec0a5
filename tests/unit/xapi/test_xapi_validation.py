"""Our strict validator: each bad case is refused with the path of the field.

tincan builds every one of these cases without complaint (see XAPI-NOTES), which is why the
builders run this validator before they return.
"""

from __future__ import annotations

import copy

import pytest

from tests.support.xapi_samples import BASE_URL, make_attempt, make_outcome
from xapi.errors import InvalidStatementError
from xapi.statements import StatementBuilder
from xapi.validation import validate_statement


@pytest.fixture
def statement():
    return StatementBuilder(BASE_URL).attempt_completed(make_attempt(), make_outcome())


def _refused(statement, message):
    with pytest.raises(InvalidStatementError) as caught:
        validate_statement(statement)
    assert str(caught.value) == message
    return caught.value


def test_built_statement_is_valid(statement):
    validate_statement(statement)


def test_scaled_outside_range(statement):
    statement["result"]["score"]["scaled"] = 1.5
    error = _refused(statement, "result.score.scaled: 1.5 is outside [-1, 1]")
    assert error.path == "result.score.scaled"


def test_raw_outside_min_max(statement):
    statement["result"]["score"]["raw"] = 11
    _refused(statement, "result.score.raw: 11 is outside [0, 10]")


def test_verb_id_not_an_iri(statement):
    statement["verb"]["id"] = "completed"
    _refused(statement, "verb.id: 'completed' is not an absolute IRI")


def test_activity_id_with_spaces(statement):
    statement["object"]["id"] = "https://digitoets.zorg.example/xapi/tests/ecd vig"
    _refused(statement, "object.id: 'https://digitoets.zorg.example/xapi/tests/ecd vig' is not "
                        "an absolute IRI")


def test_language_key_not_bcp47(statement):
    statement["verb"]["display"] = {"Dutch": "rondde af"}
    _refused(statement, "verb.display: 'Dutch' is not a BCP 47 language tag")


@pytest.mark.parametrize("tag", ["nl", "nl-NL", "en-US", "zh-Hant-TW", "nl-x-zorg"])
def test_language_keys_that_are_fine(statement, tag):
    statement["verb"]["display"] = {tag: "x"}
    validate_statement(statement)


def test_agent_with_two_identifiers(statement):
    statement["actor"]["mbox"] = "mailto:anna@zorg.example"
    _refused(statement, "actor: has 2 identifiers (mbox, account); an agent has exactly one")


def test_agent_without_identifier(statement):
    del statement["actor"]["account"]
    _refused(statement, "actor: has 0 identifiers (none); an agent has exactly one")


def test_account_without_name(statement):
    del statement["actor"]["account"]["name"]
    _refused(statement, "actor.account.name: is required")


def test_account_home_page_not_an_iri(statement):
    statement["actor"]["account"]["homePage"] = "lms"
    _refused(statement, "actor.account.homePage: 'lms' is not an absolute IRI")


def test_naive_timestamp(statement):
    statement["timestamp"] = "2026-03-02T09:30:15"
    _refused(statement, "timestamp: '2026-03-02T09:30:15' is not an ISO 8601 timestamp with "
                        "an offset")


def test_negative_zero_offset(statement):
    statement["timestamp"] = "2026-03-02T09:30:15-00:00"
    _refused(statement, "timestamp: '2026-03-02T09:30:15-00:00' uses the offset -00:00, which "
                        "xAPI forbids")


@pytest.mark.parametrize("duration", ["7 minutes", "PT", "P", "PT7M30", "T7M"])
def test_bad_duration(statement, duration):
    statement["result"]["duration"] = duration
    _refused(statement, f"result.duration: {duration!r} is not an ISO 8601 duration")


@pytest.mark.parametrize("duration", ["PT07M30S", "PT0.5S", "P1DT2H", "P3W", "PT1H0M0.25S"])
def test_good_durations(statement, duration):
    statement["result"]["duration"] = duration
    validate_statement(statement)


def test_extension_key_not_an_iri(statement):
    statement["context"]["extensions"]["tenant"] = "sint-jacob"
    _refused(statement, "context.extensions: key 'tenant' is not an absolute IRI")


def test_activity_type_not_an_iri(statement):
    statement["context"]["contextActivities"]["grouping"][0]["definition"]["type"] = "app"
    _refused(statement, "context.contextActivities.grouping[0].definition.type: 'app' is not "
                        "an absolute IRI")


def test_missing_verb(statement):
    del statement["verb"]
    _refused(statement, "verb: is required")


def test_missing_id(statement):
    del statement["id"]
    _refused(statement, "id: is required")


def test_id_not_a_uuid(statement):
    statement["id"] = "attempt-1-completed"
    _refused(statement, "id: 'attempt-1-completed' is not a UUID")


def test_unknown_property(statement):
    statement["score"] = 7
    _refused(statement, "score: is not an allowed property here")


def test_voiding_must_target_a_statement(statement):
    voiding = copy.deepcopy(statement)
    voiding["verb"]["id"] = "http://adlnet.gov/expapi/verbs/voided"
    del voiding["context"]["platform"]
    _refused(voiding, "object: a voiding statement must target a StatementRef")


def test_platform_only_with_an_activity_object(statement):
    statement["object"] = {"objectType": "StatementRef",
                           "id": "0b7e2a52-5d0c-4a5e-9e61-4c1f0d6f3a11"}
    _refused(statement, "context.platform: is only allowed when the object is an Activity")


def test_error_message_never_quotes_an_email(statement):
    statement["actor"] = {"mbox": "anna@zorg.example"}
    error = _refused(statement, "actor.mbox: must be a mailto: IRI")
    assert "anna" not in str(error)
