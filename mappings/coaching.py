"""Pure rules of the digicoach queue: the pick-up target in working days, and group minimums."""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median

#: Monday..Friday; a help request asked on Friday evening is not late on Monday morning
WORKING_DAYS = frozenset(range(5))


def pickup_deadline(created_at: datetime, working_days: int) -> datetime:
    """The moment a request asked at ``created_at`` should be claimed by: ``working_days`` working days later.

    Weekend days do not count; a request asked in the weekend starts counting on Monday at the same time.
    """
    if working_days < 1:
        raise ValueError("working_days must be at least 1")
    moment, left = created_at, working_days
    while moment.weekday() not in WORKING_DAYS:
        moment += timedelta(days=1)
    while left:
        moment += timedelta(days=1)
        if moment.weekday() in WORKING_DAYS:
            left -= 1
    return moment


def is_overdue(created_at: datetime, working_days: int, now: datetime) -> bool:
    """True when an unclaimed request is past its pick-up target at ``now``."""
    return now > pickup_deadline(created_at, working_days)


def median_hours(durations: list[timedelta]) -> float | None:
    """The median of ``durations`` in hours (one decimal), None when there are none."""
    if not durations:
        return None
    return round(median(d.total_seconds() for d in durations) / 3600, 1)


def group_mean(levels: list[int], minimum: int) -> float | None:
    """The mean of ``levels`` when the group has at least ``minimum`` people, else None (never shown)."""
    if len(levels) < max(minimum, 1):
        return None
    return round(sum(levels) / len(levels), 1)


def coach_ratio(employees: int, coaches: int) -> float | None:
    """Employees per coach (None without coaches); the advice is at most 35."""
    return round(employees / coaches, 1) if coaches else None
