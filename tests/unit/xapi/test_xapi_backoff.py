"""Retry timing: exponential backoff with full jitter, Retry-After parsing, client set-up."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from xapi.client import LRSClient, backoff_delay, parse_retry_after


class _Top:
    """An rng whose uniform() returns the upper bound, to see the ceiling."""

    def uniform(self, low, high):
        return high


def test_backoff_ceiling_doubles_up_to_the_cap():
    assert [backoff_delay(n, base=1, cap=30, rng=_Top()) for n in range(1, 8)] == \
        [1, 2, 4, 8, 16, 30, 30]


def test_backoff_is_jittered_within_the_ceiling():
    rng = random.Random(7)
    delays = [backoff_delay(5, base=1, cap=300, rng=rng) for _ in range(200)]
    assert all(0 <= d <= 16 for d in delays)
    assert len({round(d, 3) for d in delays}) > 150


def test_backoff_honours_retry_after_as_a_floor():
    assert backoff_delay(1, base=1, retry_after=120, rng=_Top()) == 120
    assert backoff_delay(9, base=1, cap=300, retry_after=5, rng=_Top()) == 256


@pytest.mark.parametrize("header, seconds", [("120", 120.0), (" 7 ", 7.0), (None, None),
                                             ("", None), ("soon", None)])
def test_retry_after_seconds(header, seconds):
    assert parse_retry_after(header) == seconds


def test_retry_after_http_date():
    now = datetime(2026, 3, 2, 9, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("Mon, 02 Mar 2026 09:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Mon, 02 Mar 2026 08:00:00 GMT", now=now) == 0.0


def test_client_refuses_credentials_in_the_url():
    with pytest.raises(ValueError, match="username/password"):
        LRSClient("https://key:secret@lrs.example/xAPI/")


def test_client_repr_has_no_secret():
    client = LRSClient("https://lrs.example/xAPI", "key", "s3cret-pass")
    assert "s3cret" not in repr(client) and "key" not in repr(client)
    assert client.statements_url == "https://lrs.example/xAPI/statements"
    client.close()
