"""Reading statements back page by page (for the ingest feature)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests

from tests.support.lrs import PASSWORD, USERNAME
from tests.support.xapi_samples import make_item, make_outcome
from xapi.client import LRSClient
from xapi.events import Answer

pytestmark = pytest.mark.lrs


def test_fetch_follows_more_links_over_several_pages(builder, attempt, lrs):
    moment = make_outcome().finished_at
    answers = [builder.item_answered(attempt, Answer(make_item("single", code=f"q{n:02}"), ["a"],
                                                     moment + timedelta(seconds=n)))
               for n in range(25)]
    pages = []
    session = requests.Session()
    session.hooks["response"].append(lambda response, *args, **kwargs: pages.append(
        response.url))
    with LRSClient(lrs.endpoint, USERNAME, PASSWORD, session=session) as client:
        assert client.post_batch(answers).complete
        fetched = list(client.fetch_statements(
            params={"registration": str(attempt.registration), "limit": 10}))
    session.close()
    assert len(pages) >= 4  # the POST, then pages of 10, 10 and 5
    assert sorted(s["id"] for s in fetched) == sorted(s["id"] for s in answers)
    assert all("cursor=" in url for url in pages[2:])


def test_fetch_since_only_returns_newer_statements(builder, attempt, lrs_client):
    first = builder.attempt_launched(attempt)
    assert lrs_client.post_batch([first]).complete
    stored_at = lrs_client.get_statement(first["id"])["stored"]
    time.sleep(0.01)  # `since` is exclusive and `stored` has millisecond precision
    second = builder.attempt_initialized(attempt)
    assert lrs_client.post_batch([second]).complete
    newer = list(lrs_client.fetch_statements(
        since=stored_at, params={"registration": str(attempt.registration)}))
    assert [s["id"] for s in newer] == [second["id"]]
