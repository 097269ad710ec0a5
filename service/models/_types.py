"""Column helpers shared by the model modules."""

from __future__ import annotations

import enum

from sqlalchemy import Enum, String
from sqlalchemy.types import TypeDecorator

from service import crypto


def enum_type(cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the enum's values."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in cls),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class EncryptedString(TypeDecorator):
    """A secret stored encrypted (Fernet, ``service.crypto``) and read back as plain text.

    Values written before encryption existed read back as they are, until
    ``digitoets secrets re-encrypt`` rewrites them.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else crypto.box().encrypt_text(value)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        return None if value is None else crypto.box().decrypt_text(value)
