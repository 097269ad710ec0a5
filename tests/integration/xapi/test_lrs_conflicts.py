"""409 handling on Learning Locker: same content is delivered, different content is a conflict.

The premises on the real LRS; the client's other 409 / 400 / 413 branches (PUT, two versions in
one batch, a 409 the LRS cannot show) are unit tests against a fake at the port
(tests/unit/xapi/test_xapi_client_branches.py).
"""

from __future__ import annotations

import pytest
import requests

from tests.support.lrs import PASSWORD, USERNAME
from tests.support.xapi_samples import make_outcome

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
