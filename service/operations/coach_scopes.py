"""The organisation admin sets where each digicoach works (locations, teams) and the pick-up target."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service import models as m
from service.errors import InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.operations import audit, coaching

PICKUP_DAYS_MAX = 20


def scopes(session: Session, organisation: m.Organisation) -> dict[int, list[m.CoachScope]]:
    """Coach id -> their scopes."""
    found: dict[int, list[m.CoachScope]] = {}
    for scope in session.scalars(select(m.CoachScope).where(m.CoachScope.organisation_id == organisation.id)):
        found.setdefault(scope.person_id, []).append(scope)
    return found


def set_scope(session: Session, admin: m.Person, coach_id: int, location_ids: set[int], team_ids: set[int]) -> None:
    """Give a coach exactly these locations and teams (of the admin's organisation); audited.

    Raises:
        NotFoundError: a coach of another organisation, or someone without the coach role.
        InvalidInputError: a location or team of another organisation.
    """
    org_id = admin.organisation_id
    coach = session.get(m.Person, coach_id)
    if coach is None or coach.organisation_id != org_id or not coach.has_role(m.ToolRole.COACH):
        raise NotFoundError(N_("Deze digicoach hoort niet bij je organisatie."))
    own_locations = set(session.scalars(select(m.Location.id).where(m.Location.organisation_id == org_id)))
    own_teams = set(session.scalars(select(m.Team.id).where(m.Team.organisation_id == org_id)))
    if not location_ids <= own_locations or not team_ids <= own_teams:
        raise InvalidInputError(N_("Kies locaties en teams van je eigen organisatie."), {"scope": ["onbekend"]})
    session.execute(delete(m.CoachScope).where(m.CoachScope.person_id == coach.id))
    session.add_all([m.CoachScope(organisation_id=org_id, person_id=coach.id, location_id=i, granted_by_id=admin.id)
                     for i in sorted(location_ids)])
    session.add_all([m.CoachScope(organisation_id=org_id, person_id=coach.id, team_id=i, granted_by_id=admin.id)
                     for i in sorted(team_ids)])
    session.flush()
    audit.record(session, org_id, admin, audit.Action.COACH_SCOPE_CHANGED, f"person:{coach.id}",
                 {"locations": ",".join(map(str, sorted(location_ids))) or "-",
                  "teams": ",".join(map(str, sorted(team_ids))) or "-"})


def set_pickup_days(session: Session, admin: m.Person, days: int | None) -> None:
    """The pick-up target in working days (1..20); audited as a setting change."""
    if days is None or not 1 <= days <= PICKUP_DAYS_MAX:
        raise InvalidInputError(N_("Vul een aantal werkdagen in van 1 tot 20."), {"pickup_days": ["1..20"]})
    org = admin.organisation
    if org.pickup_days != days:
        audit.record(session, org, admin, audit.Action.PRIVACY_SETTINGS_CHANGED, f"organisation:{org.id}",
                     {"pickup_days": f"{org.pickup_days}->{days}"})
        org.pickup_days = days
        session.flush()


def coaches(session: Session, organisation: m.Organisation) -> list[m.Person]:
    return coaching.coaches(session, organisation.id)
