"""Dutch by default, English available. Texts are written in Dutch (B1) in the templates and
code, wrapped in ``_()``; ``service/translations/en`` holds the English catalogue.

The messages of the service's errors are Dutch texts marked with ``N_`` where they are raised
(``service.i18n_markers``); ``error_message`` translates them where the web layer shows them.
"""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import Babel, get_locale, gettext

from service.errors import ServiceError
from service.models.texts import localized

LOCALES = ("nl", "en")
LANG_KEY = "lang"


def select_locale() -> str:
    chosen = session.get(LANG_KEY)
    if chosen in LOCALES:
        return chosen
    if request and request.args.get("lang") in LOCALES:
        return request.args["lang"]
    return current_app.config["DIGITOETS_SETTINGS"].default_locale


def current_locale() -> str:
    """The page's language code, as Babel chose it for this request."""
    return str(get_locale() or "nl")


def localized_filter(obj, name: str):
    """``{{ version|localized('title') }}``: a content text in the page's language, Dutch as fallback."""
    return localized(obj, name, current_locale())


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=select_locale, default_domain="messages")
    app.add_template_filter(localized_filter, "localized")


def error_message(exc: Exception) -> str:
    """The message of ``exc`` in the reader's language.

    The Dutch text is the msgid; a text that is not in the catalogue (a formatted one, say)
    comes back as it is.
    """
    if isinstance(exc, ServiceError) and exc.values:
        return gettext(exc.template) % exc.values
    message = str(exc)
    return gettext(message) if message else message  # gettext("") would give the catalogue header
