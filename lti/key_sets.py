"""Platform key sets (JWKS): kept in this process's memory and in the ``LaunchStateStore``.

A launch needs the platform's public keys. Fetching them over HTTP on every launch is slow and
hammers the LMS, so a key set is kept:

* in the ``LaunchStateStore`` (for the service: the database) for ``ttl`` seconds, shared by
  every worker;
* in this process's memory for at most ``memory_ttl`` seconds, so a launch usually reads nothing.

On a miss the key set is fetched at most once per URL per ``ttl`` across workers: a store with an
``exclusive(key)`` context manager (the service's request store: an advisory lock on PostgreSQL,
SQLite's write lock) is read again under that lock before anything is fetched.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from contextlib import nullcontext
from typing import Any, Callable

from lti.registration import LaunchStateStore

KEY_SET_TTL = 3600
#: seconds a worker trusts its own memory before it reads the store again
MEMORY_TTL = 300
KeySet = dict[str, Any]


def cache_key(url: str) -> str:
    """The store key of the key set at ``url`` (pylti1p3's own naming)."""
    return "lti1p3-key-set-url-" + hashlib.md5(url.encode("utf-8"), usedforsecurity=False).hexdigest()


def _loads(raw: str | None) -> KeySet | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) and isinstance(value.get("keys"), list) else None


class KeySetCache:
    """Key sets by URL; one per process (``LtiTool``), thread-safe."""

    def __init__(self, ttl: int = KEY_SET_TTL, memory_ttl: float = MEMORY_TTL,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.memory_ttl = min(memory_ttl, ttl)
        self.clock = clock
        self._memory: dict[str, tuple[KeySet, float]] = {}
        self._lock = threading.Lock()

    def get(self, store: LaunchStateStore, url: str, download: Callable[[str], KeySet]) -> KeySet:
        """The key set at ``url``: from memory, else from the store, else downloaded (once)."""
        with self._lock:
            hit = self._memory.get(url)
        if hit is not None and hit[1] > self.clock():
            return hit[0]
        key = cache_key(url)
        value = _loads(store.get(key))
        if value is None:
            exclusive = getattr(store, "exclusive", None)
            with exclusive(key) if exclusive is not None else nullcontext():
                value = _loads(store.get(key))  # another worker may have fetched it meanwhile
                if value is None:
                    value = download(url)
                    store.set(key, json.dumps(value), self.ttl)
        self._remember(url, value)
        return value

    def reload(self, store: LaunchStateStore, url: str) -> KeySet | None:
        """The key set in the store, skipping this process's memory (another worker may have refetched)."""
        with self._lock:
            self._memory.pop(url, None)
        value = _loads(store.get(cache_key(url)))
        if value is not None:
            self._remember(url, value)
        return value

    def refresh(self, store: LaunchStateStore, url: str, download: Callable[[str], KeySet]) -> KeySet:
        """Download the key set again (the platform rotated its keys) and keep it."""
        value = download(url)
        store.set(cache_key(url), json.dumps(value), self.ttl)
        self._remember(url, value)
        return value

    def _remember(self, url: str, value: KeySet) -> None:
        if self.memory_ttl > 0:
            with self._lock:
                self._memory[url] = (value, self.clock() + self.memory_ttl)
