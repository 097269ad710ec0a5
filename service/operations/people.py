"""People, their roles and their function: who is taking the test, measured against what."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, String, bindparam, cast, false, func, or_, select, true
from sqlalchemy.orm import Session, joinedload

from service import models as m
from service.errors import ConflictError, InvalidInputError, NotFoundError
from service.operations import domain
from service.i18n_markers import N_


#: ``last_seen_at`` is written when it moved at least this much (it serves the leaver rule of
#: the retention job, counted in months): a launch soon after the last one writes no UPDATE
LAST_SEEN_RESOLUTION = timedelta(hours=1)
#: ``find_or_create_person(found=...)``: not read yet
UNREAD = object()


def person_query(organisation_id, issuer, subject) -> Select:
    """The person (organisation, issuer, subject) with roles and functions (a launch syncs both).

    Values or bind parameters (a statement built once).
    """
    return (select(m.Person)
            .options(joinedload(m.Person.roles), joinedload(m.Person.function_assignments))
            .where(m.Person.organisation_id == organisation_id, m.Person.issuer == issuer,
                   m.Person.subject == subject))


def find_or_create_person(
    session: Session,
    organisation: m.Organisation,
    issuer: str,
    subject: str,
    now: datetime,
    name: str | None = None,
    email: str | None = None,
    found: m.Person | None | object = UNREAD,
) -> m.Person:
    """The person (organisation, issuer, subject), created on first sight.

    Name and e-mail are stored only when the organisation's privacy settings allow it; when
    they don't, any stored earlier are cleared. ``found``: the result of ``person_query``
    when the caller read it already (None: nobody).
    """
    person = session.scalars(person_query(organisation.id, issuer, subject)).unique().first() \
        if found is UNREAD else found
    if person is None:
        # empty collections: a new person has no roles or functions to load
        person = m.Person(organisation=organisation, issuer=issuer, subject=subject, roles=[],
                          function_assignments=[], created_at=now)  # the caller's clock, as last_seen_at
        session.add(person)
    keep = organisation.store_personal_data
    if person.name != (name if keep else None):  # set only what changed: a returning person stays clean
        person.name = name if keep else None
    if person.email != (email if keep else None):
        person.email = email if keep else None
    if person.last_seen_at is None or now - person.last_seen_at >= LAST_SEEN_RESOLUTION:
        person.last_seen_at = now
    if person.id is None:
        session.flush()  # its id
    return person


def grant_role(session: Session, person: m.Person, role: m.ToolRole, granted_by: str = "lti",
               source: m.RoleSource = m.RoleSource.LMS) -> None:
    """Give ``person`` ``role`` from ``source`` (a no-op when that source already gave it)."""
    if not person.has_role(role, source):
        person.roles.append(m.PersonRole(role=role, granted_by=granted_by, source=source))
        session.flush()


def sync_lms_roles(session: Session, person: m.Person, roles: set[m.ToolRole], granted_by: str = "lti") -> None:
    """Make the person's LMS roles exactly ``roles`` (the latest launch's); roles granted in the tool stay.

    So a demotion in the LMS counts at the next launch: an administrator who is no longer one
    there loses the LMS's ``org_admin``, and keeps only what an admin granted in the tool.
    """
    changed = False
    for held in list(person.roles):
        if held.source is m.RoleSource.LMS and held.role not in roles:
            person.roles.remove(held)
            changed = True
    for role in roles:
        if not person.has_role(role, m.RoleSource.LMS):
            person.roles.append(m.PersonRole(role=role, granted_by=granted_by, source=m.RoleSource.LMS))
            changed = True
    if changed:
        session.flush()


def current_assignment(person: m.Person, now: datetime) -> m.FunctionAssignment | None:
    """The function assignment in force at ``now``: the latest that has not ended."""
    open_ones = [
        a for a in person.function_assignments if a.valid_from <= now and (a.valid_until is None or a.valid_until > now)
    ]
    return max(open_ones, key=lambda a: (a.valid_from, a.id or 0), default=None)


def get_profile(session: Session, code: str) -> m.FunctionProfile:
    """Raises NotFoundError when no active function profile has this code."""
    profile = session.scalar(select(m.FunctionProfile).where(m.FunctionProfile.code == code, m.FunctionProfile.active))
    if profile is None:
        raise NotFoundError(N_("Deze functie kennen we niet: %(code)s"), code=code)
    return profile


def assign_function(
    session: Session, person: m.Person, profile: m.FunctionProfile | int, source: m.AssignmentSource, now: datetime
) -> m.FunctionAssignment:
    """Give the person a function from ``source`` (``profile``: the row or its id).

    A self-chosen function is only set when none is known yet: the employee chooses once.
    LTI and HR import override whatever is current. The same function again changes nothing.

    Raises:
        ConflictError: when a person who already has a function tries to choose one.
    """
    profile_id = profile if isinstance(profile, int) else profile.id
    current = current_assignment(person, now)
    if current is not None and current.function_profile_id == profile_id:
        return current
    if source is m.AssignmentSource.SELF_CHOSEN and current is not None:
        raise ConflictError(N_("Je functie is al bekend. Klopt die niet? Vraag je leidinggevende of HR om die aan te passen."))
    if current is not None:
        current.valid_until = now
    assignment = (m.FunctionAssignment(function_profile_id=profile, source=source, valid_from=now)
                  if isinstance(profile, int) else m.FunctionAssignment(profile=profile, source=source, valid_from=now))
    person.function_assignments.append(assignment)
    session.flush()
    return assignment


#: the most a reason for a change of function may hold
REASON_MAX = 500
#: the form value of "weet ik niet / staat er niet bij"
UNKNOWN = "weet-ik-niet"


def choose_own_function(
    session: Session, person: m.Person, code: str, now: datetime, reason: str | None = None
) -> m.FunctionAssignment:
    """The employee chooses (or changes) their own function; ``code`` UNKNOWN means the default.

    The first choice needs no reason; a change does. A function from the LMS or from HR data
    wins: the employee cannot replace it here (and the next launch or HR import would undo it).

    Raises:
        ConflictError: when the current function came from the LMS or HR.
        InvalidInputError: when a change has no reason or a too long one, or no default exists.
        NotFoundError: when no active function has this code.
    """
    current = current_assignment(person, now)
    if current is not None and current.source is m.AssignmentSource.LTI:
        raise ConflictError(
            N_("Je functie komt uit je leeromgeving. Die gaat voor. Klopt die niet? Vraag HR om die aan te passen.")
        )
    if current is not None and current.source is m.AssignmentSource.HR_IMPORT:
        raise ConflictError(
            N_("Je functie komt uit de gegevens van HR. Die gaan voor. Klopt die niet? Vraag HR om die aan te passen.")
        )
    if code == UNKNOWN:
        profile = person.organisation.default_function_profile
        if profile is None or not profile.active:
            raise InvalidInputError(
                N_("Je organisatie heeft geen standaardfunctie. Kies de functie die het meest op jouw werk lijkt."),
                {"function": ["geen standaardfunctie"]},
            )
    else:
        profile = get_profile(session, code)
    text = (reason or "").strip()
    if current is not None:
        if current.function_profile_id == profile.id and current.is_default == (code == UNKNOWN):
            return current
        if not text:
            raise InvalidInputError(N_("Schrijf kort waarom je je functie verandert."), {"reason": ["leeg"]})
    if len(text) > REASON_MAX:
        raise InvalidInputError(
            N_("Je uitleg is te lang: %(n)s tekens. Er passen er %(max)s in."),
            {"reason": [f"te lang: {len(text)}"]}, n=len(text), max=REASON_MAX,
        )
    if current is not None:
        current.valid_until = now
    assignment = m.FunctionAssignment(
        profile=profile, source=m.AssignmentSource.SELF_CHOSEN, valid_from=now,
        reason=text or None, is_default=code == UNKNOWN,
    )
    person.function_assignments.append(assignment)
    session.flush()
    return assignment


def set_default_function(session: Session, organisation: m.Organisation, code: str | None) -> None:
    """The function for "weet ik niet / staat er niet bij"; empty ``code``: that choice is not offered."""
    organisation.default_function_profile = get_profile(session, code) if code else None
    session.flush()


def active_profiles(session: Session) -> list[m.FunctionProfile]:
    return list(session.scalars(select(m.FunctionProfile).where(m.FunctionProfile.active).order_by(m.FunctionProfile.name)))


def organisation_id_of(session: Session, person_id: int) -> int | None:
    """The organisation id of a person, or None when there is no such person."""
    return session.scalar(select(m.Person.organisation_id).where(m.Person.id == person_id))


@dataclass(frozen=True)
class SignedIn:
    """What every signed-in request reads first: the person's roles and the newest content release."""

    #: the tool roles; None when the person is gone or erased
    roles: frozenset[str] | None
    #: (id, loaded_at) of the newest content release, or None when unknown
    release_key: tuple | None


@functools.cache
def _signed_in_statement():
    """Built once, run on the connection (no ORM): this read runs on every signed-in request,
    and building the statement and the ORM's execution cost more than the database's answer."""
    person, role = m.Person.__table__, m.PersonRole.__table__
    release = domain.release_key_columns()
    return (select(role.c.role, release.c.release_id, release.c.release_loaded_at)
            .select_from(person)
            .outerjoin(role, role.c.person_id == person.c.id)
            .outerjoin(release, true())
            .where(person.c.id == bindparam("person"), person.c.pseudonymised_at.is_(None)))


def signed_in(session: Session, person_id: int) -> SignedIn:
    """The roles of a person and the newest content release, in one query."""
    rows = session.connection().execute(_signed_in_statement(), {"person": person_id}).all()
    if not rows:
        return SignedIn(None, None)
    return SignedIn(frozenset(row.role.value for row in rows if row.role is not None),
                    (rows[0].release_id, rows[0].release_loaded_at))


#: people per page on the roles page
PEOPLE_PER_PAGE = 50
#: the longest search text taken (a name, an e-mail address or a personnel number fits)
SEARCH_MAX = 100


@dataclass(frozen=True)
class RoleRow:
    """One person on the roles page, with the roles they hold from each source."""

    id: int
    name: str | None
    subject: str
    personnel_number: str | None
    erased: bool
    tool_roles: frozenset[m.ToolRole]
    lms_roles: frozenset[m.ToolRole]

    def granted_in_tool(self, role: m.ToolRole) -> bool:
        return role in self.tool_roles

    def given_by_lms(self, role: m.ToolRole) -> bool:
        return role in self.lms_roles


@dataclass(frozen=True)
class RolePage:
    rows: list[RoleRow]
    page: int
    pages: int
    total: int
    search: str
    with_role: bool


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching(search: str, names_stored: bool, *, code: bool = False, identifiers: bool = True):
    """The condition for people ``search`` finds, or None for an empty search.

    Part of a name or e-mail address (only where the organisation stores them: otherwise they are
    neither searched nor shown), or the start of a personnel number or LMS account (unless
    ``identifiers`` is off); with ``code``, also the start of the short code shown for a person
    without a name (``#1a2b3c4d``).
    """
    text = " ".join(search.split())[:SEARCH_MAX]
    if not text:
        return None
    pattern = f"%{_like_escape(text.lower())}%"
    start = f"{_like_escape(text)}%"
    matches = []
    if identifiers:
        matches += [m.Person.personnel_number.like(start, escape="\\"), m.Person.subject.like(start, escape="\\")]
    if names_stored:
        matches += [func.lower(m.Person.name).like(pattern, escape="\\"),
                    func.lower(m.Person.email).like(pattern, escape="\\")]
    short = text.removeprefix("#").lower()
    if code and short and len(short) <= 8 and all(c in "0123456789abcdef" for c in short):
        # the first 8 hex digits read the same as text on both databases (no dash before the 9th)
        matches.append(cast(m.Person.pseudonym, String).like(f"{short}%"))
    return or_(*matches) if matches else false()


def role_page(session: Session, organisation: m.Organisation, search: str = "", page: int = 1,
              with_role: bool = False, per_page: int = PEOPLE_PER_PAGE) -> RolePage:
    """One page of the organisation's people with their roles, in three statements whatever the size.

    ``search`` matches part of a name or e-mail address (stored only when the organisation keeps
    personal data; otherwise names are neither searched nor shown), or the start of a personnel
    number or LMS account. ``with_role``: only
    people who hold a role granted in the tool. A page beyond the last shows the last.
    Other organisations' people are never returned.
    """
    text = " ".join(search.split())[:SEARCH_MAX]
    where = [m.Person.organisation_id == organisation.id]
    if (found := matching(text, organisation.store_personal_data)) is not None:
        where.append(found)
    if with_role:
        where.append(select(m.PersonRole.id).where(
            m.PersonRole.person_id == m.Person.id, m.PersonRole.source == m.RoleSource.TOOL).exists())
    total = session.scalar(select(func.count()).select_from(m.Person).where(*where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    people = session.execute(
        select(m.Person.id, m.Person.name, m.Person.subject, m.Person.personnel_number, m.Person.pseudonymised_at)
        .where(*where).order_by(m.Person.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    held: dict[int, dict[m.RoleSource, set[m.ToolRole]]] = {p.id: {s: set() for s in m.RoleSource} for p in people}
    if people:
        for person_id, role, source in session.execute(
            select(m.PersonRole.person_id, m.PersonRole.role, m.PersonRole.source)
            .where(m.PersonRole.person_id.in_(list(held)))
        ):
            held[person_id][source].add(role)
    named = organisation.store_personal_data  # names kept from before the setting went off are not shown
    rows = [RoleRow(p.id, p.name if named else None, p.subject, p.personnel_number, p.pseudonymised_at is not None,
                    frozenset(held[p.id][m.RoleSource.TOOL]), frozenset(held[p.id][m.RoleSource.LMS]))
            for p in people]
    return RolePage(rows, page, pages, total, text, with_role)
