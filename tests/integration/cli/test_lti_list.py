"""`digitoets lti list`: the ids `lti activate ID` needs, with each registration's status."""

from __future__ import annotations

from service import models as m
from service.operations import registrations


def _register(database, slug, issuer, client_id, status=m.RegistrationStatus.ACTIVE, name=""):
    with database.begin() as session:
        org = session.query(m.Organisation).filter_by(slug=slug).one_or_none()
        if org is None:
            org = m.Organisation(slug=slug, name=f"Organisatie {slug}")
            session.add(org)
            session.flush()
        return registrations.register_platform(
            session, org, issuer=issuer, client_id=client_id, auth_login_url=issuer + "/auth",
            auth_token_url=issuer + "/token", key_set_url=issuer + "/certs", deployment_ids=["7"],
            name=name, status=status).id


def _line_of(output, registration_id):
    return next(line for line in output.splitlines() if line.split()[:1] == [str(registration_id)])


def test_list_shows_ids_and_status_and_the_pending_one_can_be_activated(runner, database):
    active = _register(database, "zorg-a", "https://leren.zorg-a.example", "c-1", name="Moodle Zorg A")
    pending = _register(database, "zorg-b", "https://leren.zorg-b.example", "c-2",
                        status=m.RegistrationStatus.PENDING, name="Moodle - leren.zorg-b.example")
    result = runner.invoke(args=["lti", "list"])
    assert result.exit_code == 0, result.output
    assert _line_of(result.output, active).split()[1:4] == ["active", "zorg-a", "Moodle"]
    assert _line_of(result.output, pending).split()[1:3] == ["pending", "zorg-b"]
    assert "Moodle - leren.zorg-b.example" in _line_of(result.output, pending)
    assert "https://leren.zorg-b.example  client c-2  deployments 7" in result.output

    assert runner.invoke(args=["lti", "activate", str(pending)]).exit_code == 0
    again = runner.invoke(args=["lti", "list", "--org", "zorg-b"]).output
    assert _line_of(again, pending).split()[1] == "active"
    assert "zorg-a" not in again  # --org shows that organisation only


def test_list_without_registrations_says_how_to_add_one(runner, database):
    result = runner.invoke(args=["lti", "list"])
    assert result.exit_code == 0
    assert "no LMS registrations yet" in result.output


def test_list_of_an_unknown_organisation_is_a_usage_error(runner, database):
    result = runner.invoke(args=["lti", "list", "--org", "bestaat-niet"])
    assert result.exit_code == 2 and "no organisation with slug 'bestaat-niet'" in result.output
