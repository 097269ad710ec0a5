"""Log a repeated failure once per interval, not once per request or per round.

During a database or LRS outage every request (or every worker round) fails the same way.
One line when it starts, then at most one line per interval saying how many more there were,
keeps the log readable and its volume flat, whatever the traffic.
"""

from __future__ import annotations

import threading
import time


class OncePerInterval:
    """``should_log(key)`` is true for the first failure of a kind and then once per ``interval`` seconds."""

    def __init__(self, interval: float = 60.0, clock=time.monotonic):
        self.interval, self.clock = interval, clock
        self._next: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}
        self._lock = threading.Lock()

    def should_log(self, key: str) -> tuple[bool, int]:
        """(log this one?, how many of this kind were not logged since the last line)."""
        now = self.clock()
        with self._lock:
            if now >= self._next.get(key, 0.0):
                self._next[key] = now + self.interval
                return True, self._suppressed.pop(key, 0)
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return False, 0

    def reset(self, key: str) -> None:
        """The failure is over: the next one is logged at once."""
        with self._lock:
            self._next.pop(key, None)
            self._suppressed.pop(key, None)
