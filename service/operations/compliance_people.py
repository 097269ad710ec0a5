"""Person-level compliance: the skills matrix per person, the streamed export, and exemptions.

Only where the organisation's ``hr_person_view`` allows it, only for the teams the viewer may
see, and every time written to the audit log. Per person a viewer gets the status per
requirement and the date of the result, nothing else: never answers, scores or help requests
(an open help request shows as the status under it, not as "follow-up").
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from mappings import compliance as rules
from service import models as m
from service.errors import ForbiddenError, InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.limits import INT_MAX
from service.operations import audit
from service.operations import compliance as groups
from service.operations import compliance_sql as q

NO_PERSON_VIEW = N_("Uw organisatie laat geen overzicht per persoon zien. U ziet alleen cijfers per groep.")
REASON_LENGTH = 500


@dataclass(frozen=True)
class PersonStatus:
    """One requirement of one person: the status (never "follow_up") and the day of the result."""

    skill_code: str
    status: str
    observed_on: date | None


@dataclass(frozen=True)
class PersonRow:
    """One person: ``key`` is the person id, or minus the HR record id for an HR row without a launch."""

    key: int
    personnel_number: str | None
    name: str | None
    location_id: int | None
    team_id: int | None
    profile_id: int | None
    statuses: tuple[PersonStatus, ...]


@dataclass(frozen=True)
class TeamMatrix:
    """Requirements x teams: per shown team group, the split of every requirement."""

    columns: tuple[groups.Group, ...]
    skills: tuple[tuple[str, str], ...]  # (code, name), sorted by code
    cells: Mapping[tuple[str, tuple], groups.Split]


def person_rows(session: Session, organisation: m.Organisation, viewer: m.Person, *, today: date,
                filters: groups.Filters | None = None, teams: frozenset[int] | None = None,
                purpose: str = "matrix", batch: int = 500) -> Iterator[PersonRow]:
    """Stream the people in scope with their status per requirement, ordered by person; audit-logged now.

    Rows are read from the database in batches of ``batch``, so an export of 50,000 people
    keeps memory flat. Names only where the organisation stores personal data.

    Raises:
        ForbiddenError: when the organisation does not allow person-level views.
    """
    if not organisation.hr_person_view:
        raise ForbiddenError(NO_PERSON_VIEW)
    filters = filters or groups.Filters()
    day = filters.as_of or today
    scope = groups.scope_of(filters, teams)
    audit.record(session, organisation, viewer, audit.Action.PERSON_STATUSES_VIEWED, f"organisation:{organisation.id}",
                 {"purpose": purpose, **_described(scope), "as_of": day.isoformat()})
    return _stream(session, organisation, day, None if day >= today else day, scope, batch)


def _stream(session, organisation, day, as_of, scope, batch) -> Iterator[PersonRow]:
    req = q.requirement_table(session.get_bind().dialect.name, q.requirement_rows(session, organisation, day))
    rows = q.status_select(organisation, req, day, as_of).subquery("st")
    query = select(rows.c.key, rows.c.number, rows.c.name, rows.c.location_id, rows.c.team_id, rows.c.profile_id,
                   rows.c.skill_id, rows.c.base, rows.c.observed_at)
    for column, wanted in (("location_id", scope.locations), ("team_id", scope.teams),
                           ("profile_id", scope.functions)):
        if wanted is not None:
            query = query.where(rows.c[column].in_(sorted(wanted)))
    codes = dict(session.execute(select(m.Skill.id, m.Skill.code)).all())
    names = organisation.store_personal_data
    if session.get_bind().dialect.name == "postgresql":
        # one row per person (arrays of the requirements), not one per person and requirement:
        # the database groups, Python only unpacks
        per_person = query.subquery("pr")
        query = (select(per_person.c.key, func.min(per_person.c.number), func.min(per_person.c.name),
                        func.min(per_person.c.location_id), func.min(per_person.c.team_id),
                        func.min(per_person.c.profile_id),
                        func.array_agg(aggregate_order_by(per_person.c.skill_id, per_person.c.skill_id)),
                        func.array_agg(aggregate_order_by(per_person.c.base, per_person.c.skill_id)),
                        func.array_agg(aggregate_order_by(per_person.c.observed_at, per_person.c.skill_id)))
                 .group_by(per_person.c.key).order_by(per_person.c.key))
        result = session.execute(query, execution_options={"yield_per": batch})
        with result:
            for key, number, name, location, team, profile, skills, bases, seen in result:
                statuses = tuple(sorted((PersonStatus(codes[skill], base, at.astimezone(UTC).date() if at else None)
                                         for skill, base, at in zip(skills, bases, seen, strict=True)
                                         if skill is not None), key=lambda s: s.skill_code))
                yield PersonRow(key, number, name if names else None, location, team, profile, statuses)
        return
    result = session.execute(query.order_by(rows.c.key, rows.c.skill_id), execution_options={"yield_per": batch})
    with result:  # closes the server-side cursor also when the reader stops early
        yield from _people(result, codes, names)


def _people(result, codes: Mapping[int, str], names: bool) -> Iterator[PersonRow]:
    for key, person in itertools.groupby(result, key=lambda row: row.key):
        found = list(person)
        first = found[0]
        statuses = tuple(sorted((PersonStatus(codes[r.skill_id], r.base, r.observed_at.date() if r.observed_at else None)
                                 for r in found if r.skill_id is not None), key=lambda s: s.skill_code))
        yield PersonRow(key, first.number, first.name if names else None, first.location_id, first.team_id,
                        first.profile_id, statuses)


@dataclass(frozen=True)
class PersonMatrix:
    """Requirements x people of one team: the skill codes (columns) and a row per person."""

    team_id: int
    skills: tuple[str, ...]
    rows: tuple[PersonRow, ...]


def person_matrix(session: Session, organisation: m.Organisation, viewer: m.Person, team_id: int, *, today: date,
                  teams: frozenset[int] | None = None, as_of: date | None = None) -> PersonMatrix:
    """The skills matrix of one team per person (where ``hr_person_view`` allows it); audit-logged.

    Raises:
        ForbiddenError: when person views are off, or the team is not one the viewer may see.
    """
    if teams is not None and team_id not in teams:
        raise ForbiddenError(N_("U mag de medewerkers van dit team niet zien."))
    rows = tuple(person_rows(session, organisation, viewer, today=today, teams=teams,
                             filters=groups.Filters(team_ids=frozenset({team_id}), as_of=as_of)))
    skills = tuple(sorted({s.skill_code for row in rows for s in row.statuses}))
    return PersonMatrix(team_id, skills, rows)


def _described(scope: rules.Scope) -> dict:
    return {name: ",".join(map(str, sorted(values))) for name, values in
            (("locations", scope.locations), ("teams", scope.teams), ("functions", scope.functions))
            if values is not None}


def team_matrix(session: Session, organisation: m.Organisation, *, today: date,
                filters: groups.Filters | None = None, teams: frozenset[int] | None = None) -> TeamMatrix:
    """Requirements x teams from the dashboard's team level (so the group minimum holds here too)."""
    board = groups.dashboard(session, organisation, today=today, level="team", filters=filters or groups.Filters(),
                             teams=teams)
    cells, skills = {}, {}
    for group in board.groups:
        for split in group.requirements:
            cells[(split.skill_code, group.key)] = split
            skills[split.skill_code] = split.skill_name
    return TeamMatrix(board.groups, tuple(sorted(skills.items())), cells)


def grant_exemption(session: Session, organisation: m.Organisation, actor: m.Person, key: int,
                    skill_code: str, reason: str, until: date | None, today: date) -> m.Exemption:
    """HR exempts someone from one skill's requirement until a day (inclusive); audit-logged.

    ``key`` is as in :class:`PersonRow`: a person id, or minus the id of an HR record no launch
    has linked yet. Such a record's exemption stays with the record, so once the person's first
    launch links it, it is theirs (:func:`compliance_sql.exemption_keys`).

    Raises:
        NotFoundError: when nobody with this key is of this organisation.
        InvalidInputError: for an unknown skill, an empty or too long reason, or an end date missing or past.
    """
    person = record = None
    if not 0 < abs(key) <= INT_MAX:
        raise NotFoundError(N_("Deze medewerker bestaat niet."))
    if key > 0:
        person = session.get(m.Person, key)
        if person is None or person.organisation_id != organisation.id:
            raise NotFoundError(N_("Deze medewerker bestaat niet."))
    else:
        record = session.get(m.HrRecord, -key)
        if record is None or record.organisation_id != organisation.id:
            raise NotFoundError(N_("Deze medewerker bestaat niet."))
        if record.person_id is not None:  # linked meanwhile: the person's own exemption
            person, record = session.get(m.Person, record.person_id), None
    errors: dict[str, list[str]] = {}
    skill = session.scalar(select(m.Skill).where(m.Skill.code == skill_code))
    if skill is None:
        errors["skill"] = [N_("Kies een vaardigheid uit de lijst.")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [N_("Schrijf op waarom deze medewerker een vrijstelling krijgt.")]
    elif len(reason) > REASON_LENGTH:
        errors["reason"] = [N_("De reden is te lang. Gebruik hoogstens 500 tekens.")]
    if until is None:
        errors["until"] = [N_("Vul een einddatum in.")]
    elif until < today:
        errors["until"] = [N_("De einddatum ligt in het verleden. Kies vandaag of later.")]
    if errors:
        raise InvalidInputError(N_("De vrijstelling is niet opgeslagen. Kijk de velden na."), errors)
    exemption = m.Exemption(organisation_id=organisation.id, person_id=person.id if person else None,
                            hr_record_id=record.id if record else None, skill_id=skill.id, reason=reason,
                            until=until, granted_by_id=actor.id)
    session.add(exemption)
    session.flush()
    subject = f"person:{person.id}" if person else f"hr_record:{record.id}"
    audit.record(session, organisation, actor, audit.Action.EXEMPTION_GRANTED, subject,
                 {"skill": skill.code, "until": until.isoformat(), "exemption": exemption.id})
    return exemption
