"""The HR dashboard's figures as rows: group figures (what the works council gets) and, where allowed, per person.

Group rows come from a :class:`service.operations.compliance.Dashboard`, so they hold exactly the
groups the page shows (never one under the minimum). Person rows come from
:func:`service.operations.compliance_people.person_rows`, which refuses unless the organisation
allows person-level views and writes the audit row; per person only the status per requirement
and its date.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mappings import compliance as rules
from service import models as m
from service.errors import ConflictError, InvalidInputError
from service.i18n_markers import N_
from service.operations import compliance as groups
from service.operations import compliance_people as people

#: The statuses in words, best first (the legend of the heat map and the export's words).
STATUS_LABELS = {
    "exempt": N_("Vrijgesteld"),
    "met": N_("Voldoet"),
    "expiring": N_("Voldoet, verloopt binnenkort"),
    "follow_up": N_("Voldoet nog niet, hulp gepland"),
    "not_met": N_("Voldoet nog niet"),
    "expired": N_("Verlopen"),
    "not_tested": N_("Niet getoetst"),
}
#: The dashboard's four-way split (plus exempt), in the order of the page and the export.
SPLITS = (("met", N_("Voldoet")), ("not_met", N_("Voldoet nog niet")), ("not_tested", N_("Niet getoetst")),
          ("expired", N_("Verlopen")), ("exempt", N_("Vrijgesteld")))
LEVEL_NAMES = {"organisation": N_("Organisatie"), "location": N_("Locatie"), "team": N_("Team"),
               "function": N_("Functie")}
NOT_A_REQUIREMENT = N_("Niemand in deze selectie moet aan deze vaardigheid voldoen. Kies een vaardigheid uit het overzicht.")
OTHER_NAME = "overig"
NONE_NAME = "geen"


def deeper_level(level: str) -> str | None:
    """The level one step down the hierarchy, or None at the function level."""
    at = rules.LEVELS.index(level)
    return rules.LEVELS[at + 1] if at + 1 < len(rules.LEVELS) else None


def drill_args(group: groups.Group, filters: groups.Filters) -> dict | None:
    """The URL arguments that open one group one level deeper (None for a pooled or unknown group)."""
    deeper = deeper_level(group.level)
    if deeper is None or not group.key or any(v is rules.OTHER or v is None for v in group.key):
        return None
    args = {"niveau": deeper}
    for name, value in zip(("locatie", "team", "functie"), group.key, strict=False):
        args[name] = value
    if filters.profile_ids and "functie" not in args:
        args["functie"] = next(iter(filters.profile_ids))
    if filters.as_of:
        args["periode"] = filters.as_of.strftime("%Y-%m")
    return args


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple
    rows: Iterable[tuple]


def key_names(key: tuple, names: dict[str, dict[int, str]]) -> tuple[str, str, str]:
    """Location, team and function of a group key in words ("" above the group's level)."""
    found = []
    for field, value in zip(("locatie", "team", "functie"), key, strict=False):
        found.append(OTHER_NAME if value is rules.OTHER else NONE_NAME if value is None
                     else names[field].get(value, str(value)))
    return tuple(found + [""] * (3 - len(found)))


def group_table(figures: groups.Dashboard, names: dict[str, dict[int, str]]) -> Table:
    """One row for the total and one per shown group: headcount, % meeting all, per requirement the split."""
    shown = ([figures.total] if figures.total else []) + [g for g in figures.groups if g.key]
    skills = sorted({(s.skill_code, s.skill_name) for g in shown for s in g.requirements})
    header = ["soort", "locatie", "team", "functie", "medewerkers", "voldoet aan alles", "% voldoet aan alles"]
    for code, _name in skills:
        header += [f"{code}: {label}" for _key, label in SPLITS]
    header.append("toetsen nog te maken")
    rows = []
    for group in shown:
        splits = {s.skill_code: s for s in group.requirements}
        row = ["totaal" if not group.key else "groep", *key_names(group.key, names), group.headcount, group.all_met,
               group.percent_met]
        for code, _name in skills:
            split = splits.get(code)
            row += [getattr(split, key) if split else "" for key, _label in SPLITS]
        row.append(", ".join(f"{t.code} ({t.people})" for t in group.tests_to_take))
        rows.append(tuple(row))
    return Table("Groepen", tuple(header), rows)


def person_table(session: Session, organisation: m.Organisation, viewer: m.Person, *, today: date,
                 filters: groups.Filters, teams: frozenset[int] | None, names: dict[str, dict[int, str]]) -> Table:
    """One row per person and requirement: status in words and date; audit-logged by ``person_rows``."""
    found = people.person_rows(session, organisation, viewer, today=today, filters=filters, teams=teams,
                               purpose="export")
    header = ("personeelsnummer", "naam", "locatie", "team", "functie", "vaardigheid", "status", "datum")
    return Table("Personen", header, _person_lines(found, names))


def _person_lines(found: Iterator[people.PersonRow], names) -> Iterator[tuple]:
    for person in found:
        where = (names["locatie"].get(person.location_id, ""), names["team"].get(person.team_id, ""),
                 names["functie"].get(person.profile_id, ""))
        for status in person.statuses:
            yield (person.personnel_number or "", person.name or "", *where, status.skill_code,
                   STATUS_LABELS.get(status.status, status.status),
                   status.observed_on.strftime("%d-%m-%Y") if status.observed_on else "")


def all_names(session: Session, organisation: m.Organisation) -> dict[str, dict[int, str]]:
    """Every location, team and function name of the organisation by id (for rows and keys)."""
    return {
        "locatie": dict(session.execute(select(m.Location.id, m.Location.name)
                                        .where(m.Location.organisation_id == organisation.id)).all()),
        "team": dict(session.execute(select(m.Team.id, m.Team.name)
                                     .where(m.Team.organisation_id == organisation.id)).all()),
        "functie": dict(session.execute(select(m.FunctionProfile.id, m.FunctionProfile.name)).all()),
    }


def not_tested_table(session: Session, organisation: m.Organisation, viewer: m.Person, skill_code: str, *,
                     today: date, filters: groups.Filters, teams: frozenset[int] | None,
                     names: dict[str, dict[int, str]]) -> Table:
    """Who in the selection must meet ``skill_code`` and never took a test for it: a list to remind them.

    Person-level, so only where the organisation allows it (``person_rows`` checks and writes the
    audit row), and never for a selection where fewer people than the organisation's minimum
    have this requirement.

    Raises:
        InvalidInputError: for a skill that is not a requirement of anyone in the selection.
        ForbiddenError: when the organisation does not allow person-level views.
        ConflictError: when fewer people than the minimum have this requirement in the selection.
    """
    with_requirement = 0
    waiting = []
    for person in people.person_rows(session, organisation, viewer, today=today, filters=filters, teams=teams,
                                     purpose=f"not-tested:{skill_code[:40]}"):
        status = next((s for s in person.statuses if s.skill_code == skill_code), None)
        if status is None:
            continue
        with_requirement += 1
        if status.status == "not_tested":
            waiting.append(person)
    if not with_requirement:
        raise InvalidInputError(NOT_A_REQUIREMENT, {"vaardigheid": [NOT_A_REQUIREMENT]})
    if with_requirement < organisation.min_group_size:
        raise ConflictError(N_("Deze groep heeft minder dan %(n)s medewerkers. Een lijst per medewerker maken we "
                               "daarom niet."), n=organisation.min_group_size)
    header = ("personeelsnummer", "naam", "locatie", "team", "functie", "vaardigheid", "status")
    rows = [(p.personnel_number or "", p.name or "", names["locatie"].get(p.location_id, ""),
             names["team"].get(p.team_id, ""), names["functie"].get(p.profile_id, ""), skill_code,
             STATUS_LABELS["not_tested"]) for p in waiting]
    return Table("Niet getoetst", header, rows)


def reminder_table(found: Iterable, names: dict[str, dict[int, str]]) -> Table:
    """A campaign's reminder list (:func:`service.operations.campaigns.reminder_list`) as rows."""
    header = ("personeelsnummer", "naam", "e-mail", "locatie", "team", "functie", "stand")
    rows = [(w.personnel_number or "", w.name or "", w.email or "", names["locatie"].get(w.location_id, ""),
             names["team"].get(w.team_id, ""), names["functie"].get(w.profile_id, ""),
             "begonnen, niet klaar" if w.started else "niet begonnen") for w in found]
    return Table("Herinneren", header, rows)
