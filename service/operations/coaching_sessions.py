"""Coaching sessions a digicoach logs, and the drop-in hours (spreekuren) they publish.

A session is never edited in place: a correction is a new version (who, when) and voiding keeps
the rows with a reason. Each attendance of the current version is one learning-hours row and one
xAPI "attended" statement; a correction or a void writes a negative hours row and voids the old
statement, so the ledger and the LRS always add up to the current version. No points here: the
accreditation feature turns the hours into points.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mappings.model import ActivityKind
from service import models as m
from service.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.operations import audit, coach_requests, coaching, events, people
from xapi import events as xe

MINUTES_MIN, MINUTES_MAX = 1, 600
SOURCE = "coaching_session"


@dataclass(frozen=True)
class SessionInput:
    """What the coach filled in; ``attendees`` maps person id to minutes."""

    held_at: datetime | None
    form: str
    attendees: dict[int, int | None]
    skills: tuple[str, ...] = ()
    applications: tuple[str, ...] = ()
    note: str | None = None


def _validated(session: Session, coach: m.Person, data: SessionInput, now: datetime) -> tuple[m.SessionForm, list]:
    errors: dict[str, list[str]] = {}
    if data.held_at is None:
        errors["held_at"] = [N_("Vul de datum van het gesprek in.")]
    elif data.held_at > now + timedelta(minutes=5):
        errors["held_at"] = [N_("Een gesprek dat nog moet komen kun je nog niet vastleggen.")]
    try:
        form = m.SessionForm(data.form)
    except ValueError:
        form = None
        errors["form"] = [N_("Kies hoe het gesprek ging: 1-op-1, spreekuur of online.")]
    if not data.attendees:
        errors["attendees"] = [N_("Kies minstens één deelnemer.")]
    elif any(minutes is None or not MINUTES_MIN <= minutes <= MINUTES_MAX for minutes in data.attendees.values()):
        errors["minutes"] = [N_("Vul per deelnemer 1 tot 600 minuten in.")]
    people = list(session.scalars(select(m.Person).where(m.Person.id.in_(list(data.attendees)))))
    if data.attendees and (len(people) != len(data.attendees)
                           or any(p.organisation_id != coach.organisation_id for p in people)):
        errors["attendees"] = [N_("Een deelnemer hoort niet bij jouw organisatie.")]
    known = set(session.scalars(select(m.Skill.code).where(m.Skill.code.in_(list(data.skills)))))
    if set(data.skills) - known:
        errors["skills"] = [N_("Kies vaardigheden uit de lijst.")]
    if len((data.note or "").strip()) > coach_requests.NOTE_MAX:
        errors["note"] = [N_("De notitie is te lang.")]
    if errors:
        raise InvalidInputError(N_("Het gesprek is niet opgeslagen. Kijk wat er niet klopt."), errors)
    return form, people


def _attended(session: Session, record: m.CoachingSession, attendance: m.CoachingAttendance, coach: m.Person) -> dict:
    request = record.help_request
    ref = xe.CoachingSessionRef(
        id=str(attendance.uuid), learner=events.actor(attendance.person), tenant=attendance.person.organisation.slug,
        started_at=attendance.version.held_at, duration=timedelta(minutes=attendance.minutes), coach=events.actor(coach),
        help_request_id=str(request.uuid) if request else None, title="Digicoaching",
    )
    return events.builder(session).coaching_attended(ref)


def _book(session: Session, record: m.CoachingSession, version: m.CoachingSessionVersion, coach: m.Person) -> None:
    """Hours and "attended" statements for every attendance of ``version``."""
    statements = []
    for attendance in version.attendances:
        session.add(m.LearningHours(
            organisation_id=record.organisation_id, person_id=attendance.person_id, kind=ActivityKind.COACHING,
            minutes=attendance.minutes, occurred_at=version.held_at, source=SOURCE, source_ref=str(attendance.uuid),
            title="Digicoaching"))
        statements.append(_attended(session, record, attendance, coach))
    events.enqueue(session, record.organisation_id, statements)


def _unbook(session: Session, record: m.CoachingSession, version: m.CoachingSessionVersion, now: datetime) -> None:
    """Cancel what ``version`` booked: a negative hours row and a voiding statement per attendance."""
    build, statements = events.builder(session), []
    for attendance in version.attendances:
        booked = session.scalar(select(m.LearningHours.id).where(m.LearningHours.source == SOURCE,
                                                                 m.LearningHours.source_ref == str(attendance.uuid)))
        session.add(m.LearningHours(
            organisation_id=record.organisation_id, person_id=attendance.person_id, kind=ActivityKind.COACHING,
            minutes=-attendance.minutes, occurred_at=version.held_at, source=SOURCE, reverses_id=booked,
            source_ref=f"{attendance.uuid}:undo", title="Digicoaching (correctie)"))
        old = build.statement_id(f"coaching-session:{attendance.uuid}:attended")
        statements.append(build.voided(old, now))
    events.enqueue(session, record.organisation_id, statements)


def _new_version(session: Session, record: m.CoachingSession, number: int, coach: m.Person, form: m.SessionForm,
                 people: list[m.Person], data: SessionInput, now: datetime) -> m.CoachingSessionVersion:
    version = m.CoachingSessionVersion(
        session=record, number=number, held_at=data.held_at, form=form, skills=sorted(set(data.skills)),
        applications=sorted(set(data.applications)), note=(data.note or "").strip() or None, recorded_by_id=coach.id,
        recorded_at=now)
    version.attendances = [m.CoachingAttendance(person=p, minutes=data.attendees[p.id]) for p in people]
    session.add(version)
    session.flush()
    return version


def log_session(session: Session, coach: m.Person, data: SessionInput, now: datetime,
                help_request_id: int | None = None, resolve: bool = False) -> m.CoachingSession:
    """Record a held session; from a request it may also resolve that request.

    Raises:
        InvalidInputError: minutes outside 1..600, attendees of another organisation, a date to come.
        NotFoundError: a request outside the coach's scope.
    """
    form, people = _validated(session, coach, data, now)
    request = None
    if help_request_id is not None:
        request = coaching.visible_request(session, coach, help_request_id, now).request
        if request.person_id not in data.attendees:
            raise InvalidInputError(N_("De medewerker van de hulpvraag staat niet bij de deelnemers."),
                                    {"attendees": ["medewerker ontbreekt"]})
    record = m.CoachingSession(organisation_id=coach.organisation_id, coach_id=coach.id, help_request=request,
                               person_id=people[0].id if len(people) == 1 else None, created_at=now)
    session.add(record)
    version = _new_version(session, record, 1, coach, form, people, data, now)
    _book(session, record, version, coach)
    audit.record(session, coach.organisation_id, coach, audit.Action.COACHING_SESSION_CHANGED,
                 f"coaching_session:{record.id}", {"version": 1, "attendees": len(people)}, at=now)
    if request is not None and resolve:
        coach_requests.resolve(session, coach, request.id, now)
    return record


def get_session(session: Session, coach: m.Person, session_id: int) -> m.CoachingSession:
    """A session of the coach's organisation; only its coach or the coordinator may change it."""
    record = session.get(m.CoachingSession, session_id)
    if record is None or record.organisation_id != coach.organisation_id or not record.versions:
        raise NotFoundError(N_("Dit gesprek bestaat niet."))
    if record.coach_id != coach.id and not coach.has_role(m.ToolRole.COACH_COORDINATOR):
        raise ForbiddenError(N_("Alleen de digicoach van dit gesprek kan het veranderen."))
    return record


def _lock(session: Session, record: m.CoachingSession, now: datetime, **values) -> None:
    """Conditional UPDATE on a session that is not voided, so two corrections cannot cross."""
    done = session.execute(update(m.CoachingSession).where(
        m.CoachingSession.id == record.id, m.CoachingSession.voided_at.is_(None)).values(**values)
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(record)
    if done != 1:
        raise ConflictError(N_("Dit gesprek is ongeldig gemaakt en kan niet meer veranderen."))


def correct_session(session: Session, coach: m.Person, session_id: int, data: SessionInput,
                    now: datetime) -> m.CoachingSession:
    """A correction: a new version; the old one stays, its hours and statement are cancelled."""
    record = get_session(session, coach, session_id)
    form, people = _validated(session, coach, data, now)
    if record.help_request is not None and record.help_request.person_id not in data.attendees:
        raise InvalidInputError(N_("De medewerker van de hulpvraag staat niet bij de deelnemers."),
                                {"attendees": ["medewerker ontbreekt"]})
    _lock(session, record, now, voided_at=None)
    previous = record.current
    _unbook(session, record, previous, now)
    version = _new_version(session, record, previous.number + 1, coach, form, people, data, now)
    session.refresh(record)
    _book(session, record, version, coach)
    audit.record(session, coach.organisation_id, coach, audit.Action.COACHING_SESSION_CHANGED,
                 f"coaching_session:{record.id}", {"version": version.number, "attendees": len(people)}, at=now)
    return record


def void_session(session: Session, coach: m.Person, session_id: int, reason: str, now: datetime) -> m.CoachingSession:
    """Make a session void with a reason; its hours and statements are cancelled, the rows stay."""
    text = (reason or "").strip()
    if not text or len(text) > coach_requests.NOTE_MAX:
        raise InvalidInputError(N_("Schrijf op waarom het gesprek niet telt."), {"reason": ["leeg of te lang"]})
    record = get_session(session, coach, session_id)
    _lock(session, record, now, voided_at=now, voided_by_id=coach.id, void_reason=text)
    _unbook(session, record, record.current, now)
    audit.record(session, coach.organisation_id, coach, audit.Action.COACHING_SESSION_CHANGED,
                 f"coaching_session:{record.id}", {"voided": "yes"}, at=now)
    return record


def sessions_of(session: Session, coach: m.Person, limit: int = 50) -> list[m.CoachingSession]:
    query = select(m.CoachingSession).where(m.CoachingSession.organisation_id == coach.organisation_id)
    if not coach.has_role(m.ToolRole.COACH_COORDINATOR):
        query = query.where(m.CoachingSession.coach_id == coach.id)
    return list(session.scalars(query.order_by(m.CoachingSession.id.desc()).limit(limit)))


#: the most people the session form lists; a search reaches the others
PICKER_LIMIT = 500


@dataclass(frozen=True)
class Attendable:
    """The people a session form lists, and whether the coach's scope holds more than it shows."""

    people: list[m.Person]
    more: bool


def attendable_people(session: Session, coach: m.Person, search: str = "",
                      keep: Collection[int] = ()) -> Attendable:
    """People a coach can pick as attendees: everyone of the coach's scope (coordinator: the organisation).

    At most ``PICKER_LIMIT`` by name, narrowed by ``search``: where the organisation stores names,
    part of a name or the start of a personnel number or LMS account; always the start of the
    short code shown for someone without a name. The people in ``keep`` (already ticked) are listed whatever the
    search, first, as long as they are in the scope.
    """
    scope = coaching.scope_of(session, coach)
    in_scope = [m.Person.organisation_id == coach.organisation_id, m.Person.pseudonymised_at.is_(None)]
    if not scope.everything:
        in_scope.append(m.Person.team_id.in_(scope.team_ids or [-1])
                        | m.Person.team_id.in_(select(m.Team.id).where(m.Team.location_id.in_(scope.location_ids or [-1]))))
    query = select(m.Person).where(*in_scope)
    # where names are not stored, a personnel number or LMS account would tie a code to a person
    names = coach.organisation.store_personal_data
    found = people.matching(search, names, code=True, identifiers=names)
    if found is not None:
        query = query.where(found)
    listed = list(session.scalars(query.order_by(m.Person.name, m.Person.id).limit(PICKER_LIMIT + 1)))
    more, listed = len(listed) > PICKER_LIMIT, listed[:PICKER_LIMIT]
    missing = set(keep) - {person.id for person in listed}
    if missing:
        ticked = session.scalars(select(m.Person).where(*in_scope, m.Person.id.in_(missing))
                                 .order_by(m.Person.name, m.Person.id))
        listed = [*ticked, *listed]
    return Attendable(listed, more)


def publish_drop_in(session: Session, coach: m.Person, location_id: int | None, starts_at: datetime | None,
                    ends_at: datetime | None, place: str, now: datetime) -> m.DropInHour:
    """Publish a spreekuur at a location of the coach's organisation."""
    errors = {}
    location = session.get(m.Location, location_id) if location_id else None
    if location is None or location.organisation_id != coach.organisation_id:
        errors["location"] = [N_("Kies een locatie van je eigen organisatie.")]
    if starts_at is None or ends_at is None:
        errors["starts_at"] = [N_("Vul de datum, de begintijd en de eindtijd in.")]
    elif starts_at <= now:
        errors["starts_at"] = [N_("Kies een moment in de toekomst.")]
    elif ends_at <= starts_at:
        errors["ends_at"] = [N_("De eindtijd moet na de begintijd liggen.")]
    text = (place or "").strip()
    if not text or len(text) > 300:
        errors["place"] = [N_("Vul in waar het spreekuur is.")]
    if errors:
        raise InvalidInputError(N_("Het spreekuur is niet opgeslagen. Kijk wat er niet klopt."), errors)
    hour = m.DropInHour(organisation_id=coach.organisation_id, location_id=location.id, coach_id=coach.id,
                        starts_at=starts_at, ends_at=ends_at, place=text)
    session.add(hour)
    session.flush()
    return hour


def next_drop_ins(session: Session, person: m.Person, now: datetime, limit: int = 3) -> list[m.DropInHour]:
    """The next spreekuren at the person's location (of the whole organisation when it is unknown)."""
    query = select(m.DropInHour).where(m.DropInHour.organisation_id == person.organisation_id,
                                       m.DropInHour.cancelled_at.is_(None), m.DropInHour.ends_at > now)
    location_id = coaching.person_location_id(session, person)
    if location_id is not None:
        query = query.where(m.DropInHour.location_id == location_id)
    return list(session.scalars(query.order_by(m.DropInHour.starts_at).limit(limit)))


def minutes_per_person(session: Session, person_id: int) -> int:
    """The person's coaching minutes in the ledger (corrections included)."""
    return session.scalar(select(func.coalesce(func.sum(m.LearningHours.minutes), 0)).where(
        m.LearningHours.person_id == person_id, m.LearningHours.source == SOURCE)) or 0


def upcoming_drop_ins(session: Session, coach: m.Person, now: datetime) -> list[m.DropInHour]:
    """The organisation's spreekuren still to come, for the coaches' list."""
    return list(session.scalars(select(m.DropInHour).where(
        m.DropInHour.organisation_id == coach.organisation_id, m.DropInHour.cancelled_at.is_(None),
        m.DropInHour.ends_at > now).order_by(m.DropInHour.starts_at).limit(100)))
