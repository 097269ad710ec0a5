"""Settings come from DIGITOETS_* variables and fail early with the variable's name."""

from __future__ import annotations

import pytest

from service.config import Settings
from service.errors import ConfigurationError


def test_embedded_default_is_a_sqlite_file_in_the_instance_folder(tmp_path):
    settings = Settings.from_env({"DIGITOETS_INSTANCE_PATH": str(tmp_path)})
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'digitoets.sqlite3'}"
    assert settings.env == "development"
    assert settings.lrs_endpoint is None


def test_production_without_secret_key_names_the_variable():
    with pytest.raises(ConfigurationError, match="DIGITOETS_SECRET_KEY is required"):
        Settings.from_env({"DIGITOETS_ENV": "production"})


def test_dev_login_is_refused_in_production():
    env = {"DIGITOETS_ENV": "production", "DIGITOETS_SECRET_KEY": "s" * 40, "DIGITOETS_DEV_LOGIN": "1"}
    with pytest.raises(ConfigurationError, match="DIGITOETS_DEV_LOGIN"):
        Settings.from_env(env)


def test_production_over_plain_http_is_refused_naming_the_base_url():
    env = {"DIGITOETS_ENV": "production", "DIGITOETS_SECRET_KEY": "s" * 40, "DIGITOETS_BASE_URL": "http://toets.zorg.example"}
    with pytest.raises(ConfigurationError, match=r"DIGITOETS_BASE_URL must be an https:// URL when DIGITOETS_ENV=production"):
        Settings.from_env(env)
    with pytest.raises(ConfigurationError, match="DIGITOETS_BASE_URL"):  # the default is http too
        Settings.from_env({"DIGITOETS_ENV": "production", "DIGITOETS_SECRET_KEY": "s" * 40})
    settings = Settings.from_env({**env, "DIGITOETS_BASE_URL": "https://toets.zorg.example"})
    assert settings.base_url == "https://toets.zorg.example"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DIGITOETS_DATABASE_URL", "mysql://root@localhost/x", "DIGITOETS_DATABASE_URL must start with"),
        ("DIGITOETS_ENV", "staging", "DIGITOETS_ENV must be one of"),
        ("DIGITOETS_LRS_TIMEOUT", "soon", "DIGITOETS_LRS_TIMEOUT must be a number"),
        ("DIGITOETS_LRS_ENDPOINT", "lrs.example", r"DIGITOETS_LRS_ENDPOINT must be an http\(s\) URL"),
        ("DIGITOETS_DEV_LOGIN", "yes", "DIGITOETS_DEV_LOGIN must be 0 or 1"),
        ("DIGITOETS_DB_CONNECT_TIMEOUT", "5s", "DIGITOETS_DB_CONNECT_TIMEOUT must be a number of seconds"),
        ("DIGITOETS_DB_STATEMENT_TIMEOUT", "0", "DIGITOETS_DB_STATEMENT_TIMEOUT must be more than 0"),
        ("DIGITOETS_LOG_FORMAT", "xml", "DIGITOETS_LOG_FORMAT must be json or text"),
        ("DIGITOETS_SECRET_KEY", "short", "DIGITOETS_SECRET_KEY must be at least 32"),
    ],
)
def test_bad_values_name_the_variable(name, value, message):
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env({name: value})


def test_development_secret_is_generated_once_and_kept(tmp_path):
    settings = Settings(instance_path=tmp_path)
    first = settings.resolved_secret_key()
    assert len(first) >= 32
    assert Settings(instance_path=tmp_path).resolved_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgresql_url_is_taken_as_given():
    url = "postgresql+psycopg://digitoets@db.internal:5432/digitoets"
    assert Settings.from_env({"DIGITOETS_DATABASE_URL": url}).resolved_database_url == url


def test_database_timeouts_reach_the_postgresql_connection():
    from sqlalchemy import event

    from service.db import make_engine

    settings = Settings.from_env({"DIGITOETS_DB_CONNECT_TIMEOUT": "2.5", "DIGITOETS_DB_STATEMENT_TIMEOUT": "7"})
    engine = make_engine("postgresql+psycopg://u@db.invalid/x", connect_timeout=settings.db_connect_timeout,
                         statement_timeout=settings.db_statement_timeout)
    seen = {}

    @event.listens_for(engine, "do_connect")
    def _capture(dialect, conn_rec, cargs, cparams):
        seen.update(cparams)
        raise ConnectionAbortedError("captured; no connection needed")

    with pytest.raises(Exception, match="captured"):
        engine.connect()
    assert seen["connect_timeout"] == 3  # libpq takes whole seconds: rounded up
    assert seen["options"] == "-c statement_timeout=7000"
    assert seen["tcp_user_timeout"] == 7000 and seen["keepalives"] == 1
    assert engine.pool.timeout() == 2.5  # waiting for a pooled connection is bounded too
