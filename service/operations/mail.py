"""E-mail through the outbox: rendered now, in the caller's transaction; sent later by ``service.jobs.mail``.

``enqueue`` renders the subject, a plain-text and an HTML body from ``service/templates/mail``
in the recipient's language and writes one ``OutboxItem`` of kind MAIL per recipient. A mail
carries as little personal data as it can: no levels or scores, a link into the tool instead.
The ``dedupe_key`` makes queueing the same mail twice harmless, and the Message-ID derived
from it lets the recipient's mail program drop the one duplicate SMTP may still cause (see
``service.jobs.mail``).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from babel.support import Translations
from sqlalchemy import select
from sqlalchemy.orm import Session

from service import models as m
from service.db import utcnow
from service.errors import InvalidInputError
from service.i18n_markers import N_
from service.operations.events import BASE_URL_KEY, DEFAULT_BASE_URL

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
LOCALES = ("nl", "en")
#: Message-IDs are UUIDv5 of the organisation and the dedupe key in this namespace
MESSAGE_ID_NAMESPACE = uuid.UUID("5b0f3c64-7a43-4d6c-9a39-0d1f6c1e2a71")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a mail, e.g. the .ics of a planned moment."""

    filename: str
    content_type: str  # "text/calendar"
    data: bytes
    params: tuple[tuple[str, str], ...] = ()  # extra Content-Type parameters: (("method", "PUBLISH"),)


@lru_cache(maxsize=len(LOCALES))
def _environment(locale: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), extensions=["jinja2.ext.i18n"],
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    # the msgids are Dutch: Dutch needs no catalogue, English comes from the app's own .po
    env.install_gettext_translations(Translations.load(str(TRANSLATIONS), [locale]), newstyle=True)
    return env


def render(template_name: str, context: dict, locale: str = "nl") -> tuple[str, str, str]:
    """(subject, plain text, HTML) of ``mail/<template_name>.html`` in ``locale``.

    A mail template has three blocks: ``subject`` and ``text`` (inside ``{% autoescape false %}``)
    and ``html``.
    """
    template = _environment(locale if locale in LOCALES else "nl").get_template(f"{template_name}.html")
    parts = []
    for block in ("subject", "text", "html"):
        rendered = "".join(template.blocks[block](template.new_context(context))).strip()
        parts.append(" ".join(rendered.split()) if block == "subject" else rendered + "\n")
    return parts[0], parts[1], parts[2]


def message_id(session: Session, organisation_id: int, dedupe_key: str) -> str:
    """The deterministic Message-ID of a mail: the same mail always carries the same one."""
    domain = urlsplit(session.info.get(BASE_URL_KEY, DEFAULT_BASE_URL)).hostname or "digitoets.invalid"
    return f"<{uuid.uuid5(MESSAGE_ID_NAMESPACE, f'{organisation_id}:{dedupe_key}')}@{domain}>"


def is_address(value: str) -> bool:
    """A single plain address (no display name, no line breaks)."""
    if not value or any(c in value for c in "\r\n<>,; ") or value.count("@") != 1:
        return False
    try:
        parsed = Address(addr_spec=value)
    except (ValueError, IndexError):
        return False
    return bool(parsed.username) and "." in parsed.domain


#: what stays of a sent mail (for "did it go out, when, to whom?"); the bodies and attachments go
KEPT_AFTER_SENDING = ("to", "subject", "message_id", "locale", "template", "date")


def sent_record(payload: dict) -> dict:
    """A delivered mail's payload without its text, HTML and attachments."""
    return {key: payload[key] for key in KEPT_AFTER_SENDING if key in payload}


def forget_recipient(session: Session, organisation_id: int, address: str) -> int:
    """A person is erased or pseudonymised: mails to them that wait are dropped, sent ones lose the address.

    A mail a worker holds right now may still go out once; its settle then finds no row.

    Returns:
        How many mails were dropped or made anonymous.
    """
    rows = session.scalars(select(m.OutboxItem).where(
        m.OutboxItem.organisation_id == organisation_id, m.OutboxItem.kind == m.OutboxKind.MAIL,
        m.OutboxItem.payload["to"].as_string() == address,
    )).all()
    for row in rows:
        if row.status is m.OutboxStatus.DELIVERED:
            row.payload = {key: value for key, value in sent_record(row.payload).items() if key != "to"}
        else:
            session.delete(row)
    session.flush()
    return len(rows)


def find_queued(session: Session, organisation_id: int, dedupe_key: str) -> m.OutboxItem | None:
    """The mail queued before with this dedupe key (whatever became of it), or None."""
    return session.scalar(select(m.OutboxItem).where(m.OutboxItem.kind == m.OutboxKind.MAIL,
                                                     m.OutboxItem.dedupe_key == f"{organisation_id}:{dedupe_key}"))


def enqueue(
    session: Session,
    organisation: m.Organisation,
    to: m.Person | str,
    template_name: str,
    context: dict,
    attachments: list[Attachment] | None = None,
    *,
    dedupe_key: str,
    locale: str | None = None,
    now: datetime | None = None,
) -> m.OutboxItem | None:
    """Render one mail to one recipient and write it to the outbox (flush only, never commit).

    ``to`` is a person (their e-mail address and language) or an address. The context gets
    ``base_url`` and ``organisation_name`` on top of what the caller gives.

    Returns:
        The outbox row; the row queued before when ``dedupe_key`` was used already; None when
        the person has no e-mail address or was erased (nothing to send to).

    Raises:
        InvalidInputError: when ``to`` is not an e-mail address.
    """
    if isinstance(to, m.Person):
        if to.pseudonymised_at is not None or not to.email:
            return None
        address, locale = to.email.strip(), locale or to.locale
    else:
        address = to.strip()
    if not is_address(address):
        raise InvalidInputError(N_("Dit is geen geldig e-mailadres."), {"to": ["geen e-mailadres"]})
    existing = find_queued(session, organisation.id, dedupe_key)
    if existing is not None:
        return existing
    locale = locale if locale in LOCALES else "nl"
    base_url = session.info.get(BASE_URL_KEY, DEFAULT_BASE_URL).rstrip("/")
    subject, text, html = render(template_name, {**context, "base_url": base_url,
                                                 "organisation_name": organisation.name}, locale)
    payload = {
        "to": address, "subject": subject, "text": text, "html": html, "locale": locale, "template": template_name,
        "message_id": message_id(session, organisation.id, dedupe_key), "date": (now or utcnow()).isoformat(),
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "params": dict(a.params),
             "data": base64.b64encode(a.data).decode("ascii")}
            for a in attachments or []
        ],
    }
    item = m.OutboxItem(organisation_id=organisation.id, kind=m.OutboxKind.MAIL, dedupe_key=f"{organisation.id}:{dedupe_key}",
                        payload=payload)
    session.add(item)
    session.flush()
    return item
