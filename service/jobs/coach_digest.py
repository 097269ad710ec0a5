"""The coaches' daily digest: each organisation in its own transaction, so one failing does not stop the rest."""

from __future__ import annotations

import logging
from datetime import datetime

from service import models as m
from service.db import Database
from service.operations import help_request_mail
from service.operations.organisations import all_organisations

logger = logging.getLogger(__name__)


def run(database: Database, now: datetime) -> int:
    """Queue today's digest mails (run once a day; a second run the same day adds nothing). Returns how many."""
    day = help_request_mail.digest_day(now)
    with database.begin() as session:
        organisation_ids = [org.id for org in all_organisations(session)]
    queued = 0
    for organisation_id in organisation_ids:
        with database.begin() as session:
            organisation = session.get(m.Organisation, organisation_id)
            count = help_request_mail.queue_digest(session, organisation, day, now)
        if count:
            logger.info("Queued %d digest mail(s) for organisation %s", count, organisation_id)
        queued += count
    return queued
