"""Values every template may use: the locale, level and status names, the privacy statement."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from service import models as m
from service.operations import help_requests
from service.web import current_settings
from service.web.auth import current_roles


def level_names() -> dict[int, str]:
    """The words for levels 0-4 (mappings/README.md), used on the result, overview and plan alike."""
    return {0: _("nog aan het begin"), 1: _("met hulp"), 2: _("zelfstandig"), 3: _("vaardig"), 4: _("kan anderen uitleggen")}


def level_meanings() -> dict[int, str]:
    """One plain sentence per level, shown once per page under "Wat betekenen de niveaus?"."""
    return {
        0: _("Je liet in de toets nog niet zien dat je dit met hulp kunt. Dat is niet erg: hier begin je."),
        1: _("Je kunt het met hulp of met een handleiding."),
        2: _("Je doet het dagelijkse werk zelf."),
        3: _("Je doet het zelf, ook als iets anders gaat dan normaal. Kleine problemen los je op."),
        4: _("Je legt het uit aan collega's en helpt hen."),
    }


def self_rating_labels() -> list[str]:
    """The four fixed answers of a self-rating, in the order of mappings.scoring.SELF_RATING_LABELS."""
    return [_("Kan ik nog niet"), _("Kan ik met hulp"), _("Kan ik zelfstandig"), _("Kan ik anderen uitleggen")]


def help_status_names() -> dict[str, str]:
    return {
        "new": _("verstuurd"), "claimed": _("een digicoach heeft je vraag opgepakt"),
        "planned": _("er is een afspraak gepland"), "resolved": _("afgerond"), "cancelled": _("ingetrokken"),
        "closed": _("gesloten"),
    }


def privacy_lines(org: m.Organisation) -> list[str]:
    """Plain sentences on who can see what, following the organisation's privacy settings."""
    lines = [_("Jij ziet altijd je eigen resultaten.")]
    group = org.min_group_size
    if org.result_visibility is m.ResultVisibility.EMPLOYEE_ONLY:
        lines.append(ngettext("HR en je leidinggevende zien geen resultaten van jou alleen. Ze zien alleen cijfers van groepen van minstens %(num)d mens.",
                              "HR en je leidinggevende zien geen resultaten van jou alleen. Ze zien alleen cijfers van groepen van minstens %(num)d mensen.", group))
    elif org.result_visibility is m.ResultVisibility.MANAGER:
        lines.append(ngettext("Je leidinggevende ziet je niveau per vaardigheid. HR ziet alleen cijfers van groepen van minstens %(num)d mens.",
                              "Je leidinggevende ziet je niveau per vaardigheid. HR ziet alleen cijfers van groepen van minstens %(num)d mensen.", group))
    else:
        lines.append(_("HR en je leidinggevende zien je niveau per vaardigheid."))
    if org.help_request_mode is m.HelpRequestMode.OPT_IN:
        lines.append(_("Een digicoach ziet je resultaat alleen voor een vaardigheid waarvoor jij hulp vraagt."))
    else:
        lines.append(_("Is je niveau lager dan je functie vraagt? Dan maakt Digitoets zelf een hulpvraag voor een digicoach. Die ziet dan je resultaat voor die vaardigheid."))
    if org.teacher_sees_levels:
        lines.append(_("Je docent ziet of je de toets hebt gemaakt, je score en je niveau per vaardigheid. Niet je antwoorden."))
    else:
        lines.append(_("Je docent ziet of je de toets hebt gemaakt en je score. Niet je niveaus en niet je antwoorden."))
    if org.store_personal_data:
        lines.append(_("We bewaren je naam en e-mailadres uit de leeromgeving."))
    else:
        lines.append(_("We bewaren je naam en e-mailadres niet. Je resultaten staan onder een nummer."))
    lines.append(ngettext("Je toetsantwoorden worden na %(num)d maand verwijderd.", "Je toetsantwoorden worden na %(num)d maanden verwijderd.",
                          org.retention_months))
    return lines


def person_roles() -> set[str]:
    """The tool roles of whoever is signed in, as the database has them (read once per request)."""
    return set(current_roles())


#: (locale, name) -> the fixed texts of that name, translated once per process (issue 13)
_fixed_texts: dict[tuple[str, str], object] = {}


def _fixed(locale: str, build) -> object:
    """``build()`` for this locale, made once: the texts are fixed, only their language varies."""
    key = (locale, build.__name__)
    if key not in _fixed_texts:
        _fixed_texts[key] = build()
    return _fixed_texts[key]


def init_app(app: Flask) -> None:
    @app.context_processor
    def _globals():
        locale = str(get_locale() or "nl")
        return {
            "person_roles": person_roles(),
            "current_locale": locale,
            "level_names": _fixed(locale, level_names),
            "level_meanings": _fixed(locale, level_meanings),
            "help_message_max": help_requests.MESSAGE_MAX,
            "self_rating_labels": _fixed(locale, self_rating_labels),
            "help_status_names": _fixed(locale, help_status_names),
            "privacy_lines": privacy_lines,
            "dev_login_enabled": current_settings().dev_login,
        }
