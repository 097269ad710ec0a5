"""The loop of a long-running worker (``xapi forward --loop``): rounds, a pause, and outages waited out.

A database or LRS that goes away must not end the worker: a supervisor gives up after a few
quick restarts (systemd's defaults: 5 in 10 s), and then nothing is delivered until someone
notices. A round that fails is logged (once per interval while the failure lasts, with one
traceback for the first), and the next round waits longer each time (exponential backoff up to
``max_backoff``); the first round that succeeds again is logged and the pause is back to normal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from service.log_throttle import OncePerInterval

logger = logging.getLogger(__name__)

#: the longest pause between two failing rounds, in seconds
MAX_BACKOFF = 60.0


def run_rounds(one_round: Callable[[], None], *, loop: bool, interval: float, should_stop: Callable[[], bool],
               max_backoff: float = MAX_BACKOFF, sleep: Callable[[float], None] = time.sleep,
               log_every: float = 60.0) -> int:
    """Run ``one_round`` once, or until ``should_stop`` with ``loop``; returns the number of failed rounds.

    Without ``loop`` a failure is raised (a one-off command should fail loudly).
    """
    failures, streak = 0, 0
    throttle = OncePerInterval(log_every)
    while True:
        try:
            one_round()
        except Exception as exc:  # noqa: BLE001 - a worker outlives any failure of one round
            if not loop:
                raise
            failures += 1
            streak += 1
            log, suppressed = throttle.should_log("round")
            if log:
                more = f" ({suppressed} more failed rounds since the last message)" if suppressed else ""
                logger.error("Worker round failed, retrying with backoff: %s: %s%s", type(exc).__name__,
                             str(exc).splitlines()[0][:300] if str(exc) else "", more,
                             exc_info=streak == 1)
            pause = min(max_backoff, interval * 2 ** min(streak, 16))
        else:
            if streak:
                logger.warning("Worker round succeeded again after %d failed rounds", streak)
                throttle.reset("round")
            streak = 0
            pause = interval
        if not loop or should_stop():
            return failures
        deadline = time.monotonic() + pause
        while time.monotonic() < deadline and not should_stop():
            sleep(min(0.1, max(0.0, deadline - time.monotonic())))
