"""Logs: one JSON line per request in production shape, request ids, one line per failure, no personal data."""

from __future__ import annotations

import json
import logging

import pytest
from flask.logging import default_handler

from service import create_app
from tests.support.web import Browser


def _lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


@pytest.fixture
def json_app(settings, database):
    app = create_app(settings.__class__(**{**settings.__dict__, "log_format": "json"}), database=database)
    yield app
    create_app(settings, database=database)  # back to the default (text) handler for later tests


def test_each_request_writes_one_json_access_line_with_its_request_id_route_and_tenant(json_app, make_person, capsys):
    person = make_person(subject="emp-geheim-42")
    browser = Browser(json_app.test_client()).sign_in(person)
    capsys.readouterr()
    page = browser.get("/mijn-overzicht")
    assert page.status_code == 200
    output = capsys.readouterr().err
    access = [entry for entry in _lines(output) if entry["logger"] == "service.access"]
    assert len(access) == 1, output
    [line] = access
    assert line["request_id"] == page.headers["X-Request-ID"] and len(line["request_id"]) == 32
    assert (line["route"], line["method"], line["status"]) == ("/mijn-overzicht", "GET", 200)
    assert isinstance(line["duration_ms"], float)
    with json_app.extensions["digitoets"].begin() as session:
        from service import models as m
        assert line["tenant"] == session.get(m.Person, person).organisation_id
    assert "emp-geheim-42" not in output  # the LMS subject (a person's id at the LMS) is never logged


def test_a_proxys_request_id_is_kept_and_junk_is_replaced(json_app, capsys):
    client = json_app.test_client()
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21"}).headers["X-Request-ID"] == "lb-7f3a9c21"
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script> x"}).headers["X-Request-ID"]
    assert replaced != "<script>alert(1)</script> x" and len(replaced) == 32
    ids = [e["request_id"] for e in _lines(capsys.readouterr().err) if e["logger"] == "service.access"]
    assert ids == ["lb-7f3a9c21", replaced]


def test_an_unexpected_failure_is_one_error_line_with_the_traceback_and_the_request_id(json_app, capsys):
    # A bug cannot be caused on purpose in the real views: this test-only route stands in for one.
    json_app.add_url_rule("/test-only/boom", "boom", lambda: 1 / 0)
    capsys.readouterr()
    response = json_app.test_client().get("/test-only/boom")
    assert response.status_code == 500
    lines = _lines(capsys.readouterr().err)
    errors = [e for e in lines if e["level"] == "ERROR"]
    assert len(errors) == 1 and "ZeroDivisionError" in errors[0]["error"]
    assert [e["status"] for e in lines if e["logger"] == "service.access"] == [500]
    assert {e["request_id"] for e in lines} == {response.headers["X-Request-ID"]}
    # Flask never added its own handler: every record went through the one root handler
    assert default_handler not in logging.getLogger("service").handlers


def test_development_logs_are_readable_lines_with_the_request_id(app, capsys):
    capsys.readouterr()
    response = app.test_client().get("/healthz")
    output = capsys.readouterr().err
    line = next(text for text in output.splitlines() if "service.access" in text)
    assert not line.startswith("{") and f"[{response.headers['X-Request-ID']}]" in line and "GET /healthz 200" in line
