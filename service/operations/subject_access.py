"""Subject access (GDPR art. 15): every row Digitoets holds about one person, as plain data.

The same dictionary becomes the JSON download and the readable page. Each part is queried
by the person's own id, so nothing of another person can end up in it; content texts (test
titles, item prompts, skill names) are added so the answers can be read on their own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import models as m


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _enum(value) -> str | None:
    return getattr(value, "value", value)


def _attempt(attempt: m.Attempt) -> dict:
    version = attempt.test_version
    return {
        "registration": str(attempt.registration),
        "test": version.test.code, "title": version.title, "version": version.number,
        "status": attempt.status.value, "started_at": _when(attempt.started_at),
        "submitted_at": _when(attempt.submitted_at), "scored_at": _when(attempt.scored_at),
        "score_raw": attempt.score_raw, "score_max": attempt.score_max, "score_scaled": attempt.score_scaled,
        "passed": attempt.passed,
        "function": attempt.function_profile.code if attempt.function_profile else None,
        "answers": [
            {"item": r.item.code, "question": r.item.prompt, "answer": r.answer.get("value", r.answer),
             "score": r.score, "answered_at": _when(r.answered_at)}
            for r in sorted(attempt.responses, key=lambda r: r.item.position)
        ],
        "skill_levels": [
            {"skill": o.skill.code, "name": o.skill.name, "level": o.level, "required_level": o.required_level,
             "observed_at": _when(o.observed_at)}
            for o in sorted(attempt.observations, key=lambda o: o.skill.code)
        ],
    }


def _help_request(request: m.HelpRequest) -> dict:
    return {
        "id": str(request.uuid), "skill": request.skill.code, "skill_name": request.skill.name,
        "status": request.status.value, "priority": request.priority, "message": request.message,
        "consent_at": _when(request.consent_at), "consent_text": request.consent_text,
        "created_at": _when(request.created_at), "claimed_at": _when(request.claimed_at),
        "resolved_at": _when(request.resolved_at), "resolution_note": request.resolution_note,
        "coaching_sessions": [
            {"planned_at": _when(s.planned_at), "held_at": _when(s.held_at), "duration_minutes": s.duration_minutes}
            for s in request.sessions
        ],
    }


def _mine(session: Session, model, person_id: int, order):
    return list(session.scalars(select(model).where(model.person_id == person_id).order_by(order)))


def collect(session: Session, person: m.Person, now: datetime) -> dict:
    """All data about ``person``: identity, roles, functions, attempts with answers, levels,
    help requests, coaching, courses, accreditation and who looked at their data."""
    pid = person.id
    memberships = session.execute(
        select(m.CourseMembership, m.LtiContext).join(m.LtiContext, m.LtiContext.id == m.CourseMembership.context_id)
        .where(m.CourseMembership.person_id == pid).order_by(m.CourseMembership.id))
    audit_rows = session.scalars(select(m.AuditEvent).where(
        m.AuditEvent.organisation_id == person.organisation_id, m.AuditEvent.subject == f"person:{pid}",
    ).order_by(m.AuditEvent.at, m.AuditEvent.id))
    return {
        "generated_at": _when(now),
        "organisation": person.organisation.name,
        "person": {
            "pseudonym": str(person.pseudonym), "lms": person.issuer, "lms_account": person.subject,
            "name": person.name, "email": person.email, "team": person.team.name if person.team else None,
            "locale": person.locale, "created_at": _when(person.created_at), "last_seen_at": _when(person.last_seen_at),
        },
        "roles": [{"role": r.role.value, "source": r.source.value, "granted_by": r.granted_by, "granted_at": _when(r.granted_at)}
                  for r in sorted(person.roles, key=lambda r: r.role.value)],
        "functions": [{"function": a.profile.code, "name": a.profile.name, "source": a.source.value,
                       "valid_from": _when(a.valid_from), "valid_until": _when(a.valid_until)}
                      for a in person.function_assignments],
        "attempts": [_attempt(a) for a in _mine(session, m.Attempt, pid, m.Attempt.started_at)],
        "current_levels": [{"skill": c.skill.code, "name": c.skill.name, "level": c.level,
                            "observed_at": _when(c.observed_at)}
                           for c in _mine(session, m.CurrentSkillLevel, pid, m.CurrentSkillLevel.skill_id)],
        "help_requests": [_help_request(r) for r in _mine(session, m.HelpRequest, pid, m.HelpRequest.created_at)],
        "courses": [{"course": ctx.title, "roles": cm.roles, "status": cm.status, "synced_at": _when(cm.synced_at)}
                    for cm, ctx in memberships],
        "registration_numbers": [{"registry": n.registry_id, "number": n.number, "consent_at": _when(n.consent_at),
                                  "withdrawn_at": _when(n.withdrawn_at)}
                                 for n in _mine(session, m.RegistrationNumber, pid, m.RegistrationNumber.id)],
        "learning_hours": [{"kind": _enum(h.kind), "minutes": h.minutes, "occurred_at": _when(h.occurred_at),
                            "title": h.title}
                           for h in _mine(session, m.LearningHours, pid, m.LearningHours.occurred_at)],
        "accreditation_records": [{"minutes": r.minutes, "points": r.points, "accreditation_id": r.accreditation_id,
                                   "status": r.status.value, "period_start": _when(r.period_start),
                                   "period_end": _when(r.period_end), "certificate": r.certificate_code,
                                   "granted_at": _when(r.granted_at)}
                                  for r in _mine(session, m.AccreditationRecord, pid, m.AccreditationRecord.granted_at)],
        "viewed_or_changed_by_others": [{"action": e.action, "at": _when(e.at), "by_self": e.actor_id == pid}
                                        for e in audit_rows],
    }
