"""Remind coaches of help requests past the pick-up target: each organisation in its own transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from service import models as m
from service.db import Database
from service.operations import coach_mail
from service.operations.organisations import all_organisations

logger = logging.getLogger(__name__)


def run(database: Database, now: datetime) -> int:
    """Queue one reminder per late request to the coaches of its scope (never twice). Returns how many requests."""
    with database.begin() as session:
        organisation_ids = [org.id for org in all_organisations(session)]
    reminded = 0
    for organisation_id in organisation_ids:
        with database.begin() as session:
            count = coach_mail.remind_overdue(session, session.get(m.Organisation, organisation_id), now)
        if count:
            logger.info("Reminded coaches of %d late help request(s) in organisation %s", count, organisation_id)
        reminded += count
    return reminded
