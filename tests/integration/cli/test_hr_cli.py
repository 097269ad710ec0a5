"""`digitoets hr import FILE --org SLUG [--dry-run]`: the same report as the web, nothing stored on a bad file."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from service import models as m
from mappings.loader import load_folder
from service.operations.content import load_content
from tests.conftest import FIXTURE_CONTENT

HEADER = "Personeelsnummer;Voornaam;Achternaam;Functiecode;Afdeling;In dienst\n"


@pytest.fixture
def org(database, content):
    with database.begin() as session:
        session.add(m.Organisation(slug="zorg", name="Zorg"))


def hr_file(tmp_path, text: str, name="hr.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("cp1252"))
    return str(path)


def count(database, model) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_dry_run_reports_and_stores_nothing(runner, database, org, tmp_path):
    path = hr_file(tmp_path, HEADER + "1001;Zoë;Bakker;VIG;Noord;01-02-2020\n1002;Bram;Smit;HELP;Zuid;1-3-21\n")
    result = runner.invoke(args=["hr", "import", path, "--org", "zorg", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2 rows read" in result.output and "add: 2" in result.output and "unmatched (no LMS person yet): 2" in result.output
    assert "Personeelsnummer: Personeelsnummer" in result.output  # the suggested mapping is shown
    assert "Dry run: nothing stored." in result.output
    assert count(database, m.HrRecord) == 0 and count(database, m.HrColumnMapping) == 0


def test_import_stores_remembers_the_mapping_and_twice_changes_nothing(runner, database, org, tmp_path):
    path = hr_file(tmp_path, HEADER + "1001;Zoë;Bakker;VIG;Noord;01-02-2020\n")
    first = runner.invoke(args=["hr", "import", path, "--org", "zorg"])
    assert first.exit_code == 0, first.output
    assert "add: 1" in first.output and "Stored as import" in first.output
    second = runner.invoke(args=["hr", "import", path, "--org", "zorg"])
    assert "add: 0  change: 0  end: 0  unchanged: 1" in second.output
    assert "Columns mapped from their names" not in second.output  # remembered now
    assert count(database, m.HrRecord) == 1
    with database.begin() as session:
        run = session.scalars(select(m.HrImportRun).order_by(m.HrImportRun.id)).first()
        assert (run.via, run.actor_id, run.file_name) == ("cli", None, "hr.csv")


def test_a_broken_file_names_rows_and_columns_and_exits_nonzero(runner, database, org, tmp_path):
    path = hr_file(tmp_path, HEADER + "1001;Zoë;Bakker;XYZ;Noord;32-01-2020\n1002;=2+3;Smit;HELP;Zuid;\n")
    result = runner.invoke(args=["hr", "import", path, "--org", "zorg"])
    assert result.exit_code == 1
    assert "REFUSED, nothing stored" in result.output
    assert "Rij 3, kolom Voornaam: er staat een formule in (=2+3)" in result.output
    assert count(database, m.HrRecord) == 0 and count(database, m.HrImportRun) == 0


def test_binary_junk_is_refused(runner, database, org, tmp_path):
    path = tmp_path / "hr.xlsx"
    path.write_bytes(os.urandom(10_000))
    result = runner.invoke(args=["hr", "import", str(path), "--org", "zorg"])
    assert result.exit_code == 1 and "REFUSED" in result.output


def test_progress_shows_on_a_terminal_only(committed_database, database_url, tmp_path):
    with committed_database.begin() as session:
        load_content(session, load_folder(FIXTURE_CONTENT))
        session.add(m.Organisation(slug="groot", name="Groot"))
    path = hr_file(tmp_path, HEADER + "".join(f"{n};A;B;VIG;Noord;01-02-2020\n" for n in range(1, 2501)))
    env = {**os.environ, "DIGITOETS_DATABASE_URL": database_url, "DIGITOETS_ENV": "testing",
           "DIGITOETS_CONTENT_PATH": str(FIXTURE_CONTENT), "DIGITOETS_INSTANCE_PATH": str(tmp_path / "instance"),
           "DIGITOETS_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789"}
    command = [sys.executable, "-m", "flask", "--app", "service:create_app", "hr", "import", path, "--org", "groot",
               "--dry-run"]
    piped = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0, piped.stderr
    assert "Rows read" not in piped.stdout and "2500 rows read" in piped.stdout
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, env=env, stdout=follower, stderr=subprocess.DEVNULL)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(timeout=300) == 0
    text = output.decode()
    assert "Rows read: 1000 of 2502" in text and "Rows read: 2501 of 2501" in text


def test_twenty_megabytes_of_junk_is_refused_by_its_real_size(runner, database, org, tmp_path):
    path = tmp_path / "hr.csv"
    path.write_bytes((b"lorem;ipsum;" * 2_000_000)[:20 * 1024 * 1024])
    result = runner.invoke(args=["hr", "import", str(path), "--org", "zorg"])
    assert result.exit_code == 1
    assert "REFUSED, nothing stored: Het bestand is te groot: 20.0 MB. Er past 15 MB in." in result.output
    assert count(database, m.HrRecord) == 0


def test_many_leavers_need_allow_many_leavers(runner, database, org, tmp_path):
    everyone = hr_file(tmp_path, HEADER + "".join(f"{n};A;B;VIG;Noord;\n" for n in range(100, 110)), "all.csv")
    assert runner.invoke(args=["hr", "import", everyone, "--org", "zorg"]).exit_code == 0
    few = hr_file(tmp_path, HEADER + "100;A;B;VIG;Noord;\n", "few.csv")
    refused = runner.invoke(args=["hr", "import", few, "--org", "zorg"])
    assert refused.exit_code == 1
    assert "9 of 10 current employees are not in the file" in refused.output
    applied = runner.invoke(args=["hr", "import", few, "--org", "zorg", "--allow-many-leavers"])
    assert applied.exit_code == 0 and "end: 9" in applied.output
