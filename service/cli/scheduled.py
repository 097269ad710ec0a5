"""`--scheduled` for the commands that timers and CronJobs run: once per window, however many schedulers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta

import click

from service.cli.common import current_database
from service.jobs import run_once

HOURLY = timedelta(minutes=30)  # hourly timers, up to 5 minutes' random delay
DAILY = timedelta(hours=12)  # daily timers, up to 15 minutes' random delay and a catch-up after a reboot


def scheduled_job(job: str, window: timedelta) -> Callable:
    """Add ``--scheduled`` to a command: skip it when another scheduler ran ``job`` less than ``window`` ago.

    Without the option (a person running it by hand) the command always runs.
    """

    def decorate(command: Callable) -> Callable:
        @click.option("--scheduled", is_flag=True,
                      help="Run as a scheduler: skip when another scheduler on this database ran this job "
                           f"less than {_human(window)} ago or runs it now.")
        @functools.wraps(command)
        def wrapper(*args, scheduled: bool = False, **kwargs):
            if not scheduled:
                return command(*args, **kwargs)
            database = current_database()
            claim = run_once.claim(database, job, window=window)
            if not claim.acquired:
                click.echo(f"skipped {job}: taken at {claim.locked_at:%Y-%m-%d %H:%M:%S} UTC by {claim.holder}")
                return None
            try:
                result = command(*args, **kwargs)
            except BaseException:
                run_once.release(database, claim, window=window, failed=True)
                raise
            run_once.release(database, claim, window=window)
            return result

        return wrapper

    return decorate


def _human(window: timedelta) -> str:
    minutes = int(window.total_seconds() // 60)
    return f"{minutes // 60} hours" if minutes % 60 == 0 else f"{minutes} minutes"
