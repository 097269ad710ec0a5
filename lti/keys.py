"""The tool's RSA signing keys, kept as files in a folder outside the repository.

Layout of the folder (``DIGITOETS_LTI_KEY_PATH``)::

    keys.json          {"current": "<kid>", "retired": {"<kid>": "<ISO expiry>"}}
    <kid>.pem          PKCS#8 private key, mode 0600, one per key; encrypted with the ``cipher``
                       when one is given (the service's Fernet keys), plain PEM otherwise

The key id is the RFC 7638 thumbprint of the public key (what pylti1p3 and jwcrypto compute
too). ``rotate`` makes a new key current at once: the previous key stops signing immediately but
stays in the published key set until its expiry, so platforms that cached our JWKS, or hold a
client assertion or deep linking response signed just before, can still verify it.
"""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import os
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (Encoding, NoEncryption, PrivateFormat,
                                                          load_pem_private_key)
from jwcrypto.jwk import JWK

from lti.errors import KeyStoreError
from lti.registration import ToolKey

logger = logging.getLogger(__name__)


class Cipher(Protocol):
    """Encrypts key files at rest; the service passes its ``crypto.SecretBox``."""

    def encrypt(self, data: bytes) -> bytes: ...

    def decrypt(self, token: bytes) -> bytes: ...


MANIFEST = "keys.json"
DEFAULT_RETIRED_LIFETIME = timedelta(days=2)
KEY_SIZE = 2048


def generate_key() -> ToolKey:
    """Generate a new 2048-bit RSA key pair.

    With cryptography directly, and the PEM written from that key: jwcrypto's own generate and
    export built the key a second time from its numbers, which checks it again and doubled the
    cost (0.11 s to 0.06 s on a 2-core test machine; every worker's first start and each rotation).
    """
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode("ascii")
    return _tool_key(JWK.from_pyca(private), pem)


def key_from_pem(private_key_pem: str) -> ToolKey:
    """Build a ``ToolKey`` from a PEM private key.

    The key is parsed (and checked) once, by cryptography, and that parse is the one signing
    uses later (``signing_key``). jwcrypto's ``from_pem`` + ``export_to_pem`` parsed it a second
    time from its numbers, which checks it again: 0.10 s to 0.05 s per key file read (each
    worker's start, and each re-read of the key folder).

    Raises:
        KeyStoreError: When the text is not an RSA private key.
    """
    try:
        private = _load_private(private_key_pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyStoreError("not a PEM private key") from exc
    if not isinstance(private, rsa.RSAPrivateKey):
        raise KeyStoreError("the key is not an RSA private key")
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode("ascii")
    return _tool_key(JWK.from_pyca(private), pem)


def _tool_key(jwk: JWK, private_key_pem: str) -> ToolKey:
    kid = jwk.thumbprint()
    public = json.loads(jwk.export_public())
    public.update(kid=kid, alg="RS256", use="sig")
    return ToolKey(kid=kid, private_key_pem=private_key_pem, public_jwk=public)


def signing_key(key: ToolKey) -> Any:
    """Return the loaded private key object for signing (parsing a PEM costs ~30 ms)."""
    return _load_private(key.private_key_pem)


@functools.lru_cache(maxsize=16)
def _load_private(pem: str) -> Any:
    return load_pem_private_key(pem.encode("ascii"), password=None)


def current_key(folder: Path | str, cipher: Cipher | None = None) -> ToolKey:
    """Return the key that signs now.

    Raises:
        KeyStoreError: When the folder holds no key (run ``ensure_key`` or ``rotate`` first).
    """
    manifest = _read_manifest(Path(folder))
    if not manifest.get("current"):
        raise KeyStoreError(f"no current key in {folder}")
    return _load(Path(folder), manifest["current"], cipher)


def published_keys(folder: Path | str, now: datetime | None = None,
                   cipher: Cipher | None = None) -> tuple[ToolKey, ...]:
    """Return the current key first, then the retired keys that have not expired."""
    folder = Path(folder)
    now = now or datetime.now(timezone.utc)
    manifest = _read_manifest(folder)
    kids = [manifest["current"]] if manifest.get("current") else []
    kids += [kid for kid, expiry in manifest.get("retired", {}).items()
             if datetime.fromisoformat(expiry) > now and kid not in kids]
    return tuple(_load(folder, kid, cipher) for kid in kids)


def jwks(folder: Path | str, now: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    """Return the public key set to serve at the tool's JWKS URL."""
    return {"keys": [dict(key.public_jwk) for key in published_keys(folder, now)]}


def ensure_key(folder: Path | str, cipher: Cipher | None = None) -> ToolKey:
    """Return the current key, creating the folder and a first key when there is none.

    Every worker calls this at start-up; a lock file makes sure that workers starting together
    on a new install make one first key, not one each.

    Raises:
        KeyStoreError: When the folder cannot be created or written.
    """
    folder = Path(folder)
    if _read_manifest(folder).get("current"):
        return current_key(folder, cipher)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if _read_manifest(folder).get("current"):
                return current_key(folder, cipher)
            return rotate(folder, cipher=cipher)
    except OSError as exc:
        raise KeyStoreError(f"cannot create a first signing key in {folder}: {exc.strerror}") from exc


def rotate(folder: Path | str, *, retired_lifetime: timedelta = DEFAULT_RETIRED_LIFETIME,
           now: datetime | None = None, cipher: Cipher | None = None) -> ToolKey:
    """Add a new current key; the previous one stays published until ``now + retired_lifetime``.

    Retired keys whose expiry has passed are removed from the manifest and deleted.

    Returns:
        The new current key.
    """
    folder = Path(folder)
    now = now or datetime.now(timezone.utc)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    manifest = _read_manifest(folder)
    retired: dict[str, str] = dict(manifest.get("retired", {}))
    previous = manifest.get("current")
    if previous:
        retired[previous] = (now + retired_lifetime).isoformat()
    for kid, expiry in list(retired.items()):
        if datetime.fromisoformat(expiry) <= now:
            del retired[kid]
            (folder / f"{kid}.pem").unlink(missing_ok=True)
    key = generate_key()
    _write_private(folder / f"{key.kid}.pem", key.private_key_pem, cipher)
    _write_manifest(folder, {"current": key.kid, "retired": retired})
    logger.info("LTI key %s is now current; %s retired keys still published", key.kid, len(retired))
    return key


class KeyFolder:
    """The key folder as the tool configuration uses it: re-read only when ``keys.json`` changes.

    Every worker builds one at start-up; after ``rotate`` (by the CLI, in another process) the
    next call sees the new manifest, so no worker restart is needed.
    """

    def __init__(self, path: Path | str, cipher: Cipher | None = None):
        self.path = Path(path)
        self.cipher = cipher
        self._stamp: tuple[int, int] | None = None
        self._keys: tuple[ToolKey, ...] = ()
        self._read_at = datetime.min.replace(tzinfo=timezone.utc)

    def current(self) -> ToolKey:
        """Return the key that signs now.

        Raises:
            KeyStoreError: When the folder holds no key.
        """
        keys = self.published()
        if not keys:
            raise KeyStoreError(f"no current key in {self.path}")
        return keys[0]

    def published(self) -> tuple[ToolKey, ...]:
        """Return the current key first, then unexpired retired keys."""
        try:
            stat = (self.path / MANIFEST).stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        now = datetime.now(timezone.utc)
        # Retired keys also expire without the manifest changing: re-read at least every minute.
        if stamp != self._stamp or not self._keys or now - self._read_at > timedelta(minutes=1):
            self._keys = published_keys(self.path, now, self.cipher) if stamp else ()
            self._stamp = stamp
            self._read_at = now
        return self._keys

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """Return the public key set."""
        return {"keys": [dict(key.public_jwk) for key in self.published()]}


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise KeyStoreError(f"cannot read {folder / MANIFEST}") from exc


def _load(folder: Path, kid: str, cipher: Cipher | None = None) -> ToolKey:
    try:
        stored = (folder / f"{kid}.pem").read_bytes()
    except OSError as exc:
        raise KeyStoreError(f"key {kid} is listed in {folder / MANIFEST} but unreadable") from exc
    if not stored.startswith(b"-----BEGIN"):
        if cipher is None:
            raise KeyStoreError(f"key {kid} is encrypted and no encryption key is configured")
        stored = cipher.decrypt(stored)
    key = key_from_pem(stored.decode("ascii"))
    if key.kid != kid:
        raise KeyStoreError(f"key file {kid}.pem holds key {key.kid}")
    return key


def _write_private(path: Path, pem: str, cipher: Cipher | None = None) -> None:
    data = pem.encode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(cipher.encrypt(data) if cipher is not None else data)


def reencrypt(folder: Path | str, cipher: Cipher) -> int:
    """Rewrite every listed key file encrypted with ``cipher``'s newest key; returns how many.

    Plain PEM files (written before encryption) and files encrypted with an older key alike.
    Each file is replaced in one rename, so a worker reading it sees the old or the new file.
    """
    folder = Path(folder)
    manifest = _read_manifest(folder)
    kids = [manifest["current"]] if manifest.get("current") else []
    kids += [kid for kid in manifest.get("retired", {}) if kid not in kids]
    for kid in kids:
        key = _load(folder, kid, cipher)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".key-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(cipher.encrypt(key.private_key_pem.encode("ascii")))
        os.chmod(tmp, 0o600)
        os.replace(tmp, folder / f"{kid}.pem")
    return len(kids)


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    # Write then rename, so a worker reading concurrently sees the old or the new manifest.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".keys-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
    os.replace(tmp, folder / MANIFEST)
