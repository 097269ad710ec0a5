"""``N_``: marks a Dutch text for the translation catalogue without translating it.

For texts that are not shown where they are written, such as the messages of the service's
errors: ``raise ConflictError(N_("Deze hulpvraag is al afgerond."))``. ``pybabel extract`` (see
babel.cfg) puts the text in the catalogue; the web layer translates it when it shows the error
(``service.web.i18n.error_message``). The operations stay free of Flask and of any locale.

Only a fixed text can be looked up: write the whole sentence as one literal, without f-strings
or ``.format`` (a formatted text is not in the catalogue and stays Dutch).
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the name is the gettext convention pybabel looks for
    return message
