"""Background accreditation exports with several makers on one database (issue 14), SQLite and PostgreSQL.

Real commits from several connections (``database`` is ``committed_database`` here): each
maker below is a thread with its own connection, as each worker is a process with its own.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import func, select

from service import models as m
from service.jobs import accreditation_exports as exports_job
from service.jobs import points as points_job
from service.operations import accreditation_admin, registration_numbers
from service.operations.people import grant_role
from service.pe_online import documents
from tests.integration.accreditation.conftest import NOW, sign_in

BASE = "https://digitoets.example"
LEASE = timedelta(seconds=exports_job.LEASE_SECONDS)


@pytest.fixture
def database(committed_database):
    """Real commits: the makers are separate connections, like separate workers."""
    return committed_database


@pytest.fixture
def team(database, make_person, registries, add_hours):
    """Anna (a BIG number, 3 hours of coaching: one record and one certificate), an admin, and zorg-b's admin."""
    anna, admin, other = make_person("anna"), make_person("admin"), make_person("other-admin", org_slug="zorg-b")
    with database.begin() as session:
        person = session.get(m.Person, anna)
        person.name = "Anna de Vries"
        registration_numbers.save_number(session, person, registries["knmg-gaia"], "12345678901", True, NOW)
        for pid in (admin, other):
            grant_role(session, session.get(m.Person, pid), m.ToolRole.ACCREDITATION, granted_by="test")
        org = person.organisation_id
    add_hours(anna, 180)
    points_job.run(database, [org], clock=lambda: NOW)
    return {"anna": anna, "admin": admin, "other": other, "org": org}


def queue_xml(database, team, registries) -> tuple[int, str]:
    with database.begin() as session:
        row = accreditation_admin.queue_export(
            session, session.get(m.Organisation, team["org"]), session.get(m.Person, team["admin"]), "xml",
            {"registry_id": registries["knmg-gaia"], "from": None, "to": None}, 1, datetime.now(UTC))
        return row.id, f"/accreditatie/exports/{row.uuid}"


def export_row(database, export_id) -> m.AccreditationExport:
    with database.begin() as session:
        row = session.get(m.AccreditationExport, export_id)
        session.expunge(row)
        return row


def xml_audits(database) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(m.AuditEvent).where(
            m.AuditEvent.action == "accreditation.export"))


def test_two_makers_at_once_make_an_export_exactly_once(database, team, registries, settings):
    export_id, _url = queue_xml(database, team, registries)
    directory = exports_job.exports_dir(settings.instance_path)
    together = threading.Barrier(2)
    results: dict[str, bool] = {}

    def maker(name):
        together.wait()
        results[name] = exports_job.run(database, export_id, BASE, directory, clock=lambda: NOW, holder=name)

    threads = [threading.Thread(target=maker, args=(name,)) for name in ("worker-a", "worker-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results.values()) == [False, True]
    [winner] = [name for name, made in results.items() if made]
    row = export_row(database, export_id)
    assert (row.status, row.claims, row.claimed_by, row.done) == (m.ExportStatus.DONE, 1, winner, 1)
    assert [p.name for p in directory.iterdir()] == [f"{row.uuid}.bin"]  # no second file, no half-made one
    assert xml_audits(database) == 1


def test_a_maker_that_stopped_is_replaced_after_its_lease_and_cannot_finish_later(
        database, team, registries, settings, browser):
    """A maker frozen halfway (its first page committed) stands for one that died: a SIGKILL at a chosen
    page cannot be caused from a test, and a frozen maker leaves the same row and half-made file. Releasing
    it afterwards also shows what happens when a maker that was only paused comes back."""
    export_id, url = queue_xml(database, team, registries)
    directory = exports_job.exports_dir(settings.instance_path)
    started = datetime.now(UTC) - LEASE - timedelta(minutes=1)  # it claimed six minutes ago
    halfway, resume = threading.Event(), threading.Event()
    calls = iter(range(100))

    def frozen_after_one_page() -> bool:
        if next(calls) == 1:
            halfway.set()
            resume.wait()
        return False

    outcome = {}
    job = exports_job.claim(database, export_id, started, "dead-maker")
    dead = threading.Thread(target=lambda: outcome.setdefault("dead", exports_job.make(
        database, job, "dead-maker", BASE, directory, clock=lambda: started, should_stop=frozen_after_one_page)))
    dead.start()
    assert halfway.wait(60)
    assert export_row(database, export_id).done == 1 and len(list(directory.iterdir())) == 1  # its own file

    # the lease ran out: the page says it waits to be made (and keeps refreshing), never that it failed
    page = sign_in(browser, team["admin"]).get(url)
    text = page.get_data(as_text=True)
    assert "De XML voor PE-online staat klaar om gemaakt te worden." in text and page.headers["Refresh"] == "3"
    assert "mislukt" not in text
    # within the lease nobody else takes it; after it, the next worker takes it and starts from the beginning
    assert not exports_job.run(database, export_id, BASE, directory, clock=lambda: started + LEASE / 2,
                               holder="too-early")
    now = datetime.now(UTC)
    assert exports_job.due_ids(database, now) == [export_id]
    job_b = exports_job.claim(database, export_id, now, "worker-b")
    assert job_b is not None and export_row(database, export_id).done == 0

    resume.set()  # the old maker comes back (it was only paused): it finds the export taken and changes nothing
    dead.join(60)
    assert outcome["dead"] is False
    row = export_row(database, export_id)
    assert (row.status, row.done, row.claims, row.claimed_by) == (m.ExportStatus.RUNNING, 0, 2, "worker-b")
    assert list(directory.iterdir()) == [] and xml_audits(database) == 0  # its half-made file is gone

    assert exports_job.make(database, job_b, "worker-b", BASE, directory, clock=lambda: now)
    row = export_row(database, export_id)
    assert (row.status, row.done, row.claimed_by) == (m.ExportStatus.DONE, 1, "worker-b")
    assert [p.name for p in directory.iterdir()] == [f"{row.uuid}.bin"]
    made = exports_job.export_file(directory, row.uuid).read_bytes()
    documents.validate(made)
    assert [a.findtext("externalPersonID") for a in etree.fromstring(made).iter("Attendance")] == ["12345678901"]
    assert xml_audits(database) == 1
    done = sign_in(browser, team["admin"]).get(url).get_data(as_text=True)
    assert "De XML voor PE-online is klaar: 1 van 1." in done


def test_a_stopping_worker_hands_its_export_back_at_once(database, team, registries, settings):
    export_id, _url = queue_xml(database, team, registries)
    directory = exports_job.exports_dir(settings.instance_path)
    assert not exports_job.run(database, export_id, BASE, directory, clock=lambda: NOW, should_stop=lambda: True)
    row = export_row(database, export_id)
    assert (row.status, row.claims, row.claimed_by, row.leased_until) == (m.ExportStatus.WAITING, 0, None, None)
    assert list(directory.iterdir()) == []
    assert exports_job.run(database, export_id, BASE, directory, clock=lambda: NOW)  # no lease to wait for


def test_an_export_whose_makers_keep_stopping_is_given_up(database, team, registries, settings, browser):
    export_id, url = queue_xml(database, team, registries)
    directory = exports_job.exports_dir(settings.instance_path)
    at = NOW
    for number in range(exports_job.MAX_CLAIMS):
        assert exports_job.claim(database, export_id, at, f"dies-{number}") is not None
        at += LEASE + timedelta(seconds=1)
    assert not exports_job.run(database, export_id, BASE, directory, clock=lambda: at)
    row = export_row(database, export_id)
    assert (row.status, row.error, row.claims) == (m.ExportStatus.FAILED, "MakersStopped", exports_job.MAX_CLAIMS)
    page = sign_in(browser, team["admin"]).get(url)
    assert "De export is mislukt." in page.get_data(as_text=True) and "Refresh" not in page.headers


def test_one_worker_round_makes_an_export_queued_by_a_web_request_for_its_organisation_only(
        database, team, activity_id, browser, runner, settings):
    activity = activity_id("knmg-gaia", "digicoaching")
    sign_in(browser, team["admin"]).get("/accreditatie")
    response = browser.post(f"/accreditatie/certificaten/{activity}")
    assert response.status_code == 303
    url = response.headers["Location"]
    waiting = browser.get(url)  # the web process only queued it
    assert "De certificaten staan klaar om gemaakt te worden." in waiting.get_data(as_text=True)

    result = runner.invoke(args=["xapi", "forward"])  # one round of the worker (without --loop)
    assert result.exit_code == 0, result.output
    assert "accreditation exports made 1" in result.output
    page = browser.get(url)
    text = page.get_data(as_text=True)
    assert "De certificaten zijn klaar: 1 van 1." in text and "Refresh" not in page.headers
    [link] = re.findall(r'href="([^"]+/bestand)"', text)
    with zipfile.ZipFile(io.BytesIO(browser.client.get(link).data)) as archive:
        [name] = archive.namelist()
        assert "Anna de Vries" in PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
    # another organisation's administrator: no progress page, no file, not in the list
    assert sign_in(browser, team["other"]).get(url).status_code == 404
    assert browser.client.get(link).status_code == 404
    assert url not in browser.get("/accreditatie").get_data(as_text=True)
    assert sign_in(browser, team["anna"]).get(link).status_code == 403
    again = runner.invoke(args=["xapi", "forward"])
    assert "accreditation exports made 0" in again.output


def test_the_looping_worker_makes_exports_beside_its_rounds(database, team, registries, settings):
    export_id, _url = queue_xml(database, team, registries)
    directory = settings.instance_path / "exports"  # made with the first export
    step = exports_job.WorkerStep(database, BASE, directory, background=True)
    step()
    step.close(timeout=120)
    assert step.made == 1 and export_row(database, export_id).status is m.ExportStatus.DONE
    first = step.thread
    step()  # nothing due: no thread is started
    assert step.thread is first and not first.is_alive()
    assert directory.stat().st_mode & 0o077 == 0  # only the service's own user reads the folder
