"""Every statement we build matches a template of our profile and follows a primary pattern.

The checker is ``xapi.conformance`` (our own: PyPI has no xAPI Profiles validator).
"""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta

import pytest

from tests.support.xapi_samples import (BASE_URL, NOW, every_statement, make_actor, make_attempt,
                                        make_certificate, make_help_request, make_item,
                                        make_outcome, make_session, make_skill)
from xapi.conformance import (ProfileError, check, evaluate, matching_primary_patterns,
                              matching_templates, template_problems)
from xapi.events import Answer
from xapi.statements import StatementBuilder
from xapi.vocabulary import profile_document

PATTERNS = f"{BASE_URL}/xapi/profile/patterns/"


@pytest.fixture(scope="module")
def profile():
    return profile_document(BASE_URL)


@pytest.fixture(scope="module")
def builder():
    return StatementBuilder(BASE_URL)


@pytest.fixture(scope="module")
def statements(builder):
    return every_statement(builder)


def _attempt(builder, passed=True, answered=(1, 2)):
    attempt = make_attempt(registration=uuid.uuid4())
    answers = [builder.item_answered(attempt, Answer(make_item(kind, code=f"q{n}"), ["a"] if kind == "single"
                                                     else ["met-hulp"], NOW + timedelta(minutes=minute)))
               for n, (kind, minute) in enumerate(zip(("single", "self_rating"), answered, strict=True))]
    outcome = make_outcome(passed=passed, finished_at=NOW + timedelta(minutes=5))
    return ([builder.attempt_launched(attempt), builder.attempt_initialized(attempt)] + answers
            + [builder.attempt_completed(attempt, outcome), builder.attempt_judged(attempt, outcome),
               builder.skill_scored(attempt, make_skill(scored_at=NOW + timedelta(minutes=5))),
               builder.attempt_terminated(attempt, NOW + timedelta(minutes=5))])


def _help(builder, request_id="17"):
    request, coach = make_help_request(id=request_id), make_actor(name="sub-coach-01")
    return [builder.help_requested(request, NOW), builder.help_claimed(request, coach, NOW + timedelta(hours=1)),
            builder.help_resolved(request, coach, NOW + timedelta(days=1)),
            builder.help_claimed(request, make_actor(name="sub-coach-02"), NOW + timedelta(days=2))]


def test_every_statement_kind_matches_exactly_one_template(profile, statements):
    matched = {}
    for kind, statement in statements.items():
        found = matching_templates(profile, statement)
        assert len(found) == 1, (kind, found)
        matched[kind] = found[0]
    assert set(matched.values()) == {t["id"] for t in profile["templates"]}  # no template unused


def test_every_statement_kind_follows_a_primary_pattern(profile, builder, statements):
    lifecycles = {
        "attempt passed": _attempt(builder),
        "attempt failed": _attempt(builder, passed=False),
        "help request": _help(builder),
        "coaching": [builder.coaching_attended(make_session(id="51"))],
        "certificate": [builder.certificate_earned(make_certificate(id="31"))],
        "correction": [builder.voided(statements["failed"]["id"], NOW)],
    }
    for name, group in lifecycles.items():
        assert check(profile, group) == [], name
    # every builder's statement is in some lifecycle, and each lifecycle is one primary pattern
    covered = {t for group in lifecycles.values() for s in group for t in matching_templates(profile, s)}
    assert covered == {t["id"] for t in profile["templates"]}
    assert matching_primary_patterns(profile, [set(matching_templates(profile, s)) for s in _help(builder)]) == \
        [PATTERNS + "help-request"]


def test_every_statement_from_every_builder_conforms_when_sent_alone_or_in_its_group(profile, statements):
    by_registration = {}
    for kind, statement in statements.items():
        by_registration.setdefault(statement["context"]["registration"], []).append(kind)
    # every non-attempt kind has a registration of its own, so it follows its pattern alone
    for kinds in by_registration.values():
        if "launched" not in kinds:
            assert check(profile, [statements[k] for k in kinds]) == [], kinds


def test_answers_out_of_timestamp_order_still_follow_the_pattern_once_sorted(profile, builder):
    # the checker orders by timestamp like a profile validator: an answer stamped after
    # completion breaks the attempt pattern, however the batch was ordered
    late = _attempt(builder, answered=(1, 9))
    assert any("follows no primary pattern" in p for p in check(profile, late))
    statements = _attempt(builder)
    answers_sent_last = statements[:2] + statements[4:] + statements[2:4]  # distinct timestamps
    assert check(profile, answers_sent_last) == []
    # same timestamp (completed, passed, scored, terminated): the order sent decides (spec)
    assert check(profile, statements[:4] + list(reversed(statements[4:]))) != []


def test_statements_that_break_the_profile_are_caught(profile, builder, statements):
    help_without_registration = copy.deepcopy(statements["help_requested"])
    del help_without_registration["context"]["registration"]
    assert any("no registration" in p for p in check(profile, [help_without_registration]))
    claimed_first = _help(builder, "18")[1:]  # claimed before any request
    assert any("no primary pattern" in p for p in check(profile, claimed_first))
    two_judgements = _attempt(builder)
    two_judgements.insert(5, builder.attempt_judged(make_attempt(registration=uuid.UUID(
        two_judgements[0]["context"]["registration"])), make_outcome(passed=False,
                                                                      finished_at=NOW + timedelta(minutes=5))))
    assert check(profile, two_judgements) != []


def test_template_rules_presence_and_values(profile, statements):
    scored = next(t for t in profile["templates"] if t["id"].endswith("/skill-scored"))
    statement = copy.deepcopy(statements["scored"])
    assert template_problems(scored, statement) == []
    statement["result"]["score"]["max"] = 3  # off the profile's 0-4 scale
    assert template_problems(scored, statement) == ["$.result.score.max has values outside [4]"]
    statement = copy.deepcopy(statements["scored"])
    statement["verb"]["id"] = "http://adlnet.gov/expapi/verbs/answered"
    del statement["context"]["registration"]
    assert template_problems(scored, statement) == [
        "verb is not http://adlnet.gov/expapi/verbs/scored", "$.context.registration is required"]
    rule = {"location": "$.context.registration", "presence": "excluded"}
    assert template_problems({"rules": [rule]}, statements["scored"]) == ["$.context.registration must be absent"]
    none_rule = {"location": "$.actor.objectType", "none": ["Agent"]}
    assert template_problems({"rules": [none_rule]}, statements["scored"]) != []


def test_jsonpath_subset(statements):
    statement = statements["scored"]
    assert evaluate(statement, "$.context.contextActivities.category[*].id") == [
        f"{BASE_URL}/xapi/profile/v1.0"]
    assert evaluate(statement, f"$.result.extensions['{BASE_URL}/xapi/extensions/demonstrated-level']") == [1]
    assert evaluate(statement, "$.context.contextActivities.grouping[0].definition.type") == [
        f"{BASE_URL}/xapi/activity-types/application"]
    assert evaluate(statement, "$.result.nothing.here") == []
    with pytest.raises(ProfileError):
        evaluate(statement, "$..id[?(@.x)]")
