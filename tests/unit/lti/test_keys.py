"""The tool's key folder: generation, rotation and the published key set."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from jwcrypto.jwk import JWK

from lti.errors import KeyStoreError
from lti.keys import KeyFolder, current_key, ensure_key, jwks, key_from_pem, rotate


def test_key_id_is_the_thumbprint(tmp_path):
    key = ensure_key(tmp_path / "keys")
    assert key.kid == JWK.from_pem(key.private_key_pem.encode()).thumbprint()
    assert key.public_jwk["kid"] == key.kid and key.public_jwk["alg"] == "RS256"
    assert "d" not in key.public_jwk  # no private part published


def test_ensure_key_creates_one_key_once(tmp_path):
    first = ensure_key(tmp_path)
    assert ensure_key(tmp_path) == first
    assert [k["kid"] for k in jwks(tmp_path)["keys"]] == [first.kid]
    assert stat.S_IMODE((tmp_path / f"{first.kid}.pem").stat().st_mode) == 0o600


def test_rotation_signs_with_the_new_key_and_keeps_the_old_one_published(tmp_path):
    old = ensure_key(tmp_path)
    new = rotate(tmp_path)
    assert current_key(tmp_path) == new != old
    assert [k["kid"] for k in jwks(tmp_path)["keys"]] == [new.kid, old.kid]
    token = jwt.encode({"a": 1}, old.private_key_pem, algorithm="RS256", headers={"kid": old.kid})
    published = {k["kid"]: k for k in jwks(tmp_path)["keys"]}
    public = JWK(**published[old.kid]).export_to_pem()
    assert jwt.decode(token, public, algorithms=["RS256"]) == {"a": 1}


def test_retired_key_leaves_the_key_set_after_its_expiry(tmp_path):
    now = datetime.now(timezone.utc)
    old = ensure_key(tmp_path)
    new = rotate(tmp_path, retired_lifetime=timedelta(days=2), now=now)
    later = now + timedelta(days=3)
    assert [k["kid"] for k in jwks(tmp_path, now=later)["keys"]] == [new.kid]
    newest = rotate(tmp_path, now=later)  # prunes the expired key's file
    assert not (tmp_path / f"{old.kid}.pem").exists()
    assert [k["kid"] for k in jwks(tmp_path, now=later)["keys"]] == [newest.kid, new.kid]
    assert json.loads((tmp_path / "keys.json").read_text())["current"] == newest.kid


def test_key_folder_sees_a_rotation_by_another_process(tmp_path):
    ensure_key(tmp_path)
    folder = KeyFolder(tmp_path)
    before = folder.current()
    after = rotate(tmp_path)
    assert folder.current() == after
    assert [k.kid for k in folder.published()] == [after.kid, before.kid]


def test_empty_folder_has_no_current_key(tmp_path):
    with pytest.raises(KeyStoreError):
        current_key(tmp_path)
    with pytest.raises(KeyStoreError):
        KeyFolder(tmp_path / "missing").current()


def test_garbage_is_not_a_key():
    with pytest.raises(KeyStoreError):
        key_from_pem("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")


def test_an_ec_key_is_refused_as_not_rsa():
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode("ascii")
    with pytest.raises(KeyStoreError, match="not an RSA private key"):
        key_from_pem(ec_pem)


def test_a_traditional_rsa_pem_is_read_and_kept_as_pkcs8():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    traditional = private.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL,
                                        NoEncryption()).decode("ascii")
    key = key_from_pem(traditional)
    assert key.private_key_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert key.kid == JWK.from_pyca(private.public_key()).thumbprint()
    assert key_from_pem(key.private_key_pem).kid == key.kid
