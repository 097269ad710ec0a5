"""The content domain is kept in memory per process and follows `digitoets content load` (issue 13).

A running app reads the published content once; a content load in another process (the CLI
as a deploy runs it, a real subprocess here) adds a content release, and the app's next request
sees the new content without a restart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime

from mappings.loader import load_folder
from service import create_app
from service import models as m
from service.operations import domain
from service.operations.content import load_content
from service.operations.people import assign_function, find_or_create_person, get_profile
from tests.conftest import FIXTURE_CONTENT
from tests.support.sql_counter import count_sql
from tests.support.web import Browser

OLD, NEW = "Rapporteren in het ECD", "Rapporteren in het cliëntdossier"


def _employee(database) -> int:
    with database.begin() as session:
        load_content(session, load_folder(FIXTURE_CONTENT))
        org = m.Organisation(slug="zorg-mem", name="Zorg")
        session.add(org)
        session.flush()
        now = datetime.now(UTC)
        person = find_or_create_person(session, org, "https://lms.example", "emp-mem", now)
        assign_function(session, person, get_profile(session, "verzorgende-ig"), m.AssignmentSource.LTI, now)
        return person.id


def test_a_running_app_sees_content_loaded_by_another_process(committed_database, database_url, settings, tmp_path):
    person_id = _employee(committed_database)
    app = create_app(settings, database=committed_database)
    browser = Browser(app.test_client()).sign_in(person_id)
    assert OLD in browser.get("/mijn-overzicht").get_data(as_text=True)  # read into memory
    with count_sql(committed_database) as sql:
        assert OLD in browser.get("/mijn-overzicht").get_data(as_text=True)
    assert sql.touching("skills") == 0, sql.report()  # served from memory, not re-read

    folder = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, folder)
    catalogue = folder / "catalogue.yaml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    env = {**os.environ, "DIGITOETS_DATABASE_URL": database_url, "DIGITOETS_ENV": "testing",
           "DIGITOETS_CONTENT_PATH": str(FIXTURE_CONTENT), "DIGITOETS_INSTANCE_PATH": str(tmp_path / "instance"),
           "DIGITOETS_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789"}
    loaded = subprocess.run([sys.executable, "-m", "flask", "--app", "service:create_app", "content", "load",
                             str(folder)], env=env, capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    assert "updated skill" in loaded.stdout

    page = browser.get("/mijn-overzicht").get_data(as_text=True)
    assert NEW in page  # (the old words stay in the test title "Rapporteren in het ECD", which did not change)
    second = Browser(create_app(settings, database=committed_database).test_client()).sign_in(person_id)
    assert NEW in second.get("/mijn-overzicht").get_data(as_text=True)


def test_the_copy_is_read_again_only_for_a_new_release(database):
    with database.begin() as session:
        load_content(session, load_folder(FIXTURE_CONTENT))
    with database.begin() as session:
        first = domain.content(session)
    with database.begin() as session:
        assert domain.content(session) is first  # no release in between: the same copy
    with database.begin() as session:
        session.add(m.ContentRelease(content_hash="x" * 64, summary={}))
    with database.begin() as session:
        assert domain.content(session) is not first
