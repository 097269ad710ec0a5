"""A title and a sentence for every HTTP error status, in the reader's language.

Werkzeug's own pages are English ("The requested URL was not found on the server..."), so every
status werkzeug can raise (``werkzeug.exceptions.default_exceptions``) has its own Dutch text
here; the English is in the catalogue. A status missing from the table falls back to the text
of its class (4xx or 5xx).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DEFAULT_CLIENT_ERROR = (_l("Dat lukte niet"), _l("Dit verzoek kan niet. Ga terug en probeer het opnieuw."))
DEFAULT_SERVER_ERROR = (
    _l("Er ging iets mis"),
    _l("Er ging iets mis aan onze kant. Je antwoorden zijn bewaard. Probeer het later opnieuw."),
)

STATUS_TEXTS = {
    400: (_l("Dit verzoek klopt niet"),
          _l("Je browser stuurde iets wat Digitoets niet begrijpt. Ga terug en probeer het opnieuw.")),
    401: (_l("Je bent niet aangemeld"),
          _l("Je bent niet (meer) aangemeld. Open Digitoets opnieuw vanuit je leeromgeving.")),
    403: (_l("Geen toegang"),
          _l("Je mag deze pagina niet openen. Denk je dat dit niet klopt? Vraag het aan de beheerder van "
             "Digitoets in je organisatie.")),
    404: (_l("Pagina niet gevonden"),
          _l("Deze pagina bestaat niet (meer). Kijk of het adres klopt, of ga naar de startpagina.")),
    405: (_l("Dit kan zo niet"), _l("Dit kan zo niet. Ga terug en probeer het opnieuw.")),
    406: (_l("Niet in deze vorm"), _l("Deze pagina is er niet in de vorm die je browser vraagt.")),
    408: (_l("Dat duurde te lang"), _l("Het versturen duurde te lang. Probeer het opnieuw.")),
    409: (_l("Dat kan nu niet"),
          _l("Dit kan nu niet meer, want er is intussen iets veranderd. Laad de pagina opnieuw en kijk "
             "of het al gelukt is.")),
    410: (_l("Niet meer beschikbaar"), _l("Deze pagina is er niet meer.")),
    411: (_l("Verzoek niet compleet"), _l("Je browser stuurde een verzoek dat niet compleet was. Probeer het opnieuw.")),
    412: (_l("Pagina veranderd"), _l("Deze pagina is intussen veranderd. Laad de pagina opnieuw en probeer het nog eens.")),
    413: (_l("Te veel tekst"),
          _l("Je stuurde te veel tekst of een te groot bestand. Maak het korter of kleiner en probeer het opnieuw.")),
    414: (_l("Adres te lang"), _l("Het adres van deze pagina is te lang. Ga naar de startpagina en begin opnieuw.")),
    415: (_l("Soort gegevens onbekend"), _l("Digitoets kan dit soort gegevens niet lezen.")),
    416: (_l("Deel niet beschikbaar"), _l("Dit deel van het bestand bestaat niet.")),
    417: (_l("Verzoek niet uitgevoerd"), _l("Digitoets kan niet doen wat je browser vooraf vroeg. Probeer het opnieuw.")),
    418: (_l("Geen thee"), _l("Digitoets zet geen thee. Dit verzoek kan niet.")),
    421: (_l("Verkeerde server"), _l("Dit verzoek kwam bij de verkeerde server aan. Probeer het opnieuw.")),
    422: (_l("Invoer klopt niet"), _l("Iets wat je invulde klopt niet. Kijk het na en probeer het opnieuw.")),
    423: (_l("Op slot"), _l("Dit staat nu op slot. Probeer het later opnieuw.")),
    424: (_l("Dat lukte niet"), _l("Dit lukte niet, omdat een stap ervoor niet lukte. Probeer het opnieuw.")),
    428: (_l("Pagina opnieuw laden"), _l("Laad de pagina opnieuw en probeer het nog eens.")),
    429: (_l("Even wachten"), _l("Je deed veel in korte tijd. Wacht even en probeer het dan opnieuw.")),
    431: (_l("Verzoek te groot"),
          _l("Je browser stuurde te veel gegevens mee. Wis de cookies van deze site en probeer het opnieuw.")),
    451: (_l("Niet beschikbaar"), _l("Deze pagina mag om wettelijke redenen niet getoond worden.")),
    500: DEFAULT_SERVER_ERROR,
    501: (_l("Kan (nog) niet"), _l("Dit kan Digitoets (nog) niet.")),
    502: (_l("Geen verbinding"),
          _l("Digitoets kreeg geen goed antwoord van een andere server. Probeer het later opnieuw.")),
    503: (_l("Even niet beschikbaar"),
          _l("Digitoets is even niet beschikbaar, bijvoorbeeld door onderhoud. Probeer het later opnieuw.")),
    504: (_l("Dat duurde te lang"), _l("Een andere server antwoordde niet op tijd. Probeer het later opnieuw.")),
    505: (_l("Browser niet ondersteund"),
          _l("Je browser gebruikt een versie van HTTP die Digitoets niet kent. Gebruik een andere browser.")),
}


def status_texts(code: int) -> tuple[str, str]:
    """The title and the sentence for ``code``, translated now."""
    title, sentence = STATUS_TEXTS.get(code) or (DEFAULT_SERVER_ERROR if code >= 500 else DEFAULT_CLIENT_ERROR)
    return str(title), str(sentence)
