"""Benchmark: ledger -> points -> PE-online XML, and certificates, as ratios to baselines measured in this run.

    .venv/bin/python -m tests.bench.bench_accreditation [--entries 100000] [--certificates 1000]

1. points + XML: ``points.derive_points`` over the whole ledger of one organisation on
   PostgreSQL (every registry's activities, 1,000 people per chunk), then the KNMG-GAIA export
   as ``accreditation_admin.export_xml`` makes it (keyset pages of 1,000 records, each written
   with ``lxml.etree.xmlfile``, checked against the XSD, marked exported, into a ZIP on disk).
   Target: < 5 s for 100,000 ledger entries.
   Baselines: "read" is one plain SELECT of the whole ledger (the floor: no way is faster than
   reading the rows once); "naive", measured on a sample of the same people and extrapolated,
   is a query per person, an ORM insert with a flush per award and a number lookup per record.
2. certificates: 1,000 certificate PDFs into a ZIP file (``certificates.activity_zip``, 50 per
   page). Target < 60 s. Naive baseline: per certificate all its data fetched separately
   (``certificates.data``), on a sample.
Memory: tracemalloc's peak for a half-size and a full-size run of each; "flat" means the
full-size peak is about the half-size one (ratio near 1.0; 2.0 would be linear growth).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import tracemalloc
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import insert, select, update

from mappings.loader import STARTER_CONTENT, load_folder
from mappings.model import ActivityKind
from mappings import points as rules
from service import crypto
from service import models as m
from service.db import Database, make_engine
from service.migrate import upgrade
from service.operations import accreditation_admin as admin
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


def fast(database: Database, org_id: int, directory: Path) -> tuple[float, int, int]:
    began = time.perf_counter()
    with database.begin() as session:
        report = points.derive_points(session, org_id, NOW)
        knmg = session.scalar(select(m.AccreditationRegistry).where(m.AccreditationRegistry.code == "knmg-gaia"))
        result = admin.export_xml(session, session.get(m.Organisation, org_id), None, knmg, None, None, NOW, directory)
        with zipfile.ZipFile(result.path) as archive:
            docs = len(archive.namelist())
        result.path.unlink()
    return time.perf_counter() - began, report.granted, docs


def read_floor(database: Database, org_id: int) -> float:
    """The floor: read every ledger row of the organisation once, nothing else."""
    began = time.perf_counter()
    with database.begin() as session:
        rows = session.execute(select(m.LearningHours.id, m.LearningHours.person_id, m.LearningHours.minutes,
                                      m.LearningHours.occurred_at).where(m.LearningHours.organisation_id == org_id)).all()
    assert rows
    return time.perf_counter() - began


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


def certificate_batch(database: Database, org_id: int, count: int, directory: Path) -> tuple[float, int]:
    """``count`` certificates of one activity into a ZIP file (the activity gets exactly that many)."""
    began = time.perf_counter()
    with database.begin() as session:
        activity = session.scalar(select(m.AccreditationRecord.activity_id).where(
            m.AccreditationRecord.organisation_id == org_id, m.AccreditationRecord.certificate_code.is_not(None)))
        keep = session.scalars(select(m.AccreditationRecord.id).where(
            m.AccreditationRecord.organisation_id == org_id, m.AccreditationRecord.activity_id == activity,
            m.AccreditationRecord.certificate_code.is_not(None)).order_by(m.AccreditationRecord.id).limit(count)).all()
        # only the first ``count`` of the activity keep their certificate (rolled back afterwards)
        session.execute(update(m.AccreditationRecord).where(
            m.AccreditationRecord.organisation_id == org_id, m.AccreditationRecord.activity_id == activity,
            m.AccreditationRecord.id.not_in(keep)).values(certificate_code=None)
            .execution_options(synchronize_session=False))
        organisation = session.get(m.Organisation, org_id)
        _name, path, made = certificates.activity_zip(session, organisation, None, activity, "https://digitoets.example",
                                                      directory)
        path.unlink()
        session.rollback()
    return time.perf_counter() - began, made


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
    directory = Path(tempfile.mkdtemp(prefix="bench-accreditation-"))
    try:
        upgrade(url)
        database = Database(url, engine=make_engine(url))
        with database.begin() as session:
            load_content(session, load_folder(STARTER_CONTENT))
        half_org, full_org, timed_org = (seed(database, args.entries // 2), seed(database, args.entries),
                                         seed(database, args.entries))
        with database.engine.connect() as connection:  # what autovacuum does soon after a bulk load
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        _, half_peak = peak(fast, database, half_org, directory)  # tracemalloc slows it: memory only
        _, full_peak = peak(fast, database, full_org, directory)
        floor = read_floor(database, timed_org)
        seconds, granted, docs = fast(database, timed_org, directory)
        naive_seconds, naive_granted = naive(database, full_org, args.naive_people)
        people = args.entries // 20
        naive_full = naive_seconds / args.naive_people * people
        print(f"ledger -> points -> XML, PostgreSQL, {args.entries} entries of {people} people "
              f"({granted} records, {docs} KNMG-GAIA documents):")
        print(f"  ours   {seconds:7.2f} s  = {seconds / floor:5.1f}x reading the ledger once ({floor:.2f} s), "
              f"{naive_full / seconds:5.0f}x faster than naive ({naive_full:.1f} s extrapolated from "
              f"{args.naive_people} people, {naive_granted} records)")
        print(f"  target < 5 s: {'met' if seconds < 5 else 'MISSED'} ({seconds / 5:.2f} of the target)")
        print(f"  memory peak {half_peak / 2**20:6.1f} MiB at {args.entries // 2} entries, "
              f"{full_peak / 2**20:6.1f} MiB at {args.entries}: ratio {full_peak / half_peak:.2f} "
              f"(1.0 flat, 2.0 linear)")
        _, cert_half_peak = peak(certificate_batch, database, full_org, args.certificates // 2, directory)
        _, cert_peak = peak(certificate_batch, database, full_org, args.certificates, directory)
        cert_seconds, made = certificate_batch(database, full_org, args.certificates, directory)
        naive_cert = certificate_naive(database, full_org, args.certificates // 10) * 10
        print(f"certificates into a ZIP file: {made} in {cert_seconds:.2f} s = {cert_seconds / naive_cert:.2f}x the naive "
              f"way ({naive_cert:.2f} s extrapolated from {args.certificates // 10}); target < 60 s: "
              f"{'met' if cert_seconds < 60 else 'MISSED'} ({cert_seconds / 60:.2f} of the target)")
        print(f"  memory peak {cert_half_peak / 2**20:6.1f} MiB for {args.certificates // 2}, "
              f"{cert_peak / 2**20:6.1f} MiB for {made}: ratio {cert_peak / cert_half_peak:.2f} (1.0 flat, 2.0 linear)")
        database.dispose()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        drop_postgres(url)


if __name__ == "__main__":
    main()
