"""The LRS client's 409 / 400 / 413 branches, against a fake LRS at the port (tests/support/fake_lrs.py).

A fake, because these answers are slow or impossible to cause on demand with Learning Locker
(a 413, a 409 for a statement the LRS will not show); the real-LRS tests keep to the premises.
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.support.fake_lrs import FakeLrs, serving
from tests.support.xapi_samples import BASE_URL, make_attempt, make_item, make_outcome
from xapi.client import LRSClient
from xapi.errors import ConflictingStatementError, LRSRejectedError
from xapi.events import Answer
from xapi.statements import StatementBuilder

BUILDER = StatementBuilder(BASE_URL)
POISON = "poison"


def answers(count, attempt=None):
    attempt = attempt or make_attempt(registration=uuid.uuid4())
    return [BUILDER.item_answered(attempt, Answer(make_item("single", code=f"q{n}"), ["a"],
                                                  make_outcome().finished_at)) for n in range(count)]


def refuse_poison(statement):
    return "this object cannot be answered" if statement["object"]["id"].endswith(f"/{POISON}") else None


@pytest.fixture
def fake():
    with serving(FakeLrs(refuse=refuse_poison)) as running:
        yield running


@pytest.fixture
def client(fake):
    with LRSClient(fake.endpoint, "user", "secret", timeout=(5, 30)) as lrs:
        yield lrs


def test_a_400_for_one_statement_isolates_it_by_halving_and_the_rest_lands(fake, client):
    good = answers(15)
    poison = answers(1)[0]
    poison["object"]["id"] = poison["object"]["id"].rsplit("/", 1)[0] + f"/{POISON}"
    result = client.post_batch(good[:11] + [poison] + good[11:])
    assert list(result.rejected) == [poison["id"]]
    assert "this object cannot be answered" in result.rejected[poison["id"]]
    assert sorted(result.delivered) == sorted(s["id"] for s in good) and result.conflicts == []
    assert set(fake.stored) == {s["id"] for s in good}
    assert len(fake.requests) <= 2 * 5 + 1  # halving: about two POSTs per level, not one per statement


def test_a_413_splits_the_batch_until_it_fits_and_refuses_one_that_never_fits(fake, client):
    good = answers(8)
    fake.max_body = len(str(good[0])) * 3  # two or three statements per request fit
    huge = answers(1)[0]
    huge["object"]["definition"]["description"] = {"nl": "x" * fake.max_body}
    result = client.post_batch(good + [huge])
    assert sorted(result.delivered) == sorted(s["id"] for s in good)
    assert list(result.rejected) == [huge["id"]] and "bytes is over" in result.rejected[huge["id"]]
    assert fake.requests[0] == ("POST", 9)  # the whole batch first, then halves until they fit
    assert fake.requests[1] == ("POST", 4) and max(count for _, count in fake.requests[1:]) <= 5
    assert set(fake.stored) == {s["id"] for s in good}


def test_a_409_sorts_out_same_content_different_content_and_new_statements(fake, client):
    attempt = make_attempt(registration=uuid.uuid4())
    launched = BUILDER.attempt_launched(attempt)
    completed = BUILDER.attempt_completed(attempt, make_outcome(score_raw=7))
    assert client.post_batch([launched, completed]).complete
    rescored = BUILDER.attempt_completed(attempt, make_outcome(score_raw=9))
    terminated = BUILDER.attempt_terminated(attempt, make_outcome().finished_at)
    result = client.post_batch([launched, rescored, terminated])
    assert result.conflicts == [rescored["id"]]
    assert sorted(result.delivered) == sorted([launched["id"], terminated["id"]])
    assert fake.stored[completed["id"]]["result"]["score"]["raw"] == 7  # the LRS's copy stands
    assert terminated["id"] in fake.stored


def test_a_409_for_a_statement_the_lrs_does_not_show_is_a_conflict_not_a_loop(fake, client):
    statements = answers(4)
    fake.hidden.add(statements[2]["id"])
    result = client.post_batch(statements)
    assert result.conflicts == [statements[2]["id"]]
    assert sorted(result.delivered) == sorted(s["id"] for n, s in enumerate(statements) if n != 2)
    assert len(fake.requests) < 10


def test_serialized_posts_fall_back_to_the_branches(fake, client):
    good = answers(5)
    poison = answers(1)[0]
    poison["object"]["id"] = poison["object"]["id"].rsplit("/", 1)[0] + f"/{POISON}"
    assert client.post_batch(good[:2]).complete
    result = client.post_serialized([(s["id"], json.dumps(s)) for s in good + [poison]])
    assert sorted(result.delivered) == sorted(s["id"] for s in good)
    assert list(result.rejected) == [poison["id"]]


def test_two_versions_of_one_event_in_one_batch_are_a_conflict(fake, client):
    attempt = make_attempt(registration=uuid.uuid4())
    first = BUILDER.attempt_completed(attempt, make_outcome(score_raw=7))
    second = BUILDER.attempt_completed(attempt, make_outcome(score_raw=9))
    result = client.post_batch([first, second, first])
    assert result.delivered == [first["id"]] and result.conflicts == [first["id"]]
    assert fake.requests == [("POST", 1)]  # the duplicate never reaches the LRS (a 400 there)


def test_put_accepts_the_same_content_again_and_raises_on_other_content_or_refusal(fake, client):
    attempt = make_attempt(registration=uuid.uuid4())
    completed = BUILDER.attempt_completed(attempt, make_outcome(score_raw=7))
    client.put_statement(completed)
    client.put_statement(completed)
    with pytest.raises(ConflictingStatementError) as caught:
        client.put_statement(BUILDER.attempt_completed(attempt, make_outcome(score_raw=9)))
    assert caught.value.statement_id == completed["id"]
    poison = answers(1)[0]
    poison["object"]["id"] = poison["object"]["id"].rsplit("/", 1)[0] + f"/{POISON}"
    with pytest.raises(LRSRejectedError, match="this object cannot be answered"):
        client.put_statement(poison)
    fake.max_body = 10
    with pytest.raises(LRSRejectedError) as too_big:
        client.put_statement(answers(1)[0])
    assert too_big.value.status == 413
