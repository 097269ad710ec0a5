"""The pause between a worker's rounds (service/jobs/worker.py): woken early, but not too early."""

from __future__ import annotations

import time

from service.jobs.worker import run_rounds


def test_an_announcement_ends_the_pause_but_not_before_the_shortest_pause():
    ends: list[float] = []  # when each round ended
    asked: list[float] = []  # when the worker asked whether work was announced

    def one_round():
        ends.append(time.monotonic())

    def wake(seconds: float) -> bool:
        asked.append(time.monotonic())
        return True  # work is always announced

    began = time.monotonic()
    # an interval of 60 s: only the announcements can make three rounds happen before the 20 s stop
    run_rounds(one_round, loop=True, interval=60, min_pause=0.2, wake=wake,
               should_stop=lambda: len(ends) >= 3 or time.monotonic() - began > 20)
    assert len(ends) == 3
    assert len(asked) == 2
    assert all(question - end >= 0.2 for question, end in zip(asked, ends[:2], strict=True))  # never within the shortest pause


def test_after_a_failed_round_the_backoff_holds_whatever_is_announced():
    rounds: list[float] = []
    asked: list[float] = []

    def failing_round():
        rounds.append(time.monotonic())
        raise RuntimeError("the database is away")

    began = time.monotonic()
    failures = run_rounds(failing_round, loop=True, interval=0.1, min_pause=0.0, max_backoff=0.4,
                          wake=lambda seconds: asked.append(seconds) or True,
                          should_stop=lambda: len(rounds) >= 3 or time.monotonic() - began > 20)
    assert failures == 3
    assert asked == []  # never asked: an announcement cannot shorten a backoff
    assert rounds[2] - rounds[1] >= 0.4  # the backoff (0.1 s doubled per failure, at most 0.4 s) was waited out
