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
#: the shortest pause after a round, in seconds, however often ``wake`` calls: under steady load
#: the worker runs at most a round a second (and an LRS that is down is tried no more often)
MIN_PAUSE = 1.0


def run_rounds(one_round: Callable[[], None], *, loop: bool, interval: float, should_stop: Callable[[], bool],
               max_backoff: float = MAX_BACKOFF, sleep: Callable[[float], None] = time.sleep,
               log_every: float = 60.0, wake: Callable[[float], bool] | None = None,
               min_pause: float = MIN_PAUSE) -> int:
    """Run ``one_round`` once, or until ``should_stop`` with ``loop``; returns the number of failed rounds.

    Without ``loop`` a failure is raised (a one-off command should fail loudly). ``wake(seconds)``
    waits up to that long and says whether new work was announced (a ``service.db.Listener``):
    then the pause after a successful round ends early, though never before ``min_pause``.
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
        began = time.monotonic()
        deadline, earliest = began + pause, began + min(min_pause, pause)
        while (moment := time.monotonic()) < deadline and not should_stop():
            step = min(0.1, deadline - moment)  # a stop is seen within 0.1 s
            if wake is None or streak:  # after a failed round the backoff holds
                sleep(step)
            elif moment < earliest:
                sleep(min(step, earliest - moment))
            elif wake(step):
                break
