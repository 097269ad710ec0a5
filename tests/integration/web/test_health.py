"""/healthz tells an operator whether the service and its database are up."""

from __future__ import annotations

from service import create_app
from service.config import Settings


def test_healthz_reports_the_database(client, engine):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "dialect": engine.dialect.name}
    assert body["outbox"] == {"pending": 0}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    # a real refused connection: nothing listens on port 1
    settings = Settings(
        env="testing",
        instance_path=tmp_path,
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        secret_key="x" * 40,
    )
    response = create_app(settings).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == {"ok": False, "dialect": "postgresql"}
