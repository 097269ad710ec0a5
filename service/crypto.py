"""Secrets at rest: LRS passwords in the database and the LTI private keys on disk, encrypted.

The keys come from configuration (``DIGITOETS_ENCRYPTION_KEY`` or ``_FILE``; see ``Settings``):
Fernet keys, newest first. ``cryptography``'s ``MultiFernet`` encrypts with the first and decrypts
with any, so a key is rotated by putting a new one in front and running
``digitoets secrets re-encrypt``, which also encrypts rows and key files written before
encryption existed.

``create_app`` calls ``use``; the ``EncryptedString`` column type (``models._types``) and the LTI
key folder then encrypt on write and decrypt on read.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from service.errors import ConfigurationError

#: every Fernet token starts with the version byte 0x80, base64 "gAAAAA"
TOKEN_PREFIX = "gAAAAA"  # nosec B105: a format marker, not a password


class SecretBox:
    """Encrypts and decrypts short texts and files with the configured Fernet keys."""

    def __init__(self, keys: list[str]):
        if not keys:
            raise ConfigurationError("no encryption key configured (DIGITOETS_ENCRYPTION_KEY)")
        try:
            self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])
        except (ValueError, UnicodeEncodeError):
            raise ConfigurationError(
                "DIGITOETS_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes), comma-separated"
            ) from None

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        """Decrypt with any configured key.

        Raises:
            ConfigurationError: when no configured key fits (a key was removed too early).
        """
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise ConfigurationError("a stored secret cannot be decrypted with DIGITOETS_ENCRYPTION_KEY") from None

    def encrypt_text(self, value: str) -> str:
        return self.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt_text(self, value: str) -> str:
        """The plaintext; a value stored before encryption existed is returned as it is."""
        if not is_encrypted(value):
            return value
        return self.decrypt(value.encode("ascii")).decode("utf-8")


def is_encrypted(value: str | bytes) -> bool:
    prefix = TOKEN_PREFIX if isinstance(value, str) else TOKEN_PREFIX.encode("ascii")
    return value.startswith(prefix)


_box: SecretBox | None = None


def use(box: SecretBox) -> None:
    """Make ``box`` the one the models use (``create_app`` calls this once)."""
    global _box
    _box = box


def box() -> SecretBox:
    """The configured ``SecretBox``.

    Raises:
        ConfigurationError: when ``create_app`` has not configured one.
    """
    if _box is None:
        raise ConfigurationError("encryption is not configured: create the app first")
    return _box
