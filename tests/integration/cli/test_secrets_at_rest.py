"""LRS passwords and LTI private keys are encrypted at rest with DIGITOETS_ENCRYPTION_KEY; `digitoets secrets
re-encrypt` converts what was stored before and moves everything to a new key."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from lti.keys import rotate
from service import create_app
from service import models as m
from service.config import Settings
from service.errors import ConfigurationError

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _key_files(settings):
    return sorted(settings.resolved_lti_key_path.glob("*.pem"))


def _raw_password(database) -> str:
    with database.begin() as session:
        return session.execute(text("SELECT lrs_password FROM organisations WHERE slug = 'zorg-a'")).scalar_one()


def _password(database) -> str:
    with database.begin() as session:
        return session.query(m.Organisation).filter_by(slug="zorg-a").one().lrs_password


@pytest.fixture
def organisation(database):
    with database.begin() as session:
        session.add(m.Organisation(slug="zorg-a", name="Zorg A", lrs_endpoint="https://lrs.zorg-a.example/xapi/"))


def test_the_lti_private_key_is_encrypted_on_disk_and_needs_the_key(settings, database):
    keyed = replace(settings, encryption_key=OLD)
    app = create_app(keyed, database=database)
    [path] = _key_files(keyed)
    stored = path.read_bytes()
    assert not stored.startswith(b"-----BEGIN") and b"PRIVATE KEY" not in stored
    assert app.test_client().get("/lti/jwks").get_json()["keys"]  # and the tool signs with it
    with pytest.raises(ConfigurationError, match="cannot be decrypted"):
        create_app(replace(settings, encryption_key=NEW), database=database)


def test_re_encrypt_converts_plaintext_and_moves_to_a_new_key(settings, database, organisation):
    rotate(settings.resolved_lti_key_path)  # a key file from before encryption: plain PEM
    with database.begin() as session:  # and a password from before encryption
        session.execute(text("UPDATE organisations SET lrs_password = 'oud-wachtwoord' WHERE slug = 'zorg-a'"))
    old = create_app(replace(settings, encryption_key=OLD), database=database)
    assert _password(database) == "oud-wachtwoord"  # plaintext still reads
    result = old.test_cli_runner().invoke(args=["secrets", "re-encrypt"])
    assert result.exit_code == 0, result.output
    assert "organisations: 1 values re-encrypted" in result.output and "LTI key files: 1 re-encrypted" in result.output
    assert _raw_password(database).startswith("gAAAAA")
    assert not _key_files(settings)[0].read_bytes().startswith(b"-----BEGIN")

    # rotation: the new key first, the old one still listed to read; re-encrypt; then the old key goes
    rotating = create_app(replace(settings, encryption_key=f"{NEW},{OLD}"), database=database)
    assert _password(database) == "oud-wachtwoord"
    assert rotating.test_cli_runner().invoke(args=["secrets", "re-encrypt"]).exit_code == 0
    new_only = create_app(replace(settings, encryption_key=NEW), database=database)
    assert _password(database) == "oud-wachtwoord"
    assert new_only.test_client().get("/lti/jwks").status_code == 200


def test_production_requires_an_encryption_key(tmp_path):
    base = {"DIGITOETS_ENV": "production", "DIGITOETS_SECRET_KEY": "s" * 40,
            "DIGITOETS_BASE_URL": "https://digitoets.example", "DIGITOETS_INSTANCE_PATH": str(tmp_path)}
    with pytest.raises(ConfigurationError, match="DIGITOETS_ENCRYPTION_KEY or DIGITOETS_ENCRYPTION_KEY_FILE is required"):
        create_app(replace(Settings.from_env(base), database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}"))
    assert not (tmp_path / "encryption_key").exists()  # never a generated key in production
    key_file = tmp_path / "keys"
    key_file.write_text(f"{NEW}\n{OLD}\n")
    from_file = Settings.from_env({**base, "DIGITOETS_ENCRYPTION_KEY_FILE": str(key_file)})
    assert from_file.resolved_encryption_keys() == [NEW, OLD]
    assert Settings.from_env({**base, "DIGITOETS_ENCRYPTION_KEY": f"{NEW}, {OLD}"}).resolved_encryption_keys() == [NEW, OLD]
    with pytest.raises(ConfigurationError, match="Fernet keys"):
        create_app(replace(Settings.from_env({**base, "DIGITOETS_ENCRYPTION_KEY": "not-a-key"}),
                           database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}"))
