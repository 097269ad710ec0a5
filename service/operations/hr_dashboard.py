"""What the HR screens need around :mod:`service.operations.compliance`: the filter choices and checking them.

A viewer's filters arrive as text from a URL. They are checked here against the organisation
(and, for a manager, against their own teams) before any figure is computed, so a bad or foreign
id gets a Dutch message naming the filter instead of an empty or wrong page.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mappings import compliance as rules
from service import models as m
from service.errors import InvalidInputError
from service.i18n_markers import N_
from service.operations import compliance as groups
from service.operations.people import active_profiles

PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Choices:
    """The locations, teams and functions a viewer can filter on, as (id, name) sorted by name."""

    locations: tuple[tuple[int, str], ...]
    teams: tuple[tuple[int, str], ...]
    functions: tuple[tuple[int, str], ...]


def choices(session: Session, organisation: m.Organisation, teams: frozenset[int] | None) -> Choices:
    """The filter choices: a manager only gets their own teams and those teams' locations."""
    team_query = select(m.Team.id, m.Team.name, m.Team.location_id).where(m.Team.organisation_id == organisation.id)
    if teams is not None:
        team_query = team_query.where(m.Team.id.in_(sorted(teams)))
    found = session.execute(team_query.order_by(m.Team.name)).all()
    location_query = select(m.Location.id, m.Location.name).where(m.Location.organisation_id == organisation.id)
    if teams is not None:
        location_query = location_query.where(m.Location.id.in_(sorted({t.location_id for t in found
                                                                          if t.location_id is not None})))
    locations = tuple(tuple(row) for row in session.execute(location_query.order_by(m.Location.name)))
    functions = tuple((p.id, p.name) for p in sorted(active_profiles(session), key=lambda p: p.name))
    return Choices(locations, tuple((t.id, t.name) for t in found), functions)


@dataclass(frozen=True)
class Asked:
    """The filters as text, exactly as they came from the URL (empty: not filtered)."""

    level: str = ""
    location: str = ""
    team: str = ""
    function: str = ""
    period: str = ""


def check(asked: Asked, options: Choices, today: date) -> tuple[str, groups.Filters]:
    """The level and filters of a request, or a Dutch message per wrong filter.

    The period is a month ``JJJJ-MM``; the figures stand on its last day (today for this month).

    Raises:
        InvalidInputError: naming every filter that is not one of the choices or not a month up to now.
    """
    errors: dict[str, list[str]] = {}
    level = asked.level or "location"
    if level not in rules.LEVELS:
        errors["niveau"] = [N_("Kies als niveau organisatie, locatie, team of functie.")]
    picked = {}
    for name, text, known, message in (
            ("locatie", asked.location, options.locations, N_("Deze locatie bestaat niet of u mag hem niet zien.")),
            ("team", asked.team, options.teams, N_("Dit team bestaat niet of u mag het niet zien.")),
            ("functie", asked.function, options.functions, N_("Deze functie bestaat niet."))):
        picked[name] = None
        if text:
            ids = {i for i, _name in known}
            if not text.isdigit() or int(text) not in ids:
                errors[name] = [message]
            else:
                picked[name] = frozenset({int(text)})
    as_of = None
    if asked.period:
        found = PERIOD.match(asked.period)
        month = int(found.group(2)) if found else 0
        if not found or not 1 <= month <= 12 or int(found.group(1)) < 2000:
            errors["periode"] = [N_("Kies een maand als JJJJ-MM, bijvoorbeeld 2026-03.")]
        else:
            year = int(found.group(1))
            last = date(year, month, calendar.monthrange(year, month)[1])
            if date(year, month, 1) > today:
                errors["periode"] = [N_("Deze maand ligt in de toekomst. Kies deze maand of een eerdere.")]
            else:
                as_of = min(last, today)
    if errors:
        raise InvalidInputError(N_("Dit filter klopt niet. Pas het aan en probeer het opnieuw."), errors)
    return level, groups.Filters(picked["locatie"], picked["team"], picked["functie"], as_of)


def described(filters: groups.Filters, options: Choices, level: str, day: date) -> list[tuple[str, str]]:
    """The filters in words (Dutch field names; values by name), for an export's filter sheet."""
    names = {"locatie": dict(options.locations), "team": dict(options.teams), "functie": dict(options.functions)}
    rows = [("niveau", level), ("peildatum", day.strftime("%d-%m-%Y"))]
    for field, chosen in (("locatie", filters.location_ids), ("team", filters.team_ids),
                          ("functie", filters.profile_ids)):
        rows.append((field, ", ".join(names[field].get(i, str(i)) for i in sorted(chosen)) if chosen else "alle"))
    return rows
