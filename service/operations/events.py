"""Side effects of product events, written to the outbox in the event's own transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service import models as m


def attempt_started(session: Session, attempt: m.Attempt) -> None:
    """Record that an attempt was launched and initialised."""


def attempt_scored(session: Session, attempt: m.Attempt, result) -> None:
    """Record the answers, the completion, the judgement and the per-skill levels."""


def help_requested(session: Session, request: m.HelpRequest) -> None:
    """Record a new help request."""
