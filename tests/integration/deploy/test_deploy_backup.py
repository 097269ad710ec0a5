"""Backup and restore as deploy/README.md describes it: `pg_dump --format=custom` of the database plus
the instance's LTI key folder and encryption key; restored with `pg_restore` into a fresh database and
a fresh folder, the service starts on it (/readyz ready), signs with the same key, and an employee
sees the result of the attempt they finished before the backup.
"""

from __future__ import annotations

import shutil
import subprocess  # nosec B404
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from mappings.loader import load_folder
from service import EXTENSION, create_app
from service import models as m
from service.operations.content import load_content
from service.operations.people import assign_function, find_or_create_person, get_profile
from tests.conftest import FIXTURE_CONTENT
from tests.integration.web.test_attempt_flow import answer_all, start
from tests.support.web import Browser

pytestmark = pytest.mark.postgres


def libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore read it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is missing (Debian's postgresql-client, as on the server)"
    return found


@pytest.fixture
def fresh_database(database_url):
    """A new, empty database on the same server: where the backup is restored."""
    name = f"digitoets_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fill_through_the_app(settings, committed_database) -> tuple[int, str, dict]:
    """An organisation with an employee who finished a digi-toets; returns (person, attempt, key set)."""
    with committed_database.begin() as session:
        load_content(session, load_folder(FIXTURE_CONTENT))
        org = m.Organisation(slug="zorg-backup", name="Zorggroep Backup")
        session.add(org)
        session.flush()
        person = find_or_create_person(session, org, "https://lms.example", "emp-backup", datetime.now(UTC))
        assign_function(session, person, get_profile(session, "verzorgende-ig"), m.AssignmentSource.LTI,
                        datetime.now(UTC))
        person_id = person.id
    app = create_app(settings, database=committed_database)
    browser = Browser(app.test_client()).sign_in(person_id)
    registration = start(browser)
    answer_all(browser, registration)
    assert browser.post(f"/poging/{registration}/inleveren").status_code == 302
    return person_id, registration, app.test_client().get("/lti/jwks").get_json()


def test_a_pg_dump_restored_into_a_fresh_database_serves_the_finished_attempt(
        settings, committed_database, fresh_database, tmp_path):
    person_id, registration, jwks = fill_through_the_app(settings, committed_database)

    # the backup: the database, and the instance folder's keys (LTI signing keys, encryption key)
    dump = tmp_path / "digitoets.dump"
    subprocess.run([tool("pg_dump"), "--format=custom", "--file", str(dump), libpq(settings.database_url)],  # nosec B603
                   check=True, timeout=300)
    keys = tmp_path / "backup-keys"
    shutil.copytree(settings.resolved_lti_key_path, keys / "lti-keys")
    shutil.copy2(settings.instance_path / "encryption_key", keys / "encryption_key")

    # the restore, on "another server": a fresh database and a fresh instance folder
    restored = subprocess.run([tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",  # nosec B603
                               "--dbname", libpq(fresh_database), str(dump)],
                              capture_output=True, text=True, check=False, timeout=300)
    assert restored.returncode == 0, restored.stderr
    instance = tmp_path / "restored-instance"
    instance.mkdir()
    shutil.copytree(keys / "lti-keys", instance / "lti-keys")
    shutil.copy2(keys / "encryption_key", instance / "encryption_key")
    app = create_app(replace(settings, database_url=fresh_database, instance_path=instance))
    try:
        client = app.test_client()
        assert client.get("/readyz").get_json() == {"status": "ready"}
        assert client.get("/lti/jwks").get_json() == jwks  # the LMSs keep trusting the same key
        browser = Browser(client).sign_in(person_id)
        page = browser.get(f"/poging/{registration}/resultaat").get_data(as_text=True)
        assert "Je resultaat: Rapporteren in het ECD" in page
        assert "Op niveau" in page
        with app.extensions[EXTENSION].begin() as session:
            organisation = session.scalar(select(m.Organisation).where(m.Organisation.slug == "zorg-backup"))
            attempts = session.scalar(select(func.count()).select_from(m.Attempt)
                                      .where(m.Attempt.person_id == person_id, m.Attempt.scored_at.is_not(None)))
        assert organisation.name == "Zorggroep Backup" and attempts == 1
    finally:
        app.extensions[EXTENSION].engine.dispose()  # before the fixture drops the restored database
