"""Fixtures for the employee flow: content loaded, people to sign in as, CSRF-aware posting.

Registered for every test through ``pytest_plugins`` in tests/conftest.py.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mappings.loader import load_folder
from service import models as m
from service.operations.content import load_content
from service.operations.people import assign_function, find_or_create_person, get_profile
from tests.conftest import FIXTURE_CONTENT

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


@functools.cache
def content_bundle(folder: Path = FIXTURE_CONTENT):
    """A content folder read once per test process: the files do not change while the suite runs,
    and the bundle is frozen dataclasses, so tests share it. Reading it took about 0.1 s per test."""
    return load_folder(folder)


@pytest.fixture
def content(database):
    with database.begin() as session:
        load_content(session, content_bundle())


@pytest.fixture
def make_person(database, content):
    """Factory: a person in an organisation (created on first use), optionally with a function."""

    def make(subject="emp-1", function="verzorgende-ig", org_slug="zorg-a", **org_settings):
        now = datetime.now(UTC)
        with database.begin() as session:
            org = session.query(m.Organisation).filter_by(slug=org_slug).one_or_none()
            if org is None:
                org = m.Organisation(slug=org_slug, name=f"Organisatie {org_slug}", **org_settings)
                session.add(org)
                session.flush()
            person = find_or_create_person(session, org, "https://lms.example", subject, now)
            if function:
                assign_function(session, person, get_profile(session, function), m.AssignmentSource.LTI, now)
            return person.id

    return make


class Browser:
    """The Flask test client plus the CSRF token of the last page, like a person's browser."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url, **kwargs):
        response = self.client.get(url, **kwargs)
        found = TOKEN.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, url, data=None, **kwargs):
        if self.token is None:
            self.get("/mijn-overzicht")
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def post_json(self, url, body):
        if self.token is None:
            self.get("/mijn-overzicht")
        return self.client.post(url, json=body, headers={"X-CSRFToken": self.token, "Accept": "application/json"})

    def sign_in(self, person_id):
        with self.client.session_transaction() as session:
            session["person_id"] = person_id
        return self


@pytest.fixture
def browser(client):
    return Browser(client)
