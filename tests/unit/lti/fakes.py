"""Fakes at the lti package's ports: in-memory registration and launch state stores."""

from __future__ import annotations

import threading
import time
from typing import Callable

from lti.registration import Registration

TOOL_HOST = "digitoets.test"
TOOL_LAUNCH = "https://digitoets.test/lti/launch"
_LOCK = threading.Lock()  # one lock for every backing dict: add_once stays atomic across "workers"


class InMemoryRegistrationStore:
    """``RegistrationStore`` over a list, like the service's query over ``lti_registrations``."""

    def __init__(self, *registrations: Registration):
        self.registrations = list(registrations)

    def find(self, issuer: str, client_id: str | None, deployment_id: str | None = None) -> Registration | None:
        found = [r for r in self.registrations if r.issuer == issuer
                 and (client_id is None or r.client_id == client_id)]
        if client_id is None and deployment_id:
            found = [r for r in found if deployment_id in r.deployment_ids] or found
        return min(found, key=lambda r: (not r.active, r.id), default=None)


class InMemoryLaunchStateStore:
    """``LaunchStateStore`` over a dict; several instances may share one dict (workers)."""

    def __init__(self, backing: dict | None = None, clock: Callable[[], float] = time.time):
        self.backing = {} if backing is None else backing
        self.clock = clock

    def get(self, key: str) -> str | None:
        with _LOCK:
            value, until = self.backing.get(key, (None, 0.0))
            return value if until > self.clock() else None

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        with _LOCK:
            self.backing[key] = (value, self.clock() + ttl_seconds)

    def delete(self, key: str) -> None:
        with _LOCK:
            self.backing.pop(key, None)

    def count_live(self, prefix: str) -> int:
        with _LOCK:
            now = self.clock()
            return sum(1 for key, (_, until) in self.backing.items() if key.startswith(prefix) and until > now)

    def add_once(self, key: str, ttl_seconds: int) -> bool:
        with _LOCK:
            _, until = self.backing.get(key, (None, 0.0))
            if until > self.clock():
                return False
            self.backing[key] = ("1", self.clock() + ttl_seconds)
            return True
