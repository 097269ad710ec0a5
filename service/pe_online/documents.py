"""Build PE-online attendance documents, check them against our XSD, and read the answers.

lxml does both the writing and the XSD 1.0 validation (libxml2: fast enough for 100,000
records and the library most XML tooling in Python stands on). No database here.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from lxml import etree

XSD = Path(__file__).with_name("attendance.xsd")
#: PE-online refuses a call with more records (error 500)
MAX_RECORDS = 1000
#: the web service path on PE-online's host
SERVICE_PATH = "/pe-services/pe-attendanceelearning/WriteAttendance.asmx/ProcessXML"
DUTCH = 1


class InvalidDocumentError(Exception):
    """Raised when a document we built does not match the XSD (it never leaves the service then)."""


@dataclass(frozen=True)
class Account:
    """The organisation's PE-online provider account, or what a downloaded file shows of it."""

    user_id: str
    user_key: str
    email: str
    report_by_mail: bool = True


@dataclass(frozen=True)
class Attendance:
    """One record for PE-online: a person's number, the course as accredited, and when it was completed."""

    ref: str  # our record's uuid (never sent): to map answers back
    person_number: str
    pe_course_id: int | None
    external_course_id: str | None
    module_id: str | None
    edition_id: str | None
    end_date: datetime | None  # None for a classroom course
    #: a classroom course with more than one meeting: which meeting (PE-online refuses the row without it)
    meeting_id: str | None = None

    @property
    def course(self) -> str:
        return str(self.pe_course_id) if self.pe_course_id is not None else str(self.external_course_id)


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def _id_element(parent, pe_name: str, external_name: str, value: str, use_pe: bool) -> None:
    """A module, edition or meeting: PE-online's numeric id when the course is given by PECourseID, else our code."""
    name = pe_name if use_pe and value.isdigit() else external_name
    etree.SubElement(parent, name).text = value


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def _settings(account: Account, org_id: int) -> etree._Element:
    settings = etree.Element("Settings")
    for name, value in (("userID", account.user_id), ("userRole", "EDU"), ("userKey", account.user_key),
                        ("orgID", str(org_id)), ("settingOutput", "1" if account.report_by_mail else "0"),
                        ("emailOutput", account.email), ("languageID", str(DUTCH)), ("defaultLanguageID", str(DUTCH))):
        etree.SubElement(settings, name).text = value
    return settings


def _row(record: Attendance) -> etree._Element:
    row = etree.Element("Attendance")
    use_pe = record.pe_course_id is not None
    etree.SubElement(row, "PECourseID" if use_pe else "externalCourseID").text = record.course
    etree.SubElement(row, "externalPersonID").text = record.person_number
    if record.edition_id:  # classroom: an edition (and a meeting when it has several), never an endDate
        _id_element(row, "PEEditionID", "externalEditionID", record.edition_id, use_pe)
        if record.meeting_id:
            _id_element(row, "PEMeetingID", "externalMeetingID", record.meeting_id, use_pe)
        return row
    if record.module_id:
        _id_element(row, "PEModuleID", "externalmoduleID", record.module_id, use_pe)
    etree.SubElement(row, "endDate").text = _when(record.end_date)
    return row


def build(account: Account, org_id: int, records: Iterable[Attendance]) -> bytes:
    """One request document for one registry (``org_id``) with at most ``MAX_RECORDS`` records.

    Written element by element (``lxml.etree.xmlfile``): no tree of the whole document is
    built before it is checked, and a document never holds more than 1,000 records.

    Raises:
        InvalidDocumentError: when the result does not match the XSD, naming the first problem.
    """
    records = list(records)  # at most 1,000: the caller splits with ``chunks``
    if not 1 <= len(records) <= MAX_RECORDS:
        raise InvalidDocumentError(f"a document holds 1 to {MAX_RECORDS} records, not {len(records)}")
    out = io.BytesIO()
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element("Entry"):
            xf.write(_settings(account, org_id), pretty_print=True)
            for record in records:
                xf.write(_row(record), pretty_print=True)
    document = out.getvalue()
    validate(document)
    return document


def validate(document: bytes) -> None:
    """Check a document against ``attendance.xsd``.

    Raises:
        InvalidDocumentError: naming the line and the reason of the first problem.
    """
    try:
        tree = etree.fromstring(document, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise InvalidDocumentError(f"not well-formed XML: {exc}") from exc
    xsd = schema()
    if not xsd.validate(tree):
        error = xsd.error_log.filter_from_errors()[0]
        raise InvalidDocumentError(f"line {error.line}: {error.message}")


def chunks(records: Iterable[Attendance], size: int = MAX_RECORDS) -> Iterator[list[Attendance]]:
    """The records in documents of at most ``size``, each record in exactly one."""
    batch: list[Attendance] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class RowError:
    number: int  # PE-online's error number: 100 for a row, 400/500/505 for the whole call
    message: str
    row: int | None  # 1-based position in the document, when the message names it


@dataclass(frozen=True)
class Answer:
    """PE-online's ``Summary``: counts, an error per problem, an accepted element per good row."""

    total: int
    accepted: int
    rejected: int
    errors: tuple[RowError, ...]
    accepted_rows: tuple[tuple[str, str, str], ...]  # (person, course, date)


ROW = re.compile(r"regel\s*\[?\s*(\d+)", re.IGNORECASE)


def _int(node, path: str) -> int:
    text = node.findtext(path)
    return int(text) if text and text.strip().isdigit() else 0


def read_answer(body: bytes) -> Answer:
    """Read a ``Summary`` document (PE-online may wrap it in a ``string`` element with escaped XML).

    Raises:
        InvalidDocumentError: when the body is not such a document.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser=parser)
        if root.tag.split("}")[-1] == "string" and root.text and "<Summary" in root.text:
            root = etree.fromstring(root.text.encode("utf-8"), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidDocumentError(f"PE-online's answer is not XML: {exc}") from exc
    if root.tag != "Summary":
        raise InvalidDocumentError(f"PE-online's answer is a {root.tag}, not a Summary")
    errors = []
    for node in root.iter("Error"):
        message = (node.findtext("errorMsg") or "").strip()
        found = ROW.search(message)
        errors.append(RowError(_int(node, "errorNR"), message, int(found.group(1)) if found else None))
    accepted = tuple(((n.findtext("person") or "").strip(), (n.findtext("course") or "").strip(),
                      (n.findtext("date") or "").strip()) for n in root.iter("Accepted"))
    return Answer(_int(root, "Results/total_rows"), _int(root, "Results/accepted_rows"),
                  _int(root, "Results/rejected_rows"), tuple(errors), accepted)
