"""WTForms for the admin pages (Flask-WTF adds CSRF); labels and messages in Dutch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional

from service import models as m
from service.limits import column_length


URL_CHECK = URL(require_tld=False, message=_l("Vul een volledig adres in, met https://."))
#: an LRS password may be long, but its stored (encrypted) form must still fit its column
LRS_PASSWORD_MAX = 200


def fits(attribute) -> Length:
    """At most as many characters as the column ``attribute`` holds (``m.Person.name``: 200)."""
    return Length(max=column_length(attribute), message=_l("Dit is te lang: gebruik hoogstens %(max)d tekens."))


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
            SelectChoice(m.HelpRequestMode.OPT_IN.value, _l("De medewerker vraagt zelf hulp na de toets")),
            SelectChoice(m.HelpRequestMode.AUTOMATIC.value, _l("Automatisch bij een te laag niveau")),
        ],
    )
    retention_months = IntegerField(
        _l("Toetsantwoorden bewaren (maanden)"),
        validators=[InputRequired(_l("Vul een getal in.")), NumberRange(1, 120, _l("Kies een getal van 1 tot en met 120."))],
    )
    leaver_months = IntegerField(
        _l("Na hoeveel maanden zonder gebruik telt iemand als vertrokken?"),
        description=_l("Daarna halen we de naam en het account uit de leeromgeving weg. "
                       "Uren en punten voor accreditatie blijven, zonder naam."),
        validators=[Optional(), NumberRange(1, 240, _l("Kies een getal van 1 tot en met 240."))],
    )
    store_personal_data = BooleanField(_l("Naam en e-mailadres uit de leeromgeving bewaren"))
    hr_person_view = BooleanField(
        _l("HR en leidinggevenden zien per medewerker of die voldoet"),
        description=_l("Aan: HR en leidinggevenden zien per medewerker of die voldoet aan de eisen van de functie, "
                       "met de datum van de uitslag. Nooit de antwoorden, scores of hulpvragen. "
                       "Uit: zij zien alleen cijfers per groep, en nooit een groep met te weinig medewerkers. "
                       "Elke keer dat iemand gegevens per medewerker bekijkt of downloadt, komt in het logboek."),
    )
    teacher_sees_levels = BooleanField(_l("Docenten zien in het cursusoverzicht het niveau per vaardigheid"))
    default_function = SelectField(
        _l("Functie voor wie zijn functie niet weet"),
        description=_l("Kiest een medewerker 'Weet ik niet / staat er niet bij'? Dan krijgt die deze functie. "
                       "Bij 'Geen' staat die keuze er niet."),
        choices=[], default="",
    )
    xapi_identify_by_email = BooleanField(_l("In het LRS medewerkers met naam en e-mail vastleggen (anders met een nummer)"))
    lrs_endpoint = StringField(
        _l("Adres van het LRS"),
        description=_l("Een LRS (learning record store) is een opslag voor leergegevens. Vul het xAPI-adres in "
                       "dat je van het LRS kreeg, bijvoorbeeld https://lrs.voorbeeld.nl/xapi/."),
        validators=[Optional(), URL_CHECK, fits(m.Organisation.lrs_endpoint)],
    )
    lrs_username = StringField(_l("Gebruikersnaam voor het LRS"), validators=[Optional(), fits(m.Organisation.lrs_username)])
    lrs_password = PasswordField(_l("Wachtwoord voor het LRS (leeg laten: niet veranderen)"), validators=[
        Optional(), Length(max=LRS_PASSWORD_MAX, message=_l("Dit is te lang: gebruik hoogstens %(max)d tekens."))])


class RegistrationForm(FlaskForm):
    """An LMS registered by hand (when it does not support dynamic registration).

    The LTI names (issuer, client-ID, deployment-ID, ...) stay, because the LMS shows them too;
    each field explains in Dutch what it is and where to find it.
    """

    name = StringField(_l("Naam (bijvoorbeeld Moodle Zorgacademie)"), validators=[Optional(), fits(m.LtiRegistration.name)])
    issuer = StringField(
        _l("Platform-ID (issuer)"),
        description=_l("Het adres waarmee je leeromgeving zich bekendmaakt, meestal het adres van de site."),
        validators=[InputRequired(_l("Vul de platform-ID (issuer) in.")), URL_CHECK, fits(m.LtiRegistration.issuer)],
    )
    client_id = StringField(
        _l("Client-ID"),
        description=_l("Het nummer dat je leeromgeving aan Digitoets gaf toen je de externe tool aanmaakte."),
        validators=[InputRequired(_l("Vul de client-ID in.")), fits(m.LtiRegistration.client_id)],
    )
    deployment_id = StringField(
        _l("Deployment-ID"),
        description=_l("Het nummer van deze installatie van Digitoets in je leeromgeving. In Moodle is dit het nummer "
                       "van de externe tool."),
        validators=[InputRequired(_l("Vul de deployment-ID in.")), fits(m.LtiDeployment.deployment_id)],
    )
    extra_hosts = TextAreaField(
        _l("Andere adressen van deze leeromgeving"),
        description=_l("Alleen nodig als je leeromgeving ook op een ander adres staat dan de platform-ID, zoals "
                       "bij Canvas: school.instructure.com. Eén hostnaam per regel, zonder https://."),
        validators=[Optional()],
    )
    auth_login_url = StringField(
        _l("Inlogadres van de leeromgeving (OIDC)"),
        description=_l("Hierheen stuurt Digitoets iemand om het inloggen te controleren."),
        validators=[InputRequired(_l("Vul het inlogadres van de leeromgeving in.")), URL_CHECK,
                    fits(m.LtiRegistration.auth_login_url)],
    )
    auth_token_url = StringField(
        _l("Adres voor toegangsbewijzen (token-URL)"),
        description=_l("Hier vraagt Digitoets toestemming om cijfers te sturen en deelnemers op te halen."),
        validators=[InputRequired(_l("Vul het adres voor toegangsbewijzen in.")), URL_CHECK,
                    fits(m.LtiRegistration.auth_token_url)],
    )
    key_set_url = StringField(
        _l("Adres van de sleutels van de leeromgeving (JWKS)"),
        description=_l("Met deze sleutels controleert Digitoets dat een start echt uit je leeromgeving komt."),
        validators=[InputRequired(_l("Vul het adres van de sleutels in.")), URL_CHECK, fits(m.LtiRegistration.key_set_url)],
    )
    auth_audience = StringField(
        _l("Ontvanger van het toegangsbewijs (audience)"),
        description=_l("Alleen invullen als je leeromgeving hier een ander adres noemt dan het adres voor toegangsbewijzen."),
        validators=[Optional(), fits(m.LtiRegistration.auth_audience)],
    )
    function_parameter = StringField(
        _l("Naam van de extra gegevens met de functiecode"),
        description=_l("Je leeromgeving kan bij elke start extra gegevens meesturen (in Moodle heet dat "
                       "custom parameters). Onder deze naam zoekt Digitoets de functiecode van de medewerker."),
        default="digitoets_function",
        validators=[InputRequired(_l("Vul de naam in waaronder de leeromgeving dit meestuurt.")),
                    fits(m.LtiRegistration.function_parameter)],
    )
    role_parameter = StringField(
        _l("Naam van de extra gegevens met rollen in Digitoets"),
        description=_l("Onder deze naam zoekt Digitoets extra rollen voor een persoon. De waarden blijven zoals ze "
                       "zijn: hr, manager, coach of accreditation."),
        default="digitoets_roles",
        validators=[InputRequired(_l("Vul de naam in waaronder de leeromgeving dit meestuurt.")),
                    fits(m.LtiRegistration.role_parameter)],
    )
    personnel_number_parameter = StringField(
        _l("Naam van de extra gegevens met het personeelsnummer"),
        description=_l("Zo koppelt Digitoets de medewerker aan de gegevens van HR. Stuurt je leeromgeving het "
                       "personeelsnummer al mee als lis_person_sourcedid? Dan is dit niet nodig."),
        default="digitoets_personnel_number",
        validators=[Optional(), fits(m.LtiRegistration.personnel_number_parameter)],
    )


class FunctionCodeForm(FlaskForm):
    hr_code = StringField(_l("Functiecode uit HR of de leeromgeving"),
                          validators=[InputRequired(_l("Vul een functiecode in.")), fits(m.OrganisationFunctionCode.hr_code)])
    profile = SelectField(_l("Functieprofiel"))


class HrUploadForm(FlaskForm):
    file = FileField(_l("HR-bestand (CSV of Excel)"), validators=[FileRequired(_l("Kies een bestand."))],
                     description=_l("Een export uit je HR-systeem, bijvoorbeeld Youforce of AFAS."))


class HrMappingForm(FlaskForm):
    """Only the CSRF token: the column choices depend on the file and are read by the view."""
