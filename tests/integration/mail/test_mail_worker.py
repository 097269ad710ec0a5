"""The mail worker as deployed: `digitoets mail send`, the `xapi forward` worker, a worker killed mid-send."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from service import create_app
from service import models as m
from service.jobs import mail as mail_job
from service.operations import mail

ROOT = Path(__file__).resolve().parents[3]
LATER = timedelta(days=1)  # past every lease and backoff


def queue(database, count=1, slug="zorg-a"):
    with database.begin() as session:
        org = m.Organisation(slug=slug, name=slug)
        session.add(org)
        session.flush()
        for n in range(count):
            mail.enqueue(session, org, f"coach{n}@zorg.example", "help_request_arrived", {"count": 1}, dedupe_key=str(n))


def statuses(database) -> dict[str, int]:
    with database.begin() as session:
        rows = session.execute(select(m.OutboxItem.status, func.count()).group_by(m.OutboxItem.status))
        return {status.value: count for status, count in rows}


def smtp_settings(settings, smtp_server):
    return replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_security="none",
                   smtp_from="Digitoets <noreply@digitoets.example>")


def test_mail_send_command_sends_what_waits(settings, database, smtp_server):
    queue(database, 2)
    runner = create_app(smtp_settings(settings, smtp_server), database=database).test_cli_runner()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 2, dead letters 0, waiting 0" in result.output
    assert sorted(msg["To"] for msg in smtp_server.wait_for(2)) == ["coach0@zorg.example", "coach1@zorg.example"]
    status = runner.invoke(args=["mail", "status"]).output
    assert "zorg-a\tdelivered\t2" in status


def test_without_smtp_the_commands_say_mails_wait(runner, database):
    queue(database, 1)
    assert "No mail server configured" in runner.invoke(args=["mail", "send"]).output
    assert "zorg-a\tpending\t1" in runner.invoke(args=["mail", "status"]).output
    assert statuses(database) == {"pending": 1}


def test_the_xapi_forward_worker_sends_mail_too(settings, database, smtp_server):
    queue(database, 1)
    runner = create_app(smtp_settings(settings, smtp_server), database=database).test_cli_runner()
    result = runner.invoke(args=["xapi", "forward"])
    assert result.exit_code == 0, result.output
    assert "mails sent 1, dead letters 0, waiting 0" in result.output
    assert len(smtp_server.wait_for(1)) == 1


def _mail_worker(database_url: str, smtp_server, instance: Path) -> subprocess.Popen:
    env = {**os.environ, "DIGITOETS_ENV": "testing", "DIGITOETS_DATABASE_URL": database_url,
           "DIGITOETS_INSTANCE_PATH": str(instance), "DIGITOETS_SMTP_HOST": "127.0.0.1",
           "DIGITOETS_SMTP_PORT": str(smtp_server.port), "DIGITOETS_SMTP_SECURITY": "none",
           "DIGITOETS_SMTP_FROM": "noreply@digitoets.example", "DIGITOETS_SMTP_TIMEOUT": "120"}
    command = [sys.executable, "-c", "from service.cli import main; main()", "mail", "send"]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_while_the_server_holds(stage, committed_database, database_url, smtp_server, tmp_path):
    smtp_server.hold(stage)
    worker = _mail_worker(database_url, smtp_server, tmp_path)
    try:
        assert smtp_server.holding.wait(120), "the worker never reached the mail server"
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=30)
    finally:
        smtp_server.release()
    assert statuses(committed_database) == {"pending": 3}  # leased, never settled: nothing lost
    # the lease has run out: the next worker sends them
    report = mail_job.send_pending(committed_database, smtp_server.target(), clock=lambda: datetime.now(UTC) + LATER)
    assert report.delivered == 3
    assert statuses(committed_database) == {"delivered": 3}


def test_a_worker_killed_before_the_server_took_the_mail_sends_it_once_later(committed_database, database_url,
                                                                             smtp_server, tmp_path):
    queue(committed_database, 3)
    _kill_while_the_server_holds("RCPT", committed_database, database_url, smtp_server, tmp_path)
    received = smtp_server.wait_for(3)
    assert sorted(msg["To"] for msg in received) == [f"coach{n}@zorg.example" for n in range(3)]  # once each


def test_a_worker_killed_after_the_server_took_the_mail_resends_it_with_the_same_message_id(
        committed_database, database_url, smtp_server, tmp_path):
    queue(committed_database, 3)
    _kill_while_the_server_holds("REPLY", committed_database, database_url, smtp_server, tmp_path)
    received = smtp_server.wait_for(4)
    # The server had the first mail when the worker died before recording it: SMTP cannot tell,
    # so it goes once more, with the same Message-ID, which mail programs use to drop the copy.
    assert len(received) == 4
    ids = [msg["Message-ID"] for msg in received]
    assert len(set(ids)) == 3 and ids.count(ids[0]) == 2
    assert sorted({msg["To"] for msg in received}) == [f"coach{n}@zorg.example" for n in range(3)]


def test_refused_mails_are_listed_and_put_back_in_line(runner, database):
    queue(database, 2)
    with database.begin() as session:
        first, second = session.scalars(select(m.OutboxItem).order_by(m.OutboxItem.id)).all()
        first.status, first.last_error = m.OutboxStatus.DEAD, "550 5.1.1 Mailbox unavailable"
        first_id = first.id
    assert f"{first_id}\t" in runner.invoke(args=["mail", "dead-letters"]).output
    assert runner.invoke(args=["mail", "retry"]).exit_code != 0  # ids or --all
    assert "1 mail(s) will be sent again." in runner.invoke(args=["mail", "retry", "--all"]).output
    assert statuses(database) == {"pending": 2}
    assert "No refused mails." in runner.invoke(args=["mail", "dead-letters"]).output
