"""Send queued mails over SMTP: lease a batch, send each, settle each in its own transaction.

Delivery guarantees, and their limit. A mail is leased before it is sent (``claim_batch``
hides it from other workers for the lease) and settled right after the server's reply, so
nothing is lost: a mail the server did not take stays in the outbox. SMTP itself has no
idempotent delivery: a worker that dies after the server said "250 OK" but before the settle
is committed leaves the row pending, and when the lease runs out the same mail is sent again,
with the same Message-ID (derived from the mail's dedupe key). That one duplicate is the
strongest guarantee SMTP allows; mail programs and many servers drop a second message with a
Message-ID they have seen.

Outcomes. A 5xx reply to this mail (recipient or content refused) is permanent: dead letter
with the server's reason, visible on /beheer/berichten. A 4xx reply is temporary: retried with
backoff, dead after ``MAX_ATTEMPTS``. A server that cannot be reached, refuses our login or our
sender is a set-up problem, not the mail's: the batch waits with backoff and is not counted
towards the dead letter, so a mail server that is down for a weekend loses nothing.
"""

from __future__ import annotations

import base64
import logging
import random
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import update

from service import models as m
from service.config import Settings
from service.db import Database, utcnow
from service.jobs import forward
from service.operations import mail
from xapi.client import backoff_delay

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 20
#: temporary refusals (4xx) of one mail before it becomes a dead letter
MAX_ATTEMPTS = 10
RETRY_BASE_SECONDS = 30.0
RETRY_CAP_SECONDS = 3600.0


@dataclass(frozen=True)
class SmtpTarget:
    """The mail server. The password never appears in repr or logs."""

    host: str
    port: int
    sender: str
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpTarget | None:
        """The configured server, or None: then mails wait in the outbox."""
        if not settings.mail_configured:
            return None
        return cls(settings.smtp_host, settings.resolved_smtp_port, settings.smtp_from, settings.smtp_security,
                   settings.smtp_username, settings.smtp_password, settings.smtp_timeout)


class SetupError(Exception):
    """Raised when the server cannot take any mail now (down, login or sender refused)."""


def build_message(payload: dict, sender: str) -> EmailMessage:
    """The MIME message of a queued mail: text and HTML alternatives, then the attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Date"] = format_datetime(datetime.fromisoformat(payload["date"]))
    message["Message-ID"] = payload["message_id"]
    message["Content-Language"] = payload["locale"]
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a tool
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    for attachment in payload.get("attachments", []):
        maintype, subtype = attachment["content_type"].split("/", 1)
        message.add_attachment(base64.b64decode(attachment["data"]), maintype=maintype, subtype=subtype,
                               filename=attachment["filename"], params=attachment.get("params") or {})
    return message


def _connect(target: SmtpTarget) -> smtplib.SMTP:
    try:
        if target.security == "ssl":
            smtp = smtplib.SMTP_SSL(target.host, target.port, timeout=target.timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=target.timeout)
            if target.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if target.username:
            smtp.login(target.username, target.password or "")
        return smtp
    except (OSError, smtplib.SMTPException) as exc:
        raise SetupError(f"mail server {target.host}:{target.port}: {_describe(exc)}") from exc


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {_text(text)}" for code, text in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc) or type(exc).__name__


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _send(smtp: smtplib.SMTP, row: forward.Leased, target: SmtpTarget) -> tuple[str, str | None]:
    """Send one mail: ("delivered" | "rejected" | "deferred", reason). SetupError: stop the batch."""
    try:
        smtp.send_message(build_message(row.payload, target.sender))
        return "delivered", None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        return ("rejected" if all(code >= 500 for code in codes) else "deferred"), _describe(exc)
    except smtplib.SMTPSenderRefused as exc:  # our From: the set-up, not this mail
        raise SetupError(f"sender refused: {_describe(exc)}") from exc
    except smtplib.SMTPResponseException as exc:  # the content (DATA) refused
        return ("rejected" if exc.smtp_code >= 500 else "deferred"), _describe(exc)
    except (OSError, smtplib.SMTPException) as exc:  # the connection broke: maybe sent, maybe not
        raise SetupError(f"connection lost: {_describe(exc)}") from exc


def _retry_at(now: datetime, attempts: int, rng) -> datetime:
    delay = backoff_delay(attempts, base=RETRY_BASE_SECONDS, cap=RETRY_CAP_SECONDS, rng=rng)
    return now + timedelta(seconds=max(forward.MIN_RETRY_SECONDS, delay))


def _settle(database: Database, row: forward.Leased, outcome: str, reason: str | None, now: datetime, rng) -> str:
    values: dict = {"attempts": row.attempts + 1, "last_error": reason[:1000] if reason else None}
    if outcome == "delivered":  # the bodies go: a sent mail keeps only who, what subject and when
        values.update(status=m.OutboxStatus.DELIVERED, delivered_at=now, payload=mail.sent_record(row.payload))
    elif outcome == "rejected" or row.attempts + 1 >= MAX_ATTEMPTS:
        outcome = "rejected"
        values["status"] = m.OutboxStatus.DEAD
        logger.error("Mail %s is a dead letter: %s", row.id, reason)
    else:
        values["next_attempt_at"] = _retry_at(now, row.attempts + 1, rng)
        logger.warning("Mail %s waits: %s", row.id, reason)
    with database.begin() as session:
        session.execute(update(m.OutboxItem).where(m.OutboxItem.id == row.id).values(**values))
    return outcome


def _wait(database: Database, rows: list[forward.Leased], reason: str, now: datetime, rng) -> None:
    """The server could not take mail: these rows wait, without counting towards a dead letter."""
    logger.warning("%d mail(s) wait: %s", len(rows), reason)
    with database.begin() as session:
        session.execute(update(m.OutboxItem), [
            {"id": r.id, "last_error": reason[:1000], "next_attempt_at": _retry_at(now, r.attempts + 1, rng)}
            for r in rows
        ])


def send_pending(database: Database, target: SmtpTarget | None, clock: Callable[[], datetime] = utcnow,
                 batch_size: int = DEFAULT_BATCH, should_stop: Callable[[], bool] = lambda: False,
                 rng: random.Random | None = None) -> forward.ForwardReport:
    """Send every due mail, batch by batch, until none is due, the server fails, or ``should_stop()``.

    Without a ``target`` nothing is sent: the mails wait (the admin sees them waiting).
    """
    rng = rng or random
    report = forward.ForwardReport()
    if target is None:
        return report
    # a leased batch must be finished long before its lease runs out: every send may take a timeout
    lease = max(forward.LEASE_SECONDS, 3 * batch_size * target.timeout)
    while not should_stop():
        with database.begin() as session:
            rows = forward.claim_batch(session, None, clock(), batch_size, lease_seconds=lease, kind=m.OutboxKind.MAIL)
        if not rows:
            break
        report.batches += 1
        done = 0
        try:
            with _connect(target) as smtp:
                for row in rows:
                    outcome, reason = _send(smtp, row, target)
                    outcome = _settle(database, row, outcome, reason, clock(), rng)
                    setattr(report, outcome, getattr(report, outcome) + 1)
                    done += 1
        except SetupError as exc:
            _wait(database, rows[done:], str(exc), clock(), rng)
            report.deferred += len(rows) - done
            break
    return report
