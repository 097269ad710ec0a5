"""A new production install signs from its first request; /readyz says when the tool cannot work."""

from __future__ import annotations

import logging

import pytest

from service import create_app
from service.config import Settings
from service.db import Database
from service.errors import ConfigurationError
from service.migrate import downgrade, upgrade

BASE = "https://toets.zorg.example"


def _production(tmp_path, database_url, **overrides) -> Settings:
    values = dict(
        env="production", instance_path=tmp_path / "instance", database_url=database_url,
        secret_key="production-secret-key-that-is-long-enough-0123", base_url=BASE,
        encryption_key="7BlOXl1eSIdosawHBTK0ZlhxOPqbKIpOT2CqJncky_U=",  # required in production (secrets at rest)
    )
    return Settings(**(values | overrides))


def test_a_new_production_install_has_a_signing_key_and_its_login_works(tmp_path, database_url, database):
    settings = _production(tmp_path, database_url)
    assert not settings.resolved_lti_key_path.exists()  # nobody ran `digitoets lti rotate-keys`
    client = create_app(settings, database=database).test_client()
    assert len(client.get("/lti/jwks", base_url=BASE).get_json()["keys"]) == 1
    # no registration yet: a clear 4xx about the unknown LMS, not the 500 of a missing key
    login = client.post("/lti/login", base_url=BASE, data={
        "iss": "https://lms.example", "login_hint": "1", "target_link_uri": f"{BASE}/lti/launch", "client_id": "x"})
    assert 400 <= login.status_code < 500
    assert client.get("/readyz", base_url=BASE).get_json() == {"status": "ready"}


def test_workers_starting_together_share_one_first_key(tmp_path, database_url, database):
    settings = _production(tmp_path, database_url)
    first = create_app(settings, database=database).extensions["digitoets.lti"].keys.current()
    second = create_app(settings, database=database).extensions["digitoets.lti"].keys.current()
    assert first.kid == second.kid


def test_the_service_refuses_to_start_when_it_cannot_make_a_key(tmp_path, database_url, database):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the key folder should be")
    with pytest.raises(ConfigurationError, match="DIGITOETS_LTI_KEY_PATH"):
        create_app(_production(tmp_path, database_url, lti_key_path=blocked), database=database)


def test_readyz_says_when_the_tool_cannot_sign(tmp_path, database_url, database, caplog):
    settings = _production(tmp_path, database_url)
    client = create_app(settings, database=database).test_client()
    assert client.get("/readyz", base_url=BASE).status_code == 200
    (settings.resolved_lti_key_path / "keys.json").unlink()  # the key folder was lost after start-up
    with caplog.at_level(logging.ERROR, logger="service.web.health"):
        response = client.get("/readyz", base_url=BASE)
    assert response.status_code == 503
    assert response.get_json() == {"status": "not_ready", "reason": "signing_key"}
    assert "cannot sign" in caplog.text
    assert client.get("/healthz", base_url=BASE).status_code == 200  # up, but not ready


def test_readyz_says_when_migrations_are_not_at_head(tmp_path, empty_database_url):
    upgrade(empty_database_url)
    downgrade(empty_database_url, "-1")
    db = Database(empty_database_url)
    try:
        response = create_app(_production(tmp_path, empty_database_url), database=db).test_client().get(
            "/readyz", base_url=BASE)
        assert response.status_code == 503
        assert response.get_json() == {"status": "not_ready", "reason": "migrations"}
        upgrade(empty_database_url)
        response = create_app(_production(tmp_path, empty_database_url), database=db).test_client().get(
            "/readyz", base_url=BASE)
        assert response.get_json() == {"status": "ready"}
    finally:
        db.dispose()


def test_readyz_says_when_the_database_is_unreachable(tmp_path):
    settings = _production(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    response = create_app(settings).test_client().get("/readyz", base_url=BASE)
    assert response.status_code == 503
    assert response.get_json() == {"status": "not_ready", "reason": "database"}
