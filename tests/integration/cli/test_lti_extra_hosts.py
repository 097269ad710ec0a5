"""`digitoets lti register --extra-host` (repeatable) stores the LMS's other hosts; `lti list` shows them."""

from __future__ import annotations

from service import models as m

CANVAS = ["lti", "register", "--org", "zorg-c", "--issuer", "https://canvas.instructure.com", "--client-id", "10000",
          "--deployment-id", "d-1", "--auth-login-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
          "--auth-token-url", "https://sso.canvaslms.com/login/oauth2/token",
          "--key-set-url", "https://sso.canvaslms.com/api/lti/security/jwks"]


def _organisation(database):
    with database.begin() as session:
        session.add(m.Organisation(slug="zorg-c", name="Zorg C"))


def _stored(database):
    with database.begin() as session:
        return [row.extra_hosts for row in session.query(m.LtiRegistration)]


def test_extra_hosts_are_registered_and_listed(runner, database):
    _organisation(database)
    result = runner.invoke(args=[*CANVAS, "--extra-host", "School.Instructure.com", "--extra-host", "leren.zorg-c.nl"])
    assert result.exit_code == 0, result.output
    assert _stored(database) == [["school.instructure.com", "leren.zorg-c.nl"]]
    listed = runner.invoke(args=["lti", "list"]).output
    assert "extra hosts school.instructure.com, leren.zorg-c.nl" in listed


def test_an_extra_host_with_a_scheme_is_refused_and_nothing_is_stored(runner, database):
    _organisation(database)
    result = runner.invoke(args=[*CANVAS, "--extra-host", "https://school.instructure.com/"])
    assert result.exit_code != 0
    assert '"https://school.instructure.com/" is geen hostnaam' in result.output
    assert _stored(database) == []
