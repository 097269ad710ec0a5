"""The run-once guard of the scheduled jobs (service.jobs.run_once), on SQLite and PostgreSQL.

Real commits from several connections (``committed_database``): the guard is about two
schedulers, each with its own connection, claiming one row.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from service import models as m
from service.db import Database
from service.jobs import run_once
from tests.conftest import ROOT

T0 = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)
WINDOW = timedelta(minutes=30)
UNITS = ROOT / "deploy" / "systemd"


def test_a_second_scheduler_within_the_window_skips_and_one_after_it_runs(committed_database):
    first = run_once.claim(committed_database, "coach-remind", window=WINDOW, now=T0, holder="a")
    during = run_once.claim(committed_database, "coach-remind", window=WINDOW, now=T0 + timedelta(seconds=5), holder="b")
    run_once.release(committed_database, first, window=WINDOW, now=T0 + timedelta(seconds=10))
    after_quick_run = run_once.claim(committed_database, "coach-remind", window=WINDOW,
                                     now=T0 + timedelta(minutes=29), holder="c")
    next_slot = run_once.claim(committed_database, "coach-remind", window=WINDOW, now=T0 + timedelta(minutes=31),
                               holder="d")
    other_job = run_once.claim(committed_database, "lti-purge", window=WINDOW, now=T0 + timedelta(seconds=5), holder="e")

    assert (first.acquired, during.acquired, after_quick_run.acquired, next_slot.acquired, other_job.acquired) == (
        True, False, False, True, True)
    assert (during.holder, during.locked_at) == ("a", T0)  # the skipping scheduler can say who has it


def test_a_failed_run_lets_another_scheduler_try_and_a_crashed_one_expires(committed_database):
    failed = run_once.claim(committed_database, "mail-digest", window=WINDOW, now=T0, holder="a")
    run_once.release(committed_database, failed, window=WINDOW, failed=True, now=T0 + timedelta(seconds=3))
    retry = run_once.claim(committed_database, "mail-digest", window=WINDOW, now=T0 + timedelta(seconds=4), holder="b")
    # "b" crashes without releasing: the job stays taken for AT_MOST, then it is free again
    still_taken = run_once.claim(committed_database, "mail-digest", window=WINDOW,
                                 now=T0 + run_once.AT_MOST - timedelta(minutes=1), holder="c")
    expired = run_once.claim(committed_database, "mail-digest", window=WINDOW,
                             now=T0 + timedelta(seconds=4) + run_once.AT_MOST, holder="d")

    assert (failed.acquired, retry.acquired, still_taken.acquired, expired.acquired) == (True, True, False, True)


def test_a_long_run_keeps_the_job_until_it_ends(committed_database):
    long = run_once.claim(committed_database, "retention-purge", window=WINDOW, now=T0, holder="a")
    meanwhile = run_once.claim(committed_database, "retention-purge", window=WINDOW, now=T0 + timedelta(minutes=50),
                               holder="b")
    run_once.release(committed_database, long, window=WINDOW, now=T0 + timedelta(minutes=55))
    right_after = run_once.claim(committed_database, "retention-purge", window=WINDOW, now=T0 + timedelta(minutes=56),
                                 holder="c")
    assert (long.acquired, meanwhile.acquired, right_after.acquired) == (True, False, True)


def test_eight_schedulers_claiming_at_the_same_moment_run_it_once(committed_database, database_url):
    """Eight threads, each with its own connection, claim at once; PostgreSQL and SQLite let exactly one in."""
    barrier = threading.Barrier(8)
    outcomes: list[bool] = []
    errors: list[BaseException] = []

    def scheduler(number: int) -> None:
        database = Database(database_url)
        try:
            barrier.wait(timeout=30)
            outcomes.append(run_once.claim(database, "hr-snapshot", window=WINDOW, holder=f"s{number}").acquired)
        except BaseException as exc:  # reported below: a thread's exception would be lost
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=scheduler, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(outcomes) == [False] * 7 + [True]
    with committed_database.begin() as session:
        assert session.scalar(select(m.JobLock.locked_by).where(m.JobLock.name == "hr-snapshot")).startswith("s")


def test_the_command_without_scheduled_always_runs_and_with_it_skips_a_taken_job(runner, database):
    taken = run_once.claim(database, "lti-purge", window=WINDOW, holder="the-other-scheduler")

    by_hand = runner.invoke(args=["lti", "purge"])
    scheduled = runner.invoke(args=["lti", "purge", "--scheduled"])

    assert taken.acquired
    assert by_hand.exit_code == 0 and "removed 0 expired launch state entries" in by_hand.output
    assert scheduled.exit_code == 0, scheduled.output
    assert "skipped lti-purge" in scheduled.output and "the-other-scheduler" in scheduled.output
    assert "removed" not in scheduled.output


def test_every_timer_driven_command_has_scheduled(runner):
    """Each command a deploy/systemd timer fires offers --scheduled (the schedulers pass it)."""
    commands = []
    for timer in sorted(UNITS.glob("*.timer")):
        service = timer.with_suffix(".service").read_text()
        exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
        commands.append(exec_start.split("/bin/digitoets ", 1)[1].split()[:2])
    assert len(commands) >= 7
    for command in commands:
        result = runner.invoke(args=[*command, "--help"])
        assert result.exit_code == 0 and "--scheduled" in result.output, command
