"""The worker's share of the HR dashboard: keep each organisation's stored figures fresh.

``digitoets xapi forward --loop`` calls a :class:`RefreshStep` each round. Every organisation is
looked at most once per ``CHECK_EVERY``; its figures are computed again
(:func:`service.operations.hr_dashboard_cache.refresh`) when
:func:`~service.operations.hr_dashboard_cache.due` says so: nothing stored yet, a new day,
something changed and the figures are older than the interval (``DIGITOETS_HR_FIGURES_MINUTES``,
default 10), or they are older than half an hour. In a loop the computing runs in one thread
beside the rounds (it takes seconds for a large organisation), so statements, scores and mails
keep flowing; in a one-off run within the round.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from service import models as m
from service.db import Database, utcnow
from service.operations import hr_dashboard_cache as cache

logger = logging.getLogger(__name__)

#: an organisation is looked at (a few counts) at most this often
CHECK_EVERY = timedelta(minutes=1)


def refresh_if_due(database: Database, organisation_id: int, now: datetime, every: timedelta) -> bool:
    """Refresh one organisation's stored figures when due (one transaction); True when it did."""
    with database.begin() as session:
        organisation = session.get(m.Organisation, organisation_id)
        if organisation is None or not cache.claim(session, organisation) \
                or not cache.due(session, organisation, now, every):
            return False  # gone, another worker is computing it, or its figures are fresh
        cache.refresh(session, organisation, now)
    return True


class RefreshStep:
    """Called once per worker round; refreshes the organisations whose figures are due."""

    def __init__(self, database: Database, *, every_minutes: int, background: bool,
                 should_stop: Callable[[], bool] = lambda: False, clock: Callable[[], datetime] = utcnow):
        self.database, self.every = database, timedelta(minutes=every_minutes)
        self.background, self.should_stop, self.clock = background, should_stop, clock
        self.checked: dict[int, datetime] = {}
        self.thread: threading.Thread | None = None
        self.refreshed = 0

    def __call__(self) -> None:
        if not self.background:
            self._run()
        elif self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._in_thread, name="hr-figures", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        now = self.clock()
        waiting = [i for i in self._organisations() if i not in self.checked or now - self.checked[i] >= CHECK_EVERY]
        for organisation_id in waiting:
            if self.should_stop():
                return
            self.checked[organisation_id] = now
            if refresh_if_due(self.database, organisation_id, self.clock(), self.every):
                self.refreshed += 1

    def _organisations(self) -> list[int]:
        with self.database.begin() as session:
            return list(session.scalars(select(m.Organisation.id).order_by(m.Organisation.id)))

    def _in_thread(self) -> None:
        try:
            self._run()
        except Exception:  # noqa: BLE001 - the database went away: the next round tries again
            logger.exception("HR dashboard figures could not be refreshed this round")

    def close(self, timeout: float | None = 20.0) -> None:
        """Wait for a refresh being computed."""
        if self.thread is not None:
            self.thread.join(timeout)
