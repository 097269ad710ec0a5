"""What HR and managers may see behind a cell of the skills matrix: one person's status per requirement.

Built on :func:`service.operations.compliance_people.person_rows`, so the same rules hold: only
where the organisation allows person-level views, only within the viewer's teams, audit-logged,
and per requirement only the status and its date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service import models as m
from service.errors import NotFoundError
from service.i18n_markers import N_
from service.limits import INT_MAX
from service.operations import compliance as groups
from service.operations import compliance_people as people

NO_SUCH_PERSON = N_("Deze medewerker bestaat niet of u mag hem niet zien.")


@dataclass(frozen=True)
class PersonMatrix:
    """Requirements x people of one selection: skill codes with names, and the people in order."""

    skills: tuple[tuple[str, str], ...]
    people: tuple[people.PersonRow, ...]


def team_people(session: Session, organisation: m.Organisation, viewer: m.Person, *, today: date,
                filters: groups.Filters, teams: frozenset[int] | None) -> PersonMatrix:
    """The people of a selection with their status per requirement (audit-logged by ``person_rows``).

    Raises:
        ForbiddenError: when the organisation does not allow person-level views.
    """
    rows = tuple(people.person_rows(session, organisation, viewer, today=today, filters=filters, teams=teams,
                                    purpose="matrix"))
    codes = sorted({s.skill_code for row in rows for s in row.statuses})
    names = dict(session.execute(select(m.Skill.code, m.Skill.name).where(m.Skill.code.in_(codes))).all())
    return PersonMatrix(tuple((code, names.get(code, code)) for code in codes), rows)


def one_person(session: Session, organisation: m.Organisation, viewer: m.Person, key: int, *, today: date,
               teams: frozenset[int] | None) -> people.PersonRow:
    """One person of the matrix (``key`` as in :class:`PersonRow`), within the viewer's teams; audit-logged.

    Raises:
        ForbiddenError: when the organisation does not allow person-level views.
        NotFoundError: when nobody with this key is in the viewer's scope of this organisation.
    """
    team = _team_of(session, organisation, key)
    filters = groups.Filters(team_ids=frozenset({team})) if team is not None else groups.Filters()
    for row in people.person_rows(session, organisation, viewer, today=today, filters=filters, teams=teams,
                                  purpose=f"person:{key}"):
        if row.key == key:
            return row
    raise NotFoundError(NO_SUCH_PERSON)


def _team_of(session: Session, organisation: m.Organisation, key: int) -> int | None:
    if not 0 < abs(key) <= INT_MAX:  # no id this large (or 0): a URL typed by hand
        raise NotFoundError(NO_SUCH_PERSON)
    if key > 0:
        person = session.get(m.Person, key)
        if person is None or person.organisation_id != organisation.id:
            raise NotFoundError(NO_SUCH_PERSON)
        record = session.scalar(select(m.HrRecord).where(m.HrRecord.person_id == key))
        return record.team_id if record is not None and record.team_id is not None else person.team_id
    record = session.get(m.HrRecord, -key)
    if record is None or record.organisation_id != organisation.id:
        raise NotFoundError(NO_SUCH_PERSON)
    return record.team_id


def exemptions(session: Session, organisation: m.Organisation, key: int) -> list[m.Exemption]:
    """The exemptions HR granted someone (``key`` as in :class:`PersonRow`), newest first.

    A person's include those granted to their HR record before their first launch linked it.
    """
    if key > 0:
        record = session.scalar(select(m.HrRecord.id).where(m.HrRecord.person_id == key))
        holder = or_(m.Exemption.person_id == key, m.Exemption.hr_record_id == record) if record is not None \
            else m.Exemption.person_id == key
    else:
        holder = m.Exemption.hr_record_id == -key
    return list(session.scalars(select(m.Exemption).where(m.Exemption.organisation_id == organisation.id, holder)
                                .order_by(m.Exemption.id.desc())))
