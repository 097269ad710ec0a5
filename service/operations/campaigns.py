"""Test campaigns: HR asks a group to take a digi-toets by a date; progress, the employee's view, reminders.

Who is asked is the compliance population (:func:`service.operations.compliance_sql.population`)
of the campaign's location, team and/or function today, so HR records without a launch count as
"not started" too. Progress is shown only for a group of at least the organisation's minimum;
a reminder goes through the mail outbox to those who have not started, with nothing in it but
the test's name, the date and a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from service import models as m
from service.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from service.i18n_markers import N_
from service.operations import audit, mail
from service.operations import compliance_sql as q

TITLE_LENGTH = 200


def create(session: Session, organisation: m.Organisation, actor: m.Person, *, title: str, test_code: str,
           location_id: int | None, team_id: int | None, profile_id: int | None, due_on: date | None,
           today: date) -> m.Campaign:
    """Ask a location, team and/or function to take a test by a date; audit-logged.

    Raises:
        InvalidInputError: naming each wrong field (no title, unknown test or group, no group, a past date).
    """
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title or len(title) > TITLE_LENGTH:
        errors["title"] = [N_("Geef de oproep een titel van hoogstens 200 tekens.")]
    test = session.scalar(select(m.DigiTest).where(m.DigiTest.code == test_code, m.DigiTest.active))
    if test is None:
        errors["test"] = [N_("Kies een toets uit de lijst.")]
    if location_id is not None and session.scalar(select(m.Location.id).where(
            m.Location.id == location_id, m.Location.organisation_id == organisation.id)) is None:
        errors["location"] = [N_("Deze locatie bestaat niet.")]
    if team_id is not None and session.scalar(select(m.Team.id).where(
            m.Team.id == team_id, m.Team.organisation_id == organisation.id)) is None:
        errors["team"] = [N_("Dit team bestaat niet.")]
    if profile_id is not None and session.get(m.FunctionProfile, profile_id) is None:
        errors["function"] = [N_("Deze functie bestaat niet.")]
    if location_id is None and team_id is None and profile_id is None:
        errors["group"] = [N_("Kies een locatie, een team of een functie (of een combinatie).")]
    if due_on is None:
        errors["due_on"] = [N_("Vul de datum in waarvoor de toets gemaakt moet zijn.")]
    elif due_on < today:
        errors["due_on"] = [N_("Deze datum ligt in het verleden. Kies vandaag of later.")]
    if errors:
        raise InvalidInputError(N_("De oproep is niet opgeslagen. Kijk de velden na."), errors)
    campaign = m.Campaign(organisation_id=organisation.id, title=title, test_id=test.id, location_id=location_id,
                          team_id=team_id, function_profile_id=profile_id, due_on=due_on, created_by_id=actor.id)
    session.add(campaign)
    session.flush()
    audit.record(session, organisation, actor, audit.Action.HR_CAMPAIGN_CHANGED, f"campaign:{campaign.id}",
                 {"test": test.code, "due_on": due_on.isoformat()})
    return campaign


def _asked(organisation: m.Organisation, campaign: m.Campaign, day: date, teams: frozenset[int] | None = None):
    """The population and the condition for who the campaign asks (within ``teams``, a manager's, when given)."""
    pop = q.population(organisation, day)
    conditions = [pop.c[column] == value for column, value in (
        ("location_id", campaign.location_id), ("team_id", campaign.team_id),
        ("profile_id", campaign.function_profile_id)) if value is not None]
    if teams is not None:
        conditions.append(pop.c.team_id.in_(sorted(teams)))
    return pop, and_(*conditions)


def _attempts(campaign: m.Campaign):
    """Attempts at the campaign's test since the campaign began: (person, finished?)."""
    return (select(m.Attempt.person_id, func.max(m.Attempt.submitted_at).label("finished"))
            .join(m.TestVersion, m.TestVersion.id == m.Attempt.test_version_id)
            .where(m.TestVersion.digi_test_id == campaign.test_id, m.Attempt.started_at >= campaign.created_at,
                   m.Attempt.organisation_id == campaign.organisation_id)
            .group_by(m.Attempt.person_id).subquery("tried"))


@dataclass(frozen=True)
class Progress:
    """How far a campaign is; the numbers are None when the group is under the minimum."""

    campaign: m.Campaign
    asked: int | None
    started: int | None
    finished: int | None

    @property
    def too_small(self) -> bool:
        return self.asked is None


def _counts(session: Session, organisation: m.Organisation, campaign: m.Campaign, today: date,
            teams: frozenset[int] | None) -> tuple[int, int, int]:
    pop, where = _asked(organisation, campaign, today, teams)
    tried = _attempts(campaign)
    return tuple(session.execute(
        select(func.count(), func.count(tried.c.person_id), func.count(tried.c.finished))
        .select_from(pop).outerjoin(tried, tried.c.person_id == pop.c.person_id).where(where)).one())


def _too_small(session: Session, organisation: m.Organisation, campaign: m.Campaign, today: date,
               teams: frozenset[int] | None, asked: int) -> bool:
    """Under the minimum: the group asked, or, for a manager's part of a campaign, the rest of it.

    HR sees the whole campaign; were the manager's part shown beside a remainder of 1 to 4
    people, subtracting the two would reveal that small group.
    """
    minimum = organisation.min_group_size
    if asked < minimum:
        return True
    if teams is None:
        return False
    rest = _counts(session, organisation, campaign, today, None)[0] - asked
    return 0 < rest < minimum


def _progress(session: Session, organisation: m.Organisation, campaign: m.Campaign, today: date,
              teams: frozenset[int] | None, counts: tuple[int, int, int]) -> Progress:
    if _too_small(session, organisation, campaign, today, teams, counts[0]):
        return Progress(campaign, None, None, None)
    return Progress(campaign, *counts)


def progress(session: Session, organisation: m.Organisation, campaign: m.Campaign, today: date,
             teams: frozenset[int] | None = None) -> Progress:
    """How far the people asked are (only those in ``teams``, a manager's, when given)."""
    return _progress(session, organisation, campaign, today, teams,
                     _counts(session, organisation, campaign, today, teams))


def overview(session: Session, organisation: m.Organisation, today: date,
             teams: frozenset[int] | None = None) -> list[Progress]:
    """The organisation's campaigns, newest due date first, with their progress.

    With ``teams`` (a manager's teams), only the campaigns that ask someone in those teams,
    and their progress counts only those teams' people.
    """
    found = session.scalars(select(m.Campaign).where(m.Campaign.organisation_id == organisation.id)
                            .order_by(m.Campaign.due_on.desc(), m.Campaign.id.desc()))
    shown = []
    for campaign in found:
        counts = _counts(session, organisation, campaign, today, teams)
        if teams is None or counts[0]:
            shown.append(_progress(session, organisation, campaign, today, teams, counts))
    return _hide_small_differences(session, organisation, shown, today, teams)


def _asked_keys(session: Session, organisation: m.Organisation, campaign: m.Campaign, today: date,
                teams: frozenset[int] | None) -> frozenset[int]:
    pop, where = _asked(organisation, campaign, today, teams)
    return frozenset(session.scalars(select(pop.c.key).select_from(pop).where(where)))


def _hide_small_differences(session: Session, organisation: m.Organisation, shown: list[Progress], today: date,
                            teams: frozenset[int] | None) -> list[Progress]:
    """Hide the narrower of two campaigns of one test whose groups differ by 1 to 4 people.

    A location's campaign beside a campaign for one of its teams, when the rest of the location
    is a small group, would show that group's progress by subtraction, just as the dashboard's
    pooled groups prevent. Only campaigns with figures take part; nested groups are compared.
    """
    minimum = organisation.min_group_size
    by_test: dict[int, list[int]] = {}
    for index, row in enumerate(shown):
        if not row.too_small:
            by_test.setdefault(row.campaign.test_id, []).append(index)
    hidden: set[int] = set()
    for indexes in by_test.values():
        if len(indexes) < 2:
            continue
        keys = {i: _asked_keys(session, organisation, shown[i].campaign, today, teams) for i in indexes}
        for a in indexes:
            for b in indexes:
                if a != b and keys[a] < keys[b] and 0 < len(keys[b] - keys[a]) < minimum:
                    hidden.add(a)  # a is the narrower one: showing both reveals b - a
    return [Progress(row.campaign, None, None, None) if i in hidden else row for i, row in enumerate(shown)]


def get(session: Session, organisation: m.Organisation, campaign_id: int, *, teams: frozenset[int] | None = None,
        today: date | None = None) -> m.Campaign:
    """A campaign of the organisation; with ``teams`` (a manager's), only one that asks someone in them.

    Raises:
        NotFoundError: for a campaign of another organisation, or one that does not concern the teams.
    """
    campaign = session.get(m.Campaign, campaign_id)
    if campaign is None or campaign.organisation_id != organisation.id or (
            teams is not None and not _counts(session, organisation, campaign, today, teams)[0]):
        raise NotFoundError(N_("Deze oproep bestaat niet."))
    return campaign


@dataclass(frozen=True)
class Waiting:
    """Someone a campaign asks who has not finished its test: what a reminder list holds."""

    personnel_number: str | None
    name: str | None
    email: str | None
    location_id: int | None
    team_id: int | None
    profile_id: int | None
    started: bool


def reminder_list(session: Session, organisation: m.Organisation, viewer: m.Person, campaign_id: int, *,
                  today: date, teams: frozenset[int] | None = None) -> tuple[m.Campaign, list[Waiting]]:
    """Who a campaign asks and has not finished its test yet (within a manager's ``teams``); audit-logged.

    Names and e-mail addresses only where the organisation stores personal data.

    Raises:
        ForbiddenError: when the organisation does not allow person-level views.
        NotFoundError: for a campaign of another organisation or outside the teams.
        ConflictError: when the group asked (within the teams), or for a manager the rest of it, is under
            the organisation's minimum.
    """
    if not organisation.hr_person_view:
        raise ForbiddenError(N_("Uw organisatie laat geen overzicht per persoon zien. U ziet alleen cijfers per groep."))
    campaign = get(session, organisation, campaign_id, teams=teams, today=today)
    asked = _counts(session, organisation, campaign, today, teams)[0]
    if _too_small(session, organisation, campaign, today, teams, asked):
        raise ConflictError(N_("Deze groep heeft minder dan %(n)s medewerkers. Een lijst per medewerker maken we "
                               "daarom niet."), n=organisation.min_group_size)
    pop, where = _asked(organisation, campaign, today, teams)
    tried = _attempts(campaign)
    rows = session.execute(
        select(pop.c.number, pop.c.name, m.Person.email, pop.c.location_id, pop.c.team_id, pop.c.profile_id,
               tried.c.person_id.is_not(None).label("started"))
        .select_from(pop).outerjoin(tried, tried.c.person_id == pop.c.person_id)
        .outerjoin(m.Person, m.Person.id == pop.c.person_id)
        .where(where, tried.c.finished.is_(None)).order_by(pop.c.number, pop.c.key))
    names = organisation.store_personal_data
    found = [Waiting(number, name if names else None, email if names else None, location, team, profile,
                     bool(started))
             for number, name, email, location, team, profile, started in rows]
    audit.record(session, organisation, viewer, audit.Action.PERSON_STATUSES_VIEWED, f"campaign:{campaign.id}",
                 {"purpose": "reminder-list", "teams": "all" if teams is None else ",".join(map(str, sorted(teams))),
                  "people": len(found)})
    return campaign, found


def remind(session: Session, organisation: m.Organisation, actor: m.Person, campaign_id: int,
           now: datetime) -> int:
    """Queue one reminder mail to each person asked who has not started; at most once a day; audit-logged.

    Returns the number of mails queued (people without an e-mail address get none).

    Raises:
        NotFoundError: for a campaign of another organisation.
        ConflictError: when the campaign's date has passed or a reminder went out today already.
    """
    campaign = get(session, organisation, campaign_id)
    today = now.date()
    if campaign.due_on < today:
        raise ConflictError(N_("De datum van deze oproep is voorbij. Er gaat geen herinnering meer uit."))
    if campaign.reminded_at is not None and campaign.reminded_at.date() == today:
        raise ConflictError(N_("Er ging vandaag al een herinnering uit voor deze oproep."))
    pop, where = _asked(organisation, campaign, today)
    tried = _attempts(campaign)
    waiting = session.scalars(select(m.Person).join(pop, pop.c.person_id == m.Person.id)
                              .outerjoin(tried, tried.c.person_id == pop.c.person_id)
                              .where(where, tried.c.person_id.is_(None)))
    version = campaign.test.current_version
    title = version.title if version is not None else campaign.test.application
    sent = 0
    for person in waiting:
        item = mail.enqueue(session, organisation, person, "campaign_reminder",
                            {"test_title": title, "due_on": campaign.due_on.strftime("%d-%m-%Y")},
                            dedupe_key=f"campaign:{campaign.id}:{today.isoformat()}:{person.id}", now=now)
        sent += item is not None
    campaign.reminded_at = now
    audit.record(session, organisation, actor, audit.Action.HR_REMINDER_SENT, f"campaign:{campaign.id}",
                 {"mails": sent})
    return sent


@dataclass(frozen=True)
class Invitation:
    """A campaign as the employee sees it on their start page."""

    title: str
    test_code: str
    test_title: str
    due_on: date
    done: bool


def for_employee(session: Session, person: m.Person, today: date) -> list[Invitation]:
    """The open campaigns (date not passed) that ask this person, and whether they finished the test since."""
    organisation = person.organisation
    pop = q.population(organisation, today)
    me = session.execute(select(pop.c.location_id, pop.c.team_id, pop.c.profile_id)
                         .where(pop.c.person_id == person.id)).first()
    if me is None:
        return []
    found = []
    for campaign in session.scalars(select(m.Campaign).where(m.Campaign.organisation_id == organisation.id,
                                                             m.Campaign.due_on >= today).order_by(m.Campaign.due_on)):
        wanted = (campaign.location_id, campaign.team_id, campaign.function_profile_id)
        if any(value is not None and value != mine for value, mine in zip(wanted, me, strict=True)):
            continue
        tried = _attempts(campaign)
        done = session.scalar(select(tried.c.finished).where(tried.c.person_id == person.id)) is not None
        version = campaign.test.current_version
        found.append(Invitation(campaign.title, campaign.test.code,
                                version.title if version is not None else campaign.test.application,
                                campaign.due_on, done))
    return found
