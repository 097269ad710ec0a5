"""409 handling: same content is delivered, different content is a conflict, others still land."""

from __future__ import annotations

import pytest
import requests

from tests.support.lrs import PASSWORD, USERNAME

from tests.support.xapi_samples import make_outcome
from xapi.errors import ConflictingStatementError

pytestmark = pytest.mark.lrs


def test_batch_with_a_conflict_sorts_out_every_statement(builder, attempt, lrs_client):
    launched = builder.attempt_launched(attempt)
    completed = builder.attempt_completed(attempt, make_outcome(score_raw=7))
    assert lrs_client.post_batch([launched, completed]).complete
    # Same event (same id), different content: a rescoring that should have been a void.
    rescored = builder.attempt_completed(attempt, make_outcome(score_raw=9))
    terminated = builder.attempt_terminated(attempt, make_outcome().finished_at)

    result = lrs_client.post_batch([launched, rescored, terminated])

    assert result.conflicts == [rescored["id"]]
    assert sorted(result.delivered) == sorted([launched["id"], terminated["id"]])
    assert result.rejected == {}
    assert lrs_client.get_statement(terminated["id"]) is not None
    assert lrs_client.get_statement(completed["id"])["result"]["score"]["raw"] == 7


def test_the_lrs_answers_409_for_that_batch(builder, attempt, lrs, lrs_client):
    """The premise of the test above, checked on the wire."""
    completed = builder.attempt_completed(attempt, make_outcome(score_raw=7))
    assert lrs_client.post_batch([completed]).complete
    rescored = builder.attempt_completed(attempt, make_outcome(score_raw=9))
    response = requests.post(lrs_client.statements_url, json=[rescored], timeout=10,
                             auth=(USERNAME, PASSWORD),
                             headers={"X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 409
    assert f"{completed['id']} is conflicting" in response.text


def test_put_of_same_content_is_fine_and_of_other_content_raises(builder, attempt, lrs_client):
    completed = builder.attempt_completed(attempt, make_outcome(score_raw=7))
    lrs_client.put_statement(completed)
    lrs_client.put_statement(completed)
    rescored = builder.attempt_completed(attempt, make_outcome(score_raw=9))
    with pytest.raises(ConflictingStatementError) as caught:
        lrs_client.put_statement(rescored)
    assert caught.value.statement_id == completed["id"]


def test_two_versions_of_one_event_in_a_batch(builder, attempt, lrs_client):
    first = builder.attempt_completed(attempt, make_outcome(score_raw=7))
    second = builder.attempt_completed(attempt, make_outcome(score_raw=9))
    result = lrs_client.post_batch([first, second, first])
    assert result.delivered == [first["id"]]
    assert result.conflicts == [first["id"]]
