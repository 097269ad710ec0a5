"""WTForms for the admin pages (Flask-WTF adds CSRF); labels and messages in Dutch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, InputRequired, NumberRange, Optional

from service import models as m


class OrganisationSettingsForm(FlaskForm):
    result_visibility = SelectField(
        _l("Wie ziet losse resultaten van een medewerker?"),
        choices=[
            SelectChoice(m.ResultVisibility.EMPLOYEE_ONLY.value, _l("Alleen de medewerker zelf")),
            SelectChoice(m.ResultVisibility.MANAGER.value, _l("De medewerker en de leidinggevende")),
            SelectChoice(m.ResultVisibility.HR.value, _l("De medewerker, de leidinggevende en HR")),
        ],
    )
    min_group_size = IntegerField(
        _l("Kleinste groep voor teamcijfers"),
        validators=[InputRequired(_l("Vul een getal in.")), NumberRange(2, 100, _l("Kies een getal van 2 tot en met 100."))],
    )
    help_request_mode = SelectField(
        _l("Hulpvragen"),
        choices=[
            SelectChoice(m.HelpRequestMode.OPT_IN.value, _l("De medewerker kiest zelf (ik wil hulp hierbij)")),
            SelectChoice(m.HelpRequestMode.AUTOMATIC.value, _l("Automatisch bij een te laag niveau")),
        ],
    )
    retention_months = IntegerField(
        _l("Toetsantwoorden bewaren (maanden)"),
        validators=[InputRequired(_l("Vul een getal in.")), NumberRange(1, 120, _l("Kies een getal van 1 tot en met 120."))],
    )
    store_personal_data = BooleanField(_l("Naam en e-mailadres uit de leeromgeving bewaren"))
    xapi_identify_by_email = BooleanField(_l("In het LRS medewerkers met naam en e-mail vastleggen (anders met een nummer)"))
    lrs_endpoint = StringField(
        _l("Adres van het LRS (xAPI-endpoint)"),
        validators=[Optional(), URL(require_tld=False, message=_l("Vul een volledig adres in, met https://."))],
    )
    lrs_username = StringField(_l("Gebruikersnaam voor het LRS"), validators=[Optional()])
    lrs_password = PasswordField(_l("Wachtwoord voor het LRS (leeg laten: niet veranderen)"), validators=[Optional()])


class RegistrationForm(FlaskForm):
    """An LMS registered by hand (when it does not support dynamic registration)."""

    name = StringField(_l("Naam (bijvoorbeeld Moodle Zorgacademie)"), validators=[Optional()])
    issuer = StringField(_l("Issuer (platform-ID)"), validators=[InputRequired(_l("Vul de issuer in.")), URL(require_tld=False, message=_l("Vul een volledig adres in, met https://."))])
    client_id = StringField(_l("Client-ID"), validators=[InputRequired(_l("Vul de client-ID in."))])
    deployment_id = StringField(_l("Deployment-ID"), validators=[InputRequired(_l("Vul de deployment-ID in."))])
    auth_login_url = StringField(_l("Authenticatie-URL (OIDC)"), validators=[InputRequired(_l("Vul de authenticatie-URL in.")), URL(require_tld=False, message=_l("Vul een volledig adres in, met https://."))])
    auth_token_url = StringField(_l("Token-URL"), validators=[InputRequired(_l("Vul de token-URL in.")), URL(require_tld=False, message=_l("Vul een volledig adres in, met https://."))])
    key_set_url = StringField(_l("Sleutelset-URL (JWKS) van het platform"), validators=[InputRequired(_l("Vul de sleutelset-URL in.")), URL(require_tld=False, message=_l("Vul een volledig adres in, met https://."))])
    auth_audience = StringField(_l("Token-audience (alleen als die afwijkt van de token-URL)"), validators=[Optional()])
    function_parameter = StringField(_l("Custom parameter met de functiecode"), default="digitoets_function",
                                     validators=[InputRequired(_l("Vul de naam van de parameter in."))])
    role_parameter = StringField(_l("Custom parameter met extra rollen (hr, coach, accreditation)"), default="digitoets_roles",
                                 validators=[InputRequired(_l("Vul de naam van de parameter in."))])


class FunctionCodeForm(FlaskForm):
    hr_code = StringField(_l("Functiecode uit HR of de leeromgeving"), validators=[InputRequired(_l("Vul een functiecode in."))])
    profile = SelectField(_l("Functieprofiel"))
