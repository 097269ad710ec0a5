"""The pick-up target counts working days only; group figures need the minimum group size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mappings import coaching as rules

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_two_working_days_from_friday_evening_end_on_tuesday_evening():
    friday = MONDAY - timedelta(days=3) + timedelta(hours=9)
    assert rules.pickup_deadline(friday, 2) == friday + timedelta(days=4)


def test_a_request_asked_on_saturday_starts_counting_on_monday():
    saturday = MONDAY - timedelta(days=2)
    assert rules.pickup_deadline(saturday, 1) == MONDAY + timedelta(days=1)


def test_overdue_only_after_the_deadline():
    assert not rules.is_overdue(MONDAY, 2, MONDAY + timedelta(days=2))
    assert rules.is_overdue(MONDAY, 2, MONDAY + timedelta(days=2, seconds=1))


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)).map(lambda d: d.replace(tzinfo=UTC)),
       st.integers(min_value=1, max_value=20))
def test_the_deadline_is_a_working_day_and_never_sooner_than_the_days_asked(created, days):
    deadline = rules.pickup_deadline(created, days)
    assert deadline.weekday() < 5
    assert deadline - created >= timedelta(days=days)
    assert deadline - created <= timedelta(days=days + 2 + 2 * (days // 5 + 1))


@given(st.lists(st.integers(min_value=0, max_value=4), max_size=12), st.integers(min_value=1, max_value=10))
def test_group_means_are_hidden_below_the_minimum(levels, minimum):
    mean = rules.group_mean(levels, minimum)
    assert (mean is None) == (len(levels) < minimum)


def test_ratio_and_median():
    assert rules.coach_ratio(70, 2) == 35 and rules.coach_ratio(10, 0) is None
    assert rules.median_hours([timedelta(hours=1), timedelta(hours=3), timedelta(hours=10)]) == 3.0
    assert rules.median_hours([]) is None
