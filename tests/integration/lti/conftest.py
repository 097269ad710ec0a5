"""The tool (a Flask app on SQLite or PostgreSQL) and a test LMS that signs real id_tokens.

Every launch goes through the real exchange: the LMS's login initiation is posted to
``/lti/login``, the tool redirects to the LMS's ``/auth`` (over HTTP), the LMS signs the
id_token, and it is posted to ``/lti/launch``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from service import models as m
from service.config import Settings
from service.operations import registration_links, registrations
from tests.conftest import FIXTURE_CONTENT
from tests.support.platform import TestPlatform

TOOL = "http://localhost"
LAUNCH_URL = f"{TOOL}/lti/launch"


@pytest.fixture
def settings(tmp_path, database_url):
    return Settings(
        env="testing", instance_path=tmp_path / "instance", database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789", content_path=FIXTURE_CONTENT,
        base_url=TOOL,
    )


@pytest.fixture
def tool(app):
    return app.extensions["digitoets.lti"]


@pytest.fixture
def lms(tool):
    with TestPlatform(tool_key_set=tool.keys.jwks, tool_launch_url=LAUNCH_URL) as platform:
        yield platform


def register(database, lms: TestPlatform, slug: str = "zorg-a", **org_settings) -> int:
    """The organisation and its registration of ``lms``; returns the organisation id."""
    with database.begin() as session:
        org = session.query(m.Organisation).filter_by(slug=slug).one_or_none()
        if org is None:
            org = m.Organisation(slug=slug, name=f"Zorg {slug}", **org_settings)
            session.add(org)
            session.flush()
        registrations.register_platform(
            session, org, issuer=lms.issuer, client_id=lms.client_id, auth_login_url=lms.auth_url,
            auth_token_url=lms.token_url, key_set_url=lms.jwks_url, deployment_ids=[lms.deployment_id],
        )
        return org.id


def registration_link(database, slug: str) -> dict[str, str]:
    """The query of the organisation's registration link (an admin makes one on /beheer/lti)."""
    with database.begin() as session:
        organisation = session.query(m.Organisation).filter_by(slug=slug).one()
        return {"org": slug, "link": registration_links.create_link(session, organisation, None, now())}


@pytest.fixture
def registered(database, content, lms):
    return register(database, lms)


@dataclass
class Launch:
    login: object
    form: dict
    response: object


def launch(client, lms: TestPlatform, tamper=None, **initiation) -> Launch:
    """Run the whole LTI 1.3 launch; returns the responses along the way."""
    params = lms.login_initiation(LAUNCH_URL, **initiation)
    login = client.post("/lti/login", data=params)
    assert login.status_code == 302, login.get_data(as_text=True)
    form = lms.authorize(login.location, tamper=tamper)
    return Launch(login, form, client.post("/lti/launch", data=form))


def follow(client, response):
    """Follow redirects inside the tool (the /lti/check step included)."""
    while response.status_code in (301, 302, 303):
        response = client.get(response.location)
    return response


def now():
    return datetime.now(UTC)
