"""The DIGITOETS_SMTP_* settings: mail waits without them, and a wrong one names the variable."""

from __future__ import annotations

import pytest

from service.config import Settings
from service.errors import ConfigurationError

HOST = {"DIGITOETS_SMTP_HOST": "smtp.zorg.example", "DIGITOETS_SMTP_FROM": "Digitoets <noreply@zorg.example>"}


def test_without_a_host_mail_is_not_configured_and_waits():
    settings = Settings.from_env({})
    assert not settings.mail_configured


def test_a_full_smtp_configuration_is_read():
    settings = Settings.from_env({**HOST, "DIGITOETS_SMTP_USERNAME": "digitoets", "DIGITOETS_SMTP_PASSWORD": "geheim",
                                  "DIGITOETS_SMTP_SECURITY": "ssl", "DIGITOETS_SMTP_TIMEOUT": "4.5"})
    assert settings.mail_configured
    assert (settings.smtp_host, settings.resolved_smtp_port, settings.smtp_security) == ("smtp.zorg.example", 465, "ssl")
    assert (settings.smtp_username, settings.smtp_password, settings.smtp_timeout) == ("digitoets", "geheim", 4.5)
    assert "geheim" not in repr(settings)
    assert Settings.from_env(HOST).resolved_smtp_port == 587  # starttls is the default
    assert Settings.from_env({**HOST, "DIGITOETS_SMTP_PORT": "2525"}).resolved_smtp_port == 2525


def test_the_password_can_come_from_a_file(tmp_path):
    secret = tmp_path / "smtp-password"
    secret.write_text("uit-een-bestand\n", encoding="utf-8")
    settings = Settings.from_env({**HOST, "DIGITOETS_SMTP_USERNAME": "digitoets",
                                  "DIGITOETS_SMTP_PASSWORD_FILE": str(secret)})
    assert settings.smtp_password == "uit-een-bestand"
    with pytest.raises(ConfigurationError, match="DIGITOETS_SMTP_PASSWORD_FILE cannot be read"):
        Settings.from_env({**HOST, "DIGITOETS_SMTP_USERNAME": "x", "DIGITOETS_SMTP_PASSWORD_FILE": str(tmp_path / "nee")})
    with pytest.raises(ConfigurationError, match="not both"):
        Settings.from_env({**HOST, "DIGITOETS_SMTP_USERNAME": "x", "DIGITOETS_SMTP_PASSWORD": "y",
                           "DIGITOETS_SMTP_PASSWORD_FILE": str(secret)})


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"DIGITOETS_SMTP_FROM": ""}, "DIGITOETS_SMTP_FROM is required"),
        ({"DIGITOETS_SMTP_FROM": "geen adres"}, "DIGITOETS_SMTP_FROM must be an e-mail address"),
        ({"DIGITOETS_SMTP_FROM": "a@b@c.nl"}, "DIGITOETS_SMTP_FROM must be an e-mail address"),
        ({"DIGITOETS_SMTP_PORT": "vijf"}, "DIGITOETS_SMTP_PORT must be a port number"),
        ({"DIGITOETS_SMTP_PORT": "70000"}, "DIGITOETS_SMTP_PORT must be a port number"),
        ({"DIGITOETS_SMTP_TIMEOUT": "lang"}, "DIGITOETS_SMTP_TIMEOUT must be a number"),
        ({"DIGITOETS_SMTP_TIMEOUT": "0"}, "DIGITOETS_SMTP_TIMEOUT must be more than 0"),
        ({"DIGITOETS_SMTP_SECURITY": "tls"}, "DIGITOETS_SMTP_SECURITY must be one of starttls, ssl, none"),
        ({"DIGITOETS_SMTP_USERNAME": "zonder-wachtwoord"}, "DIGITOETS_SMTP_USERNAME and DIGITOETS_SMTP_PASSWORD"),
    ],
)
def test_a_wrong_smtp_setting_names_the_variable(extra, message):
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env({**HOST, **extra})


def test_plain_smtp_to_another_host_is_refused_in_production():
    # the SMTP rule alone: other production requirements (keys, https) have tests of their own
    production = Settings(env="production", smtp_host="smtp.zorg.example", smtp_security="none",
                          smtp_from="noreply@zorg.example")
    with pytest.raises(ConfigurationError, match="DIGITOETS_SMTP_SECURITY=none is refused in production"):
        production._validate_smtp()
    Settings(env="production", smtp_host="localhost", smtp_security="none", smtp_from="noreply@zorg.example")._validate_smtp()
    Settings(env="development", smtp_host="smtp.zorg.example", smtp_security="none",
             smtp_from="noreply@zorg.example")._validate_smtp()
