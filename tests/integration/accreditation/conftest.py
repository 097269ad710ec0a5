"""Accreditation fixtures: the starter registries and activities loaded, people and their ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from mappings.loader import STARTER_CONTENT
from mappings.model import ActivityKind
from service import models as m
from service.operations import points
from service.operations.content import load_content
from tests.support.web import content_bundle

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def registries(database, content, app):  # app: configures encryption for the numbers
    """The starter content's registries and accredited activities, on top of the test content."""
    bundle = replace(content_bundle(), registries=content_bundle(STARTER_CONTENT).registries)
    with database.begin() as session:
        load_content(session, bundle)
        return {r.code: r.id for r in session.scalars(select(m.AccreditationRegistry))}


@pytest.fixture
def activity_id(database, registries):
    def find(registry: str, code: str) -> int:
        with database.begin() as session:
            return session.scalar(select(m.AccreditedActivity.id).where(
                m.AccreditedActivity.registry_id == registries[registry], m.AccreditedActivity.code == code))
    return find


@pytest.fixture
def add_hours(database):
    """Factory: one ledger row for a person (coaching unless told), returns its id."""
    counter = iter(range(1, 10**6))

    def add(person_id, minutes, when=NOW, kind=ActivityKind.COACHING, source="coaching_session"):
        with database.begin() as session:
            person = session.get(m.Person, person_id)
            return points.add_hours(session, person.organisation_id, person_id, kind, minutes, when, source,
                                    f"test-{next(counter)}").id
    return add


def records(database, person_id=None):
    with database.begin() as session:
        query = select(m.AccreditationRecord).order_by(m.AccreditationRecord.id)
        if person_id is not None:
            query = query.where(m.AccreditationRecord.person_id == person_id)
        return [(r.activity.code, r.accreditation_registry.code, r.points, r.minutes, r.accreditation_id, r.is_reversal)
                for r in session.scalars(query)]


def sign_in(browser, person_id):
    """Sign in as the service's own sign-in does (person, signed-in and last-seen times)."""
    import time

    with browser.client.session_transaction() as session:
        session.clear()
        session["person_id"] = person_id
        session["signed_in_at"] = session["seen_at"] = int(time.time())
    return browser
