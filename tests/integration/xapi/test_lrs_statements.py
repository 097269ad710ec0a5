"""Every kind of statement is accepted by Learning Locker and passes its validator."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.support.lrs import PASSWORD, USERNAME, learninglocker_problems
from tests.support.xapi_samples import every_statement
from xapi.client import LRSClient
from xapi.comparison import same_statement

pytestmark = pytest.mark.lrs


def test_every_kind_passes_learninglocker_validation(builder, attempt):
    statements = every_statement(builder, attempt, key=uuid.uuid4().hex[:8])
    assert learninglocker_problems(list(statements.values())) == []


def test_learninglocker_validator_does_report_problems(builder, attempt):
    """Guard against a validator that passes everything: a known-bad statement is reported."""
    bad = builder.attempt_launched(attempt)
    bad["result"] = {"score": {"scaled": 1.5}}
    problems = learninglocker_problems([bad])
    assert [error["path"] for error in problems[0]["errors"]] == \
        ["statement.result.score.scaled"]


def test_every_kind_is_stored_by_the_lrs(builder, attempt, lrs_client):
    statements = every_statement(builder, attempt, key=uuid.uuid4().hex[:8])
    sent = list(statements.values())
    result = lrs_client.post_batch(sent)
    assert result.complete
    assert sorted(result.delivered) == sorted(s["id"] for s in sent)
    for statement in sent:
        stored = lrs_client.get_statement(statement["id"])
        assert stored is not None and same_statement(statement, stored), statement["id"]


def test_voided_statement_is_hidden_but_still_fetchable(builder, attempt, lrs_client):
    statements = every_statement(builder, attempt, key=uuid.uuid4().hex[:8])
    assert lrs_client.post_batch(list(statements.values())).complete
    registration = {"registration": str(attempt.registration)}
    listed = {s["id"] for s in lrs_client.fetch_statements(params=registration)}
    assert statements["failed"]["id"] not in listed
    assert statements["passed"]["id"] in listed
    assert lrs_client.get_statement(statements["failed"]["id"])["id"] == \
        statements["failed"]["id"]


def test_resending_is_idempotent(builder, attempt, lrs_client):
    statement = builder.attempt_launched(attempt)
    assert lrs_client.post_batch([statement]).delivered == [statement["id"]]
    assert lrs_client.post_batch([statement]).delivered == [statement["id"]]
    lrs_client.put_statement(statement)
    ids = [s["id"] for s in lrs_client.fetch_statements(
        params={"registration": str(attempt.registration)})]
    assert ids == [statement["id"]]


def test_about(lrs_client):
    assert "1.0.3" in lrs_client.about()["version"]


def test_long_lists_are_sent_in_chunks(builder, attempt, lrs):
    statements = list(every_statement(builder, attempt, key=uuid.uuid4().hex[:8]).values())
    posts = []
    with requests.Session() as session:
        session.hooks["response"].append(
            lambda response, *args, **kwargs: posts.append(response.request.method))
        client = LRSClient(lrs.endpoint, USERNAME, PASSWORD, session=session, max_batch=4)
        result = client.post_batch(statements)
    assert result.complete and len(result.delivered) == len(statements)
    assert posts.count("POST") == -(-len(statements) // 4)
