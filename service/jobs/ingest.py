"""Read learning from other tools back from each organisation's LRS, one transaction per page.

What a page adds is decided by ``service.operations.ingest.record``; this job pages through
the LRS from the organisation's cursor, less an overlap window, and moves the cursor after each
committed page. The window is re-read on every run because an LRS's ``stored`` order is not its
visibility order: a statement stored just before the cursor can appear after a run read past
it. Statements read again are skipped by their id (the ledger's key).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from service import models as m
from service.db import Database, utcnow
from service.operations.ingest import IngestReport, record
from xapi.client import LRSClient
from xapi.vocabulary import Vocabulary

logger = logging.getLogger(__name__)

PAGE = 200
#: how far before the cursor every run reads again, for statements the LRS showed late
OVERLAP = timedelta(minutes=10)


def ingest(database: Database, organisation_id: int, client: LRSClient, base_url: str) -> IngestReport:
    """Read the organisation's LRS from its cursor onwards; commits after every page."""
    vocabulary = Vocabulary(base_url)
    report = IngestReport()
    with database.begin() as session:
        cursor = session.get(m.IngestCursor, organisation_id)
        since = cursor.since - OVERLAP if cursor and cursor.since else None
    page: list[dict] = []
    for statement in client.fetch_statements(since=since, params={"ascending": "true", "limit": str(PAGE)}):
        page.append(statement)
        if len(page) == PAGE:
            _commit_page(database, organisation_id, page, vocabulary, report)
            page = []
    if page:
        _commit_page(database, organisation_id, page, vocabulary, report)
    logger.info("Ingest for organisation %s: read %d, added %d", organisation_id, report.read, report.added)
    return report


def _commit_page(database: Database, organisation_id: int, page: list[dict], vocabulary: Vocabulary,
                 report: IngestReport) -> None:
    with database.begin() as session:
        latest = record(session, organisation_id, page, vocabulary, report)
        cursor = session.get(m.IngestCursor, organisation_id)
        if cursor is None:
            cursor = m.IngestCursor(organisation_id=organisation_id)
            session.add(cursor)
        if latest is not None and (cursor.since is None or latest > cursor.since):
            cursor.since = latest
        cursor.updated_at = utcnow()
