"""What each PE-online error means, in plain Dutch: what to fix and who can fix it.

Every refusal gets a reason code (for tests and logs) and a sentence for people. The Dutch
texts are catalogue entries (``N_``); the web layer translates them when it shows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.i18n_markers import N_

EMPLOYEE, ADMINISTRATOR, PROVIDER, SUPPORT = "employee", "administrator", "provider", "support"
WHO = {
    EMPLOYEE: N_("de medewerker"),
    ADMINISTRATOR: N_("de accreditatie-administrateur"),
    PROVIDER: N_("de aanbieder (het PE-online-account of het contract)"),
    SUPPORT: N_("de beheerder van Digitoets"),
}


@dataclass(frozen=True)
class Explanation:
    code: str
    text: str
    who: str

    @property
    def who_text(self) -> str:
        return WHO[self.who]


NO_ACCESS = Explanation("no_access", N_(
    "PE-online geeft dit account geen toegang tot de webservice. Laat de webservice aanzetten voor het account, "
    "of kijk de gebruikers-id en sleutel na."), PROVIDER)
TOO_MANY = Explanation("too_many_records", N_(
    "Er zaten meer dan 1000 regels in één bericht. Digitoets splitst dat zelf; meld dit aan de beheerder."), SUPPORT)
INVALID_XML = Explanation("invalid_xml", N_(
    "PE-online kon het bericht niet lezen. Digitoets controleert dat vooraf; meld dit aan de beheerder."), SUPPORT)
NOT_FOUND = Explanation("professional_not_found", N_(
    "Dit registratienummer is niet bekend bij PE-online voor dit register. Vraag de medewerker het nummer na te "
    "kijken bij Mijn registers."), EMPLOYEE)
NOT_ACCREDITED = Explanation("course_not_accredited", N_(
    "De activiteit is niet (of niet meer) geaccrediteerd voor dit register op deze datum. Kijk het cursusnummer en "
    "de periode van de activiteit na, en vraag zo nodig een nieuwe accreditatie aan."), ADMINISTRATOR)
NOT_UNIQUE = Explanation("course_not_unique", N_(
    "De eigen code van de activiteit hoort bij meer dan één cursus in PE-online. Geef de activiteit het "
    "cursusnummer van PE-online (PECourseID) of een unieke eigen code."), ADMINISTRATOR)
EDITION_MISSING = Explanation("edition_missing", N_(
    "Voor een klassikale cursus moet de editie bekend zijn. Vul de editie van de activiteit in."), ADMINISTRATOR)
MEETING_MISSING = Explanation("meeting_missing", N_(
    "Deze klassikale cursus heeft meer dan één bijeenkomst. Dan moet ook de bijeenkomst bekend zijn. Vul de "
    "bijeenkomst van de activiteit in zoals die in PE-online staat."), ADMINISTRATOR)
END_DATE_ON_CLASSROOM = Explanation("end_date_on_classroom", N_(
    "Een klassikale cursus krijgt geen einddatum. Kijk na of het type van de activiteit klopt."), ADMINISTRATOR)
NO_RESELLER = Explanation("no_reseller_attendance", N_(
    "Dit register staat niet toe dat een andere organisatie de aanwezigheid doorgeeft. De aanbieder van de cursus "
    "moet de punten zelf doorgeven, of het register om toestemming vragen."), PROVIDER)
UNKNOWN = Explanation("unknown", N_(
    "PE-online weigerde deze regel. Lees de melding van PE-online hieronder of vraag het na bij PE-online."),
    ADMINISTRATOR)

#: row messages (error 100), matched in this order on PE-online's Dutch text
ROW_PATTERNS: tuple[tuple[re.Pattern, Explanation], ...] = (
    (re.compile(r"bestaat niet in PE", re.I), NOT_FOUND),
    (re.compile(r"niet \(juist\) geaccrediteerd|buiten alle accr", re.I), NOT_ACCREDITED),
    (re.compile(r"niet uniek", re.I), NOT_UNIQUE),
    (re.compile(r"reseller", re.I), NO_RESELLER),
    (re.compile(r"einddatum|enddate", re.I), END_DATE_ON_CLASSROOM),
    (re.compile(r"bijeenkomst|meeting", re.I), MEETING_MISSING),
    (re.compile(r"editie|edition", re.I), EDITION_MISSING),
)
WHOLE_CALL = {400: NO_ACCESS, 500: TOO_MANY, 505: INVALID_XML}


def explain(error_number: int, message: str) -> Explanation:
    """The explanation of one PE-online error (its number and its Dutch message)."""
    if error_number in WHOLE_CALL:
        return WHOLE_CALL[error_number]
    for pattern, explanation in ROW_PATTERNS:
        if pattern.search(message or ""):
            return explanation
    return UNKNOWN


ALL = (NO_ACCESS, TOO_MANY, INVALID_XML, NOT_FOUND, NOT_ACCREDITED, NOT_UNIQUE, EDITION_MISSING, MEETING_MISSING,
       END_DATE_ON_CLASSROOM, NO_RESELLER, UNKNOWN)
BY_CODE = {e.code: e for e in ALL}
