"""The tenant: an organisation with its privacy settings, locations and teams."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow
from service.models._types import EncryptedString, enum_type


class ResultVisibility(enum.Enum):
    """Who may see an individual employee's results (the employee always sees their own)."""

    EMPLOYEE_ONLY = "employee_only"  # HR and managers see only group figures
    MANAGER = "manager"  # the team manager sees individual results too
    HR = "hr"  # HR and the team manager see individual results


class HelpRequestMode(enum.Enum):
    """How a low score becomes a help request."""

    OPT_IN = "opt_in"  # the employee asks for help on the result page
    AUTOMATIC = "automatic"  # help rules create the request; the employee is told


class Organisation(Base):
    """A care organisation using Digitoets; every person and result belongs to one."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("min_group_size >= 1", name="min_group_size_positive"),
        CheckConstraint("retention_months >= 1", name="retention_positive"),
        CheckConstraint("leaver_months >= 1", name="leaver_months_positive"),
        CheckConstraint("expiring_days >= 0", name="expiring_days_positive"),
        CheckConstraint("valid_months IS NULL OR valid_months >= 1", name="valid_months_positive"),
        CheckConstraint("pickup_days >= 1", name="pickup_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    result_visibility: Mapped[ResultVisibility] = mapped_column(
        enum_type(ResultVisibility, "result_visibility"), default=ResultVisibility.EMPLOYEE_ONLY
    )
    #: team and location figures are shown only for groups at least this large
    min_group_size: Mapped[int] = mapped_column(default=5)
    help_request_mode: Mapped[HelpRequestMode] = mapped_column(
        enum_type(HelpRequestMode, "help_request_mode"), default=HelpRequestMode.OPT_IN
    )
    #: attempts and responses older than this are removed (personal data minimisation)
    retention_months: Mapped[int] = mapped_column(default=36)
    #: someone without a launch for this long counts as left; the retention job then removes
    #: their name and LMS account (pseudonymises them), keeping the accreditation ledger
    leaver_months: Mapped[int] = mapped_column(default=24)
    #: the function an employee gets who answers "weet ik niet / staat er niet bij" (None: not offered)
    default_function_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("function_profiles.id", ondelete="SET NULL")
    )
    #: store name and e-mail from the LMS launch; off keeps people pseudonymous
    store_personal_data: Mapped[bool] = mapped_column(default=False)
    #: a teacher's course overview shows each participant's level per skill (off: only progress and score)
    teacher_sees_levels: Mapped[bool] = mapped_column(default=False)
    #: HR and managers may see statuses per person (skills matrix of people); off: only group figures
    hr_person_view: Mapped[bool] = mapped_column(default=False)
    #: a met requirement shows as "expiring soon" this many days before its result expires
    expiring_days: Mapped[int] = mapped_column(default=60)
    #: months a demonstrated level stays valid unless the requirement says otherwise (None: no expiry)
    valid_months: Mapped[int | None]
    #: a help request should be claimed within this many working days (Monday to Friday)
    pickup_days: Mapped[int] = mapped_column(default=2, server_default="2")
    #: identify the actor in xAPI by e-mail instead of a pseudonymous account
    xapi_identify_by_email: Mapped[bool] = mapped_column(default=False)
    lrs_endpoint: Mapped[str | None] = mapped_column(String(500))
    lrs_username: Mapped[str | None] = mapped_column(String(200))
    #: encrypted at rest (service.crypto); an organisation admin never sees it back
    lrs_password: Mapped[str | None] = mapped_column(EncryptedString(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    default_function_profile = relationship("FunctionProfile")
    locations: Mapped[list[Location]] = relationship(back_populates="organisation")
    teams: Mapped[list[Team]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Location(Base):
    """A site of the organisation (a care home, a GP practice)."""

    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(back_populates="locations")


class Team(Base):
    """A team, optionally at one location; HR figures group by team and location."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(back_populates="teams")
    location: Mapped[Location | None] = relationship()


class OrganisationFunctionCode(Base):
    """Maps an organisation's own HR function code to a function profile of the catalogue."""

    __tablename__ = "organisation_function_codes"
    __table_args__ = (UniqueConstraint("organisation_id", "hr_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    hr_code: Mapped[str] = mapped_column(String(64))
    function_profile_id: Mapped[int] = mapped_column(ForeignKey("function_profiles.id", ondelete="CASCADE"))
