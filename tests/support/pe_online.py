"""A stand-in for PE-online's attendance web service, on loopback.

This is the one test double the accreditation tests allow: PE-online itself cannot be
reached from a test (a paid provider account, real professionals' dossiers). It follows the
documented behaviour: POST form field ``sXML``; a ``Summary`` answer with counts, an ``Error``
per problem and an ``Accepted`` per good row; 505 for XML it cannot read, 500 over 1,000
records, 400 for an account without web-service access, 100 with a row message for an
unknown professional, a course not accredited on that date, a classroom course with an
endDate, a classroom record without a known edition ("edition missing") or, for an edition
with more than one meeting, without a known meeting, and a registry that allows no reseller
attendance. An e-learning record sent twice (same person, course and endDate) is accepted
but written once; so is a classroom record (same person, course, edition and meeting).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from lxml import etree
from werkzeug.serving import make_server

PATH = "/pe-services/pe-attendanceelearning/WriteAttendance.asmx/ProcessXML"


@dataclass
class Course:
    valid_from: date
    valid_until: date
    classroom: bool = False
    #: a classroom course's editions in PE-online: edition id -> how many meetings it has
    editions: dict[str, int] = field(default_factory=dict)


@dataclass
class StandIn:
    """What the stand-in knows: accounts, professionals per orgID, courses per orgID."""

    keys: dict[str, str] = field(default_factory=dict)  # userID -> userKey with web-service access
    professionals: dict[int, set[str]] = field(default_factory=dict)
    courses: dict[int, dict[str, Course]] = field(default_factory=dict)
    no_reseller: set[int] = field(default_factory=set)
    unavailable: int = 0  # answer the next N calls with HTTP 503
    calls: list[bytes] = field(default_factory=list)
    written: set[tuple] = field(default_factory=set)  # (orgID, person, course, endDate) in dossiers

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] != PATH or environ["REQUEST_METHOD"] != "POST":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qs(environ["wsgi.input"].read(length).decode("utf-8"))
        if self.unavailable:
            self.unavailable -= 1
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"busy"]
        document = (form.get("sXML") or [""])[0].encode("utf-8")
        self.calls.append(document)
        body = self.answer(document).encode("utf-8")
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]

    def answer(self, document: bytes) -> str:
        try:
            root = etree.fromstring(document)
        except etree.XMLSyntaxError:
            return summary(0, [(505, "Ongeldige XML")], [])
        rows = root.findall("Attendance")
        settings = root.find("Settings")
        if settings is None or self.keys.get(settings.findtext("userID")) != settings.findtext("userKey"):
            return summary(len(rows), [(400, "Geen toegang tot de webservice")], [])
        if len(rows) > 1000:
            return summary(len(rows), [(500, "Maximaal 1000 records per aanroep")], [])
        org = int(settings.findtext("orgID"))
        errors, accepted = [], []
        for number, row in enumerate(rows, start=1):
            problem = self._row_problem(org, number, row)
            if problem:
                errors.append((100, problem))
                continue
            person, course = row.findtext("externalPersonID"), row.findtext("PECourseID") or row.findtext("externalCourseID")
            day = (row.findtext("endDate") or "")[:10]
            edition = row.findtext("PEEditionID") or row.findtext("externalEditionID")
            if edition:  # classroom: the edition and meeting are the occasion, there is no endDate
                meeting = row.findtext("PEMeetingID") or row.findtext("externalMeetingID")
                self.written.add((org, person, course, edition, meeting))
            else:
                self.written.add((org, person, course, row.findtext("endDate")))
            accepted.append((person, course, day))
        return summary(len(rows), errors, accepted)

    def _row_problem(self, org: int, number: int, row) -> str | None:
        person = row.findtext("externalPersonID")
        course_id = row.findtext("PECourseID") or row.findtext("externalCourseID")
        if org in self.no_reseller:
            return "De beroepsorganisatie staat geen reseller-presentie toe"
        if person not in self.professionals.get(org, set()):
            return f"Professional [{person}] op regel [{number}] bestaat niet in PE"
        course = self.courses.get(org, {}).get(course_id)
        end = row.findtext("endDate")
        if course is not None and course.classroom and end:
            return f"Cursus [{course_id}] op regel [{number}] is klassikaal en mag geen einddatum (endDate) hebben"
        day = date.fromisoformat(end[:10]) if end else None
        if course is None or (day and not course.valid_from <= day <= course.valid_until):
            return (f"Cursus [{course_id}] op regel [{number}] is niet (juist) geaccrediteerd; "
                    f"Datum {end or '-'} valt buiten alle accr. periodes")
        if course.classroom:
            return self._occasion_problem(course, course_id, number, row)
        return None

    @staticmethod
    def _occasion_problem(course: Course, course_id: str, number: int, row) -> str | None:
        """A classroom record names a known edition and, when the edition has several meetings, the meeting."""
        edition = row.findtext("PEEditionID") or row.findtext("externalEditionID")
        if edition not in course.editions:
            return f"Editie ontbreekt of is onbekend voor klassikale cursus [{course_id}] op regel [{number}]"
        meetings = course.editions[edition]
        meeting = row.findtext("PEMeetingID") or row.findtext("externalMeetingID")
        if meetings > 1 and not (meeting and meeting.isdigit() and 1 <= int(meeting) <= meetings):
            return (f"Bijeenkomst ontbreekt of is onbekend voor editie [{edition}] van cursus [{course_id}] "
                    f"op regel [{number}]")
        return None


def summary(total: int, errors: list[tuple[int, str]], accepted: list[tuple[str, str, str]]) -> str:
    parts = [f"<Summary><Results><rejected_rows>{len([e for e in errors if e[0] == 100])}</rejected_rows>"
             f"<accepted_rows>{len(accepted)}</accepted_rows><total_rows>{total}</total_rows></Results>"]
    parts += [f"<Error><errorNR>{nr}</errorNR><errorMsg>{escape(msg)}</errorMsg></Error>" for nr, msg in errors]
    parts += [f"<Accepted><person>{p}</person><course>{c}</course><date>{d}</date></Accepted>" for p, c, d in accepted]
    return '<?xml version="1.0" encoding="utf-8"?>' + "".join(parts) + "</Summary>"


class Running:
    def __init__(self, stand_in: StandIn):
        self.stand_in = stand_in
        self.server = make_server("127.0.0.1", 0, stand_in, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
