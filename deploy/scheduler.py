"""The scheduled jobs for containers: what deploy/systemd's timers do on one server.

The compose ``scheduler`` service runs this file (``python /opt/digitoets/scheduler.py``); Kubernetes
runs the same jobs as CronJobs (deploy/k8s/base/cronjobs.yaml) with the same schedules. Each minute
it starts, one after another, the jobs whose schedule matches that minute in their time zone, as
``digitoets <command> --scheduled``: with several schedulers on one database (two compose hosts, a
CronJob beside a timer) a job runs once per window, the others skip it. Every job is also safe to
run late, so a missed minute is simply run at the next match. SIGTERM lets the
job in flight finish, then the scheduler stops.

    python scheduler.py                # run forever
    python scheduler.py --list         # the jobs and their schedules
    python scheduler.py --due 2026-11-30T04:30   # which jobs would start in that minute (nothing runs)

Only the standard library: it runs in the application image without extra packages.
"""

from __future__ import annotations

import argparse
import logging
import signal
# subprocess runs our own `digitoets` command with fixed arguments, never input
import subprocess  # nosec B404
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

ZONE = "Europe/Amsterdam"
logger = logging.getLogger("digitoets.scheduler")


@dataclass(frozen=True)
class Job:
    """``name`` is the systemd unit's name without ``digitoets-``; ``schedule`` is cron: minute hour * * *."""

    name: str
    schedule: str
    command: tuple[str, ...]
    zone: str = ZONE

    def due(self, moment: datetime) -> bool:
        """Does the schedule match the minute of ``moment`` (an aware datetime) in the job's zone?"""
        local = moment.astimezone(ZoneInfo(self.zone))
        minute, hour, day, month, weekday = self.schedule.split()
        return (_matches(minute, local.minute) and _matches(hour, local.hour) and _matches(day, local.day)
                and _matches(month, local.month) and _matches(weekday, local.isoweekday() % 7))


#: keep in step with deploy/systemd/*.timer and deploy/k8s/base/cronjobs.yaml (a test compares them)
JOBS: tuple[Job, ...] = (
    Job("accreditation-deliver", "0 * * * *", ("accreditation", "deliver", "--scheduled")),
    Job("accreditation-points", "0 * * * *", ("accreditation", "points", "--scheduled")),
    Job("coach-remind", "0 * * * *", ("coach", "remind", "--scheduled")),
    Job("hr-snapshot", "30 4 * * *", ("hr", "snapshot", "--scheduled")),
    Job("mail-digest", "0 7 * * *", ("mail", "digest", "--scheduled")),
    Job("outbox-compact", "45 3 * * *", ("retention", "compact-outbox", "--scheduled")),
    Job("purge-launch-state", "0 * * * *", ("lti", "purge", "--scheduled")),
    Job("retention", "15 3 * * *", ("retention", "purge", "--scheduled")),
    Job("sync-roster", "30 2 * * *", ("lti", "sync-roster", "--scheduled")),
    Job("xapi-ingest", "15 3 * * *", ("xapi", "ingest", "--scheduled")),
)


def _matches(field: str, value: int) -> bool:
    """One cron field: ``*``, ``*/n``, a number or a comma-separated list of numbers."""
    for part in field.split(","):
        if part == "*" or (part.startswith("*/") and value % int(part[2:]) == 0) or (part.isdigit() and int(part) == value):
            return True
    return False


def due_jobs(moment: datetime) -> list[Job]:
    return [job for job in JOBS if job.due(moment)]


class _Stop:
    requested = False

    def __call__(self, signum, frame) -> None:
        logger.info("scheduler: stopping after the job in flight (signal %s)", signum)
        self.requested = True


def run_forever(binary: str = "digitoets") -> None:
    stop = _Stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    last_minute = None
    while not stop.requested:
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        if now != last_minute:
            last_minute = now
            for job in due_jobs(now):
                if stop.requested:
                    break
                started = time.monotonic()
                result = subprocess.run([binary, *job.command], check=False)  # nosec B603
                logger.info("scheduler: job=%s exit=%s seconds=%.1f", job.name, result.returncode,
                            time.monotonic() - started)
        time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the jobs and their schedules")
    parser.add_argument("--due", metavar="ISO_MINUTE", help="print the jobs that start in this minute (UTC if no offset)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    if args.list:
        for job in JOBS:
            print(f"{job.name}\t{job.schedule}\t{job.zone}\tdigitoets {' '.join(job.command)}")
        return 0
    if args.due:
        moment = datetime.fromisoformat(args.due)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        for job in due_jobs(moment):
            print(job.name)
        return 0
    run_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
