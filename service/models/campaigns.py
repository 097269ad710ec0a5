"""Test campaigns: HR asks a function, team or location to take a digi-toets by a date.

"Alle verzorgenden IG vóór 1 maart": the people of the group see it on their start page until
the date, and HR sees how many started and finished (only for groups of at least the
organisation's minimum) and can send one reminder a day to those who have not started.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("location_id IS NOT NULL OR team_id IS NOT NULL OR function_profile_id IS NOT NULL",
                        name="has_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    test_id: Mapped[int] = mapped_column(ForeignKey("digi_tests.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    function_profile_id: Mapped[int | None] = mapped_column(ForeignKey("function_profiles.id"))
    due_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    test = relationship("DigiTest")
