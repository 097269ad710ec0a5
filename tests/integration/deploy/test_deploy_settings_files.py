"""Every secret setting DIGITOETS_X also comes from a file, DIGITOETS_X_FILE (Kubernetes and compose secrets)."""

from __future__ import annotations

import pytest

from service.config import FILE_SECRETS, PREFIX, Settings
from service.errors import ConfigurationError

VALUES = {
    "SECRET_KEY": "k" * 40,
    "DATABASE_URL": "postgresql+psycopg://digitoets:geheim@db:5432/digitoets",
    "LRS_USERNAME": "lrs-gebruiker",
    "LRS_PASSWORD": "lrs-wachtwoord",
    "SMTP_USERNAME": "smtp-gebruiker",
    "SMTP_PASSWORD": "smtp-wachtwoord",
    "RATELIMIT_STORAGE_URI": "redis://:geheim@redis:6379/0",
    "METRICS_TOKEN": "prometheus-token",
}
ATTRIBUTES = {"SECRET_KEY": "secret_key", "DATABASE_URL": "database_url", "LRS_USERNAME": "lrs_username",
              "LRS_PASSWORD": "lrs_password", "SMTP_USERNAME": "smtp_username", "SMTP_PASSWORD": "smtp_password",
              "RATELIMIT_STORAGE_URI": "ratelimit_storage_uri", "METRICS_TOKEN": "metrics_token"}
# SMTP username and password go together; give the other one directly so only NAME comes from a file
PARTNER = {"SMTP_USERNAME": "SMTP_PASSWORD", "SMTP_PASSWORD": "SMTP_USERNAME"}


def test_the_list_covers_every_secret_field():
    assert set(FILE_SECRETS) == set(VALUES)


@pytest.mark.parametrize("name", FILE_SECRETS)
def test_a_secret_is_read_from_its_file(tmp_path, name):
    secret = tmp_path / name.lower()
    secret.write_text(VALUES[name] + "\n", encoding="utf-8")  # a trailing newline, as `kubectl create secret` files have
    env = {PREFIX + name + "_FILE": str(secret)}
    if name in PARTNER:
        env[PREFIX + PARTNER[name]] = VALUES[PARTNER[name]]
    settings = Settings.from_env(env)
    assert getattr(settings, ATTRIBUTES[name]) == VALUES[name]


@pytest.mark.parametrize("name", [*FILE_SECRETS, "ENCRYPTION_KEY"])
def test_the_variable_and_its_file_together_are_refused_naming_both(tmp_path, name):
    secret = tmp_path / "secret"
    secret.write_text("uit-een-bestand", encoding="utf-8")
    env = {PREFIX + name: "direct", PREFIX + name + "_FILE": str(secret)}
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env)
    assert str(caught.value) == f"set {PREFIX}{name} or {PREFIX}{name}_FILE, not both"


@pytest.mark.parametrize("name", [*FILE_SECRETS, "ENCRYPTION_KEY"])
def test_a_missing_file_is_refused_naming_the_variable(tmp_path, name):
    with pytest.raises(ConfigurationError, match=f"{PREFIX}{name}_FILE cannot be read"):
        Settings.from_env({PREFIX + name + "_FILE": str(tmp_path / "bestaat-niet")})


@pytest.mark.parametrize("name", ["SECRET_KEY", "DATABASE_URL"])
def test_an_unreadable_or_empty_file_is_refused_naming_the_variable(tmp_path, name):
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(ConfigurationError, match=f"{PREFIX}{name}_FILE cannot be read"):
        Settings.from_env({PREFIX + name + "_FILE": str(folder)})  # a directory: unreadable as a file, even for root
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=f"{PREFIX}{name}_FILE is empty"):
        Settings.from_env({PREFIX + name + "_FILE": str(empty)})
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigurationError, match=f"{PREFIX}{name}_FILE is not a UTF-8 text file"):
        Settings.from_env({PREFIX + name + "_FILE": str(binary)})


def test_production_starts_with_every_secret_from_files(tmp_path):
    files = {}
    for name, value in {**VALUES, "ENCRYPTION_KEY": "a" * 43 + "="}.items():
        path = tmp_path / name.lower()
        path.write_text(value, encoding="utf-8")
        files[PREFIX + name + "_FILE"] = str(path)
    settings = Settings.from_env({PREFIX + "ENV": "production", PREFIX + "BASE_URL": "https://digitoets.example.nl",
                                  **files})
    assert settings.secret_key == VALUES["SECRET_KEY"]
    assert settings.resolved_encryption_keys() == ["a" * 43 + "="]
    assert settings.database_url == VALUES["DATABASE_URL"]
    assert "lrs-wachtwoord" not in repr(settings)  # secrets read from files stay out of the repr too
