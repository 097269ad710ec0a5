"""The preview of an HR import (what it adds, changes and ends) and applying it, all rows or none.

Every file is a full export: a current record whose personnel number is not in the file is
marked as left (``left_reason`` "missing"), as is a row whose end of employment has passed
("end_date"). Records are never deleted; someone who comes back is current again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import models as m
from service.i18n_markers import N_
from service.operations.audit import Action
from service.operations.audit import record as audit
from service.operations.hr_dashboard_cache import forget as forget_dashboard_figures
from service.operations.hr_import.fields import HrRow, check_rows, missing_columns
from service.operations.hr_import.files import ParsedFile, Problem
from service.operations.hr_import.links import apply_to_person, find_person, link, sync_manager_role
from service.operations.launches import profile_for_code

#: a file that leaves out more current employees than this share (and more than MANY_LEAVERS_MIN)
#: is applied only when confirmed: a half-copied nightly file must not mark half the staff as left
MANY_LEAVERS_SHARE = 0.2
MANY_LEAVERS_MIN = 5

COMPARED = ("function_profile_id", "team", "location", "manager_number", "employed_from", "employed_until",
            "email", "name")


@dataclass
class Report:
    """What an import does (preview) or did (applied); the same report on the web and the command line."""

    file_name: str
    rows_read: int
    problems: list[Problem] = field(default_factory=list)
    added: list[HrRow] = field(default_factory=list)
    changed: list[tuple[HrRow, tuple[str, ...]]] = field(default_factory=list)
    ended: list[tuple[str, str]] = field(default_factory=list)  # (personnel number, "end_date" | "missing")
    unchanged: int = 0
    unmatched: list[str] = field(default_factory=list)  # personnel numbers linked to no LMS person
    run_id: int | None = None
    #: current employees before the import, for the many-leavers check
    current: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def missing(self) -> int:
        return sum(1 for _, reason in self.ended if reason == "missing")

    @property
    def many_leavers(self) -> bool:
        """More current employees missing from the file than is likely: ask for a confirmation."""
        return self.missing > max(MANY_LEAVERS_MIN, MANY_LEAVERS_SHARE * self.current)


class HrImportRefused(Exception):
    """Raised by ``apply`` when the report has problems: nothing was stored."""

    def __init__(self, report: Report):
        super().__init__(f"{len(report.problems)} problems")
        self.report = report


@dataclass
class _Target:
    row: HrRow
    values: dict
    ends: bool


def _lookup(session: Session, organisation: m.Organisation):
    cache: dict[str, int | None] = {}

    def profile_id(code: str) -> int | None:
        if code not in cache:
            profile = profile_for_code(session, organisation, code)
            cache[code] = profile.id if profile is not None else None
        return cache[code]
    return profile_id


def _person_keys(session: Session, organisation: m.Organisation) -> tuple[set[str], set[str]]:
    """Personnel numbers the LMS sent, and e-mails where names may be kept: what an HR row can match."""
    numbers = set(session.scalars(select(m.Person.personnel_number).where(
        m.Person.organisation_id == organisation.id, m.Person.personnel_number.is_not(None))))
    emails = set()
    if organisation.store_personal_data:
        emails = {e.lower() for e in session.scalars(select(m.Person.email).where(
            m.Person.organisation_id == organisation.id, m.Person.email.is_not(None)))}
    return numbers, emails


def _places(session: Session, model, organisation: m.Organisation) -> dict[str, object]:
    places = {}
    for place in session.scalars(select(model).where(model.organisation_id == organisation.id)):
        places.setdefault(place.name.lower(), place)
        places[place.code.lower()] = place
    return places


def _current(record: m.HrRecord) -> dict:
    return {"function_profile_id": record.function_profile_id,
            "team": record.team.code.lower() if record.team else None,
            "location": record.location.code.lower() if record.location else None,
            "manager_number": record.manager_number, "employed_from": record.employed_from,
            "employed_until": record.employed_until, "email": record.email, "name": record.name}


def preview(session: Session, organisation: m.Organisation, parsed: ParsedFile, file_name: str,
            mapping: dict[str, str], now: datetime) -> tuple[Report, list[_Target]]:
    """The report of importing ``parsed`` with ``mapping``; stores nothing."""
    report = Report(file_name, len(parsed.rows), list(parsed.problems))
    report.problems += missing_columns(mapping, parsed.headers)
    if not parsed.rows:
        report.problems.append(Problem(N_("Het bestand heeft alleen een kopregel en geen medewerkers."), {}, row=1))
    if not report.ok:
        return report, []
    profile_id = _lookup(session, organisation)
    rows, problems = check_rows(parsed.rows, parsed.headers, mapping, lambda code: profile_id(code) is not None, now.date())
    report.problems += problems
    if not report.ok:
        return report, []
    keep_names = organisation.store_personal_data
    teams, locations = _places(session, m.Team, organisation), _places(session, m.Location, organisation)
    records = {r.personnel_number: r for r in session.scalars(
        select(m.HrRecord).where(m.HrRecord.organisation_id == organisation.id))}
    numbers, emails = _person_keys(session, organisation)
    targets = []
    for row in rows:
        team = teams.get((row.team or "").lower())
        location = locations.get((row.location or "").lower())
        values = {"function_profile_id": profile_id(row.function_code),
                  "team": (team.code.lower() if team else row.team[:64].lower()) if row.team else None,
                  "location": (location.code.lower() if location else row.location[:64].lower()) if row.location else None,
                  "manager_number": row.manager_number, "employed_from": row.employed_from,
                  "employed_until": row.employed_until,
                  "email": row.email if keep_names else None, "name": row.name if keep_names else None}
        ends = row.employed_until is not None and row.employed_until < now.date()
        targets.append(_Target(row, values, ends))
        record = records.get(row.personnel_number)
        if record is None:
            report.added.append(row)
        else:
            changed = tuple(name for name in COMPARED if _current(record)[name] != values[name])
            if ends and record.left_at is None:
                report.ended.append((row.personnel_number, "end_date"))
            elif changed or (record.left_at is not None and not ends):
                report.changed.append((row, changed or ("left_at",)))
            else:
                report.unchanged += 1
        linked = record is not None and record.person_id is not None
        if not linked and row.personnel_number not in numbers and not (values["email"] and values["email"] in emails):
            report.unmatched.append(row.personnel_number)
    in_file = {row.personnel_number for row in rows}
    report.ended += [(number, "missing") for number, record in sorted(records.items())
                     if number not in in_file and record.left_at is None]
    report.current = sum(1 for record in records.values() if record.left_at is None)
    return report, targets


def _place(session: Session, model, organisation: m.Organisation, places: dict, text: str | None, **extra):
    if not text:
        return None
    place = places.get(text.lower()) or places.get(text[:64].lower())
    if place is None:
        place = model(organisation_id=organisation.id, code=text[:64], name=text[:200], **extra)
        session.add(place)
        session.flush()
        places[text[:64].lower()] = place
    return place


def apply(session: Session, organisation: m.Organisation, parsed: ParsedFile, file_name: str, file_sha256: str,
          mapping: dict[str, str], now: datetime, *, actor: m.Person | None = None, via: str = "web",
          confirm_leavers: bool = False) -> Report:
    """Store the import: every row or none. Returns the report with the run's id.

    Raises:
        HrImportRefused: when the preview has any problem, or would mark many employees as left
            without ``confirm_leavers`` (nothing is stored).
    """
    report, targets = preview(session, organisation, parsed, file_name, mapping, now)
    if not report.ok or (report.many_leavers and not confirm_leavers):
        raise HrImportRefused(report)
    run = m.HrImportRun(organisation_id=organisation.id, actor_id=actor.id if actor else None, via=via,
                        file_name=file_name[:255], file_sha256=file_sha256, status=m.HrImportStatus.APPLIED,
                        rows_read=report.rows_read, added=len(report.added), changed=len(report.changed),
                        ended=len(report.ended), unchanged=report.unchanged, unmatched=len(report.unmatched),
                        started_at=now)
    session.add(run)
    session.flush()
    teams, locations = _places(session, m.Team, organisation), _places(session, m.Location, organisation)
    records = {r.personnel_number: r for r in session.scalars(
        select(m.HrRecord).where(m.HrRecord.organisation_id == organisation.id))}
    touched = {row.personnel_number for row in report.added} | {row.personnel_number for row, _ in report.changed}
    touched |= {number for number, _ in report.ended}
    for target in targets:
        row, values = target.row, target.values
        record = records.get(row.personnel_number)
        if record is None:
            record = records[row.personnel_number] = m.HrRecord(
                organisation_id=organisation.id, personnel_number=row.personnel_number, first_import_id=run.id)
            session.add(record)
        record.last_import_id = run.id
        if row.personnel_number not in touched:
            continue
        location = _place(session, m.Location, organisation, locations, row.location)
        team = _place(session, m.Team, organisation, teams, row.team, location_id=location.id if location else None)
        record.function_code, record.function_name = row.function_code, row.function_name
        record.function_profile_id = values["function_profile_id"]
        record.team_id, record.location_id = (team.id if team else None), (location.id if location else None)
        record.manager_number, record.email, record.name = values["manager_number"], values["email"], values["name"]
        record.employed_from, record.employed_until = values["employed_from"], values["employed_until"]
        if target.ends and record.left_at is None:
            record.left_at, record.left_reason = now, "end_date"
        elif not target.ends:
            record.left_at, record.left_reason = None, None
        record.updated_at = now
    in_file = {target.row.personnel_number for target in targets}
    for number, record in records.items():
        if number not in in_file and record.left_at is None:
            record.left_at, record.left_reason, record.updated_at = now, "missing", now
    session.flush()
    managers = {r.manager_number for r in records.values() if r.left_at is None and r.manager_number}
    numbers, emails = _person_keys(session, organisation)
    for number, record in records.items():
        person = record.person if record.person_id is not None else None
        if person is None and (number in numbers or (record.email or "").lower() in emails):
            found = find_person(session, organisation, record)
            if found is not None:
                link(session, record, found, now)
                person = found
        elif person is not None and number in touched:
            apply_to_person(session, record, person, now)
        if person is not None:
            sync_manager_role(session, person, record, leads=record.left_at is None and number in managers)
    run.finished_at = now
    report.run_id = run.id
    audit(session, organisation, actor, Action.HR_IMPORT_APPLIED, f"hr_import:{run.id}",
          {"file": file_sha256[:12], "added": run.added, "changed": run.changed, "ended": run.ended,
           "unmatched": run.unmatched, "via": via})
    session.flush()
    forget_dashboard_figures(session, organisation)  # the page computes live (HR sees the import at once); the worker stores anew
    return report
