"""Housekeeping: remove what is kept only for a while, in its own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from service import models as m
from service.db import Database, utcnow


def purge_launch_state(database: Database, now: datetime | None = None) -> int:
    """Remove expired launch state (it holds id_token bodies with names); returns how many rows went.

    Also part of ``digitoets retention purge`` (``service.jobs.retention``).
    """
    with database.begin() as session:
        return session.execute(delete(m.LtiLaunchState).where(m.LtiLaunchState.expires_at <= (now or utcnow()))).rowcount
