"""PE-online attendance documents: built to our XSD, split at 1,000, answers read back, errors explained."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from service.pe_online import documents, explain

ACCOUNT = documents.Account("prov-17", "s3cret", "accreditatie@zorg.example")
WHEN = datetime(2026, 5, 4, 14, 30, tzinfo=UTC)


def record(ref="r1", number="12345678901", course=451907, external=None, module=None, edition=None, end=WHEN):
    return documents.Attendance(ref, number, course, external, module, edition, end)


def parse(body):
    return etree.fromstring(body)


def test_an_e_learning_record_has_its_course_person_module_and_end_date():
    root = parse(documents.build(ACCOUNT, 52, [record(module="1")]))
    assert root.findtext("Settings/orgID") == "52" and root.findtext("Settings/userRole") == "EDU"
    row = root.find("Attendance")
    assert [child.tag for child in row] == ["PECourseID", "externalPersonID", "PEModuleID", "endDate"]
    assert row.findtext("endDate") == "2026-05-04T14:30:00"


def test_a_classroom_record_has_an_edition_and_no_end_date():
    row = parse(documents.build(ACCOUNT, 26, [record(course=None, external="WS-EHEALTH", edition="2026-1", end=None)]))
    row = row.find("Attendance")
    assert [child.tag for child in row] == ["externalCourseID", "externalPersonID", "externalEditionID"]


def test_a_classroom_record_of_an_edition_with_several_meetings_names_the_meeting():
    root = parse(documents.build(ACCOUNT, 26, [
        documents.Attendance("r1", "1234", 176530, None, None, "3", None, meeting_id="2"),
        documents.Attendance("r2", "1234", None, "WS-EHEALTH", None, "2026-1", None, meeting_id="middag")]))
    first, second = root.findall("Attendance")
    assert [(child.tag, child.text) for child in first][2:] == [("PEEditionID", "3"), ("PEMeetingID", "2")]
    assert [(child.tag, child.text) for child in second][2:] == [("externalEditionID", "2026-1"),
                                                                 ("externalMeetingID", "middag")]
    # a meeting belongs to an edition: on its own, or on an e-learning record, the XSD refuses it
    alone = documents.build(ACCOUNT, 26, [record(module="1")]).decode().replace(
        "<PEModuleID>1</PEModuleID>", "<PEMeetingID>1</PEMeetingID>")
    with pytest.raises(documents.InvalidDocumentError, match="PEMeetingID"):
        documents.validate(alone.encode())


def test_the_xsd_refuses_an_end_date_on_a_classroom_record_and_a_record_without_a_person():
    good = documents.build(ACCOUNT, 26, [record(course=176530, edition="3", end=None)]).decode()
    with_date = good.replace("</PEEditionID>", "</PEEditionID>\n    <endDate>2026-05-04T14:30:00</endDate>")
    with pytest.raises(documents.InvalidDocumentError):
        documents.validate(with_date.encode())
    without_person = good.replace("<externalPersonID>12345678901</externalPersonID>", "")
    with pytest.raises(documents.InvalidDocumentError, match="externalPersonID|PEEditionID"):
        documents.validate(without_person.encode())


def test_more_than_1000_records_cannot_go_in_one_document():
    with pytest.raises(documents.InvalidDocumentError):
        documents.build(ACCOUNT, 52, [record(ref=str(i)) for i in range(1001)])


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 3500), st.integers(1, 1000))
def test_the_split_keeps_every_record_exactly_once(count, size):
    records = [record(ref=str(i)) for i in range(count)]
    batches = list(documents.chunks(records, size))
    assert [r.ref for batch in batches for r in batch] == [r.ref for r in records]
    assert all(1 <= len(batch) <= size for batch in batches)


ANSWER = b"""<?xml version="1.0" encoding="utf-8"?>
<Summary><Results><rejected_rows>1</rejected_rows><accepted_rows>1</accepted_rows><total_rows>2</total_rows></Results>
<Error><errorNR>100</errorNR><errorMsg>Professional [99999999999] op regel [2] bestaat niet in PE</errorMsg></Error>
<Accepted><person>12345678901</person><course>451907</course><date>2026-05-04</date></Accepted></Summary>"""


def test_an_answer_is_read_with_its_counts_row_errors_and_accepted_rows():
    answer = documents.read_answer(ANSWER)
    assert (answer.total, answer.accepted, answer.rejected) == (2, 1, 1)
    assert answer.errors == (documents.RowError(100, "Professional [99999999999] op regel [2] bestaat niet in PE", 2),)
    assert answer.accepted_rows == (("12345678901", "451907", "2026-05-04"),)


@pytest.mark.parametrize(("number", "message", "code", "who"), [
    (400, "Geen toegang", "no_access", explain.PROVIDER),
    (500, "Te veel records", "too_many_records", explain.SUPPORT),
    (505, "Ongeldige XML", "invalid_xml", explain.SUPPORT),
    (100, "Professional [123] op regel [1] bestaat niet in PE", "professional_not_found", explain.EMPLOYEE),
    (100, "Cursus [451907] op regel [3] is niet (juist) geaccrediteerd", "course_not_accredited", explain.ADMINISTRATOR),
    (100, "Datum 01-01-2030 valt buiten alle accr. periodes", "course_not_accredited", explain.ADMINISTRATOR),
    (100, "Cursus [DIGI] op regel [1] is niet uniek", "course_not_unique", explain.ADMINISTRATOR),
    (100, "Editie ontbreekt op regel [1]", "edition_missing", explain.ADMINISTRATOR),
    (100, "Editie ontbreekt of is onbekend voor klassikale cursus [WS] op regel [2]", "edition_missing",
     explain.ADMINISTRATOR),
    (100, "Bijeenkomst ontbreekt of is onbekend voor editie [3] van cursus [WS] op regel [1]", "meeting_missing",
     explain.ADMINISTRATOR),
    (100, "Klassikale cursus op regel [1] mag geen einddatum hebben", "end_date_on_classroom", explain.ADMINISTRATOR),
    (100, "De beroepsorganisatie staat geen reseller-presentie toe", "no_reseller_attendance", explain.PROVIDER),
])
def test_every_documented_error_has_a_dutch_explanation_and_someone_who_can_fix_it(number, message, code, who):
    found = explain.explain(number, message)
    assert (found.code, found.who) == (code, who)
    assert found.text and found.who_text


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(15, 240), st.integers(0, 700)), max_size=120), st.randoms())
def test_the_same_ledger_gives_the_same_export_twice(raw, rnd):
    """Ledger -> awards -> PE-online documents: the same entries, in any order, give the same bytes."""
    from datetime import date, timedelta

    from mappings.model import AccreditedActivity, ActivityKind, ActivityType, EarningRule
    from mappings.points import Entry, evaluate

    rule = EarningRule("digicoaching-3-uur", (ActivityKind.COACHING,), min_hours=3, points=3, period_months=12)
    activity = AccreditedActivity("digicoaching", "Digicoaching", ActivityType.EXPERTISEGROEP, rule.code,
                                  valid_from=date(2026, 1, 1), valid_until=date(2027, 12, 31), pe_course_id=451907)
    ledger = [Entry(n, person, ActivityKind.COACHING, minutes, WHEN.replace(month=1, day=1) + timedelta(days=day))
              for n, (person, minutes, day) in enumerate(raw, start=1)]

    def export(entries):
        rows = [documents.Attendance(award.key, f"{award.person_id:011d}", 451907, None, None, None,
                                     award.completed_at) for award in evaluate(activity, rule, entries)]
        return [documents.build(ACCOUNT, 19, batch) for batch in documents.chunks(rows, 7)]

    shuffled = list(ledger)
    rnd.shuffle(shuffled)
    assert export(ledger) == export(shuffled) == export(ledger)
