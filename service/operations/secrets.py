"""Secrets at rest: write every encrypted column again with the newest key (``digitoets secrets re-encrypt``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from service.db import Base
from service.models._types import EncryptedString


def reencrypt_secrets(session: Session) -> dict[str, int]:
    """Rewrite every non-empty ``EncryptedString`` value; returns how many per table.

    Reading decrypts with any configured key (or returns a value stored before encryption as it
    is); writing encrypts with the newest, so after this the older keys may be removed.
    """
    counts: dict[str, int] = {}
    for mapper in sorted(Base.registry.mappers, key=lambda mp: mp.class_.__name__):
        columns = [attr.key for attr in mapper.column_attrs if isinstance(attr.columns[0].type, EncryptedString)]
        if not columns:
            continue
        written = 0
        for row in session.scalars(select(mapper.class_)):
            for key in columns:
                if getattr(row, key) is not None:
                    flag_modified(row, key)  # the same value, encrypted again on flush
                    written += 1
        counts[mapper.class_.__tablename__] = written
    session.flush()
    return counts
