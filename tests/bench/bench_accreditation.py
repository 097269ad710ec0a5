"""Benchmark: ledger -> points -> PE-online XML, and certificates, beside naive baselines in one run.

    .venv/bin/python -m tests.bench.bench_accreditation [--entries 100000] [--certificates 1000]

1. points + XML: ``points.derive_points`` over the whole ledger of one organisation on
   PostgreSQL (every registry's activities), then the KNMG-GAIA PE-online documents
   (numbers read and decrypted once, split at 1,000, each checked against the XSD).
   Target: < 5 s for 100,000 ledger entries.
   Naive baseline, measured on a sample of the same people: per person a query for their
   entries, per award an ORM insert with a flush, and per record its own number lookup.
2. certificates: 1,000 certificate PDFs into a ZIP (``certificates.render_batch``). Target
   < 60 s. Naive baseline: per certificate all its data fetched separately
   (``certificates.data`` with no batch-read numbers), on a sample.
Memory: tracemalloc's peak for a half-size and a full-size run of each; "flat" means the
peak does not grow with the number of certificates (they are streamed into the ZIP one by
one) and grows at most linearly with the ledger (the entries of one organisation are held
once, as small tuples).
"""

from __future__ import annotations

import argparse
import io
import time
import tracemalloc
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet
from sqlalchemy import insert, select

from mappings.loader import STARTER_CONTENT, load_folder
from mappings.model import ActivityKind
from mappings import points as rules
from service import crypto
from service import models as m
from service.db import Database, make_engine
from service.migrate import upgrade
from service.operations import accreditation_export as export
from service.operations import certificates, points
from service.operations.content import load_content
from service.pe_online import documents
from tests.bench.bench_xapi_forwarder import drop_postgres, postgres_url

NOW = datetime(2026, 12, 1, tzinfo=UTC)
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
ACCOUNT = documents.Account("bench", "verborgen", "bench@zorg.example")


def seed(database: Database, entries: int, per_person: int = 20) -> int:
    """An organisation whose people each have ``per_person`` coaching sessions of 15 minutes and a BIG number."""
    people = entries // per_person
    with database.begin() as session:
        org = m.Organisation(slug=f"bench-{uuid.uuid4().hex[:6]}", name="Bench")
        session.add(org)
        session.flush()
        ids = session.scalars(insert(m.Person).returning(m.Person.id), [
            {"organisation_id": org.id, "issuer": "https://lms.example", "subject": f"p{n}", "name": f"Persoon {n}",
             "pseudonym": uuid.uuid4()} for n in range(people)]).all()
        knmg = session.scalar(select(m.AccreditationRegistry.id).where(m.AccreditationRegistry.code == "knmg-gaia"))
        session.execute(insert(m.RegistrationNumber), [
            {"person_id": pid, "registry_id": knmg, "number": f"{pid:011d}", "consent_at": NOW} for pid in ids])
        rows = [{"organisation_id": org.id, "person_id": pid, "kind": ActivityKind.COACHING, "minutes": 15,
                 "occurred_at": START + timedelta(days=7 * k), "source": "coaching_session",
                 "source_ref": f"{pid}-{k}", "recorded_at": NOW} for pid in ids for k in range(per_person)]
        for offset in range(0, len(rows), 10_000):
            session.execute(insert(m.LearningHours), rows[offset:offset + 10_000])
        return org.id


def fast(database: Database, org_id: int) -> tuple[float, int, int]:
    began = time.perf_counter()
    with database.begin() as session:
        report = points.derive_points(session, org_id, NOW)
        knmg = session.scalar(select(m.AccreditationRegistry).where(m.AccreditationRegistry.code == "knmg-gaia"))
        selection = export.select_for_export(session, org_id, knmg.id)
        bodies = export.xml_documents(selection, ACCOUNT, knmg.pe_online_org_id)
    return time.perf_counter() - began, report.granted, len(bodies)


def naive(database: Database, org_id: int, sample: int) -> tuple[float, int]:
    """The obvious way, on ``sample`` people: query per person, flush per record, number per record."""
    began = time.perf_counter()
    granted = 0
    with database.begin() as session:
        people = session.scalars(select(m.Person.id).where(m.Person.organisation_id == org_id)
                                 .order_by(m.Person.id.desc()).limit(sample)).all()
        activities = points.active_activities(session)
        records = []
        for person_id in people:
            entries = [rules.Entry(h.id, h.person_id, h.kind, h.minutes, h.occurred_at, h.reverses_id)
                       for h in session.scalars(select(m.LearningHours).where(m.LearningHours.person_id == person_id))]
            for activity in activities:
                for award in rules.evaluate(activity.as_activity(), activity.rule.as_rule(), entries):
                    row = m.AccreditationRecord(**points._grant(org_id, activity, award, NOW))
                    row.award_key = "naive-" + award.key[:34]
                    session.add(row)
                    session.flush()
                    records.append(row)
                    granted += 1
        for row in records:
            if row.accreditation_registry.code != "knmg-gaia":
                continue
            number = export.consented_numbers(session, row.registry_id, [row.person_id]).get(row.person_id)
            documents.build(ACCOUNT, 19, [export.attendance(row, number)])
        session.rollback()
    return time.perf_counter() - began, granted


def certificate_batch(database: Database, org_id: int, count: int) -> tuple[float, int]:
    began = time.perf_counter()
    with database.begin() as session:
        records = session.scalars(select(m.AccreditationRecord).where(
            m.AccreditationRecord.organisation_id == org_id, m.AccreditationRecord.certificate_code.is_not(None))
            .order_by(m.AccreditationRecord.id).limit(count)).all()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, body in certificates.render_batch(session, records, "https://digitoets.example"):
                archive.writestr(name, body)
    return time.perf_counter() - began, len(records)


def certificate_naive(database: Database, org_id: int, count: int) -> float:
    began = time.perf_counter()
    with database.begin() as session:
        ids = session.scalars(select(m.AccreditationRecord.id).where(
            m.AccreditationRecord.organisation_id == org_id, m.AccreditationRecord.certificate_code.is_not(None))
            .order_by(m.AccreditationRecord.id).limit(count)).all()
        for record_id in ids:
            record = session.get(m.AccreditationRecord, record_id)
            certificates.pdf.certificate_pdf(certificates.data(session, record, "https://digitoets.example"))
    return time.perf_counter() - began


def peak(function, *args) -> tuple[object, int]:
    tracemalloc.start()
    result = function(*args)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--certificates", type=int, default=1000)
    parser.add_argument("--naive-people", type=int, default=250)
    args = parser.parse_args()
    crypto.use(crypto.SecretBox([Fernet.generate_key().decode()]))
    url = postgres_url()
    if url is None:
        raise SystemExit("PostgreSQL on 127.0.0.1:5432 is needed for this benchmark")
    try:
        upgrade(url)
        database = Database(url, engine=make_engine(url))
        with database.begin() as session:
            load_content(session, load_folder(STARTER_CONTENT))
        half_org, full_org, timed_org = (seed(database, args.entries // 2), seed(database, args.entries),
                                         seed(database, args.entries))
        (half_time, _, _), half_peak = peak(fast, database, half_org)  # tracemalloc slows it: memory only
        _, full_peak = peak(fast, database, full_org)
        seconds, granted, docs = fast(database, timed_org)
        naive_seconds, naive_granted = naive(database, full_org, args.naive_people)
        people = args.entries // 20
        print(f"ledger -> points -> XML, PostgreSQL, {args.entries} entries of {people} people:")
        print(f"  ours   {seconds:7.2f} s  ({granted} records, {docs} KNMG-GAIA documents)  "
              f"{'meets' if seconds < 5 else 'MISSES'} the 5 s target")
        per_person = naive_seconds / args.naive_people
        print(f"  naive  {naive_seconds:7.2f} s for {args.naive_people} people ({naive_granted} records): "
              f"{per_person * people:7.1f} s extrapolated, {per_person * people / seconds:.0f}x ours")
        print(f"  memory peak {half_peak / 2**20:6.1f} MiB at {args.entries // 2} entries, "
              f"{full_peak / 2**20:6.1f} MiB at {args.entries}")
        _, cert_half_peak = peak(certificate_batch, database, full_org, args.certificates // 2)
        _, cert_peak = peak(certificate_batch, database, full_org, args.certificates)
        cert_seconds, made = certificate_batch(database, full_org, args.certificates)
        naive_cert = certificate_naive(database, full_org, args.certificates // 10)
        print(f"certificates into a ZIP: {made} in {cert_seconds:.2f} s "
              f"({'meets' if cert_seconds < 60 else 'MISSES'} the 60 s target); "
              f"naive {naive_cert * 10:.2f} s extrapolated from {args.certificates // 10}")
        print(f"  memory peak {cert_half_peak / 2**20:6.1f} MiB for {args.certificates // 2}, "
              f"{cert_peak / 2**20:6.1f} MiB for {made} (the ZIP itself is in memory here)")
        database.dispose()
    finally:
        drop_postgres(url)


if __name__ == "__main__":
    main()
