"""Subject access (GDPR art. 15): every row Digitoets holds about one person, as plain data.

The same dictionary becomes the JSON download and the readable page. Each part is queried
by the person's own id, so nothing of another person can end up in it; content texts (test
titles, item prompts, skill names) are added so the answers can be read on their own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

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


def _hr_record(record: m.HrRecord | None) -> dict | None:
    if record is None:
        return None
    return {
        "personnel_number": record.personnel_number, "name": record.name, "email": record.email,
        "function_code": record.function_code, "function_name": record.function_name,
        "team": record.team.name if record.team else None,
        "location": record.location.name if record.location else None,
        "manager_number": record.manager_number,
        "employed_from": record.employed_from.isoformat() if record.employed_from else None,
        "employed_until": record.employed_until.isoformat() if record.employed_until else None,
        "linked_at": _when(record.matched_at), "left_at": _when(record.left_at), "left_reason": record.left_reason,
    }


def _exemptions(session: Session, person_id: int, record: m.HrRecord | None) -> list[dict]:
    """HR's exemptions for the person, and those granted to their HR record before their first launch."""
    holder = m.Exemption.person_id == person_id
    if record is not None:
        holder = or_(holder, m.Exemption.hr_record_id == record.id)
    return [{"skill": e.skill.code, "name": e.skill.name, "reason": e.reason, "until": e.until.isoformat(),
             "granted_at": _when(e.granted_at)}
            for e in session.scalars(select(m.Exemption).where(holder).order_by(m.Exemption.granted_at, m.Exemption.id))]


def _coaching_attended(session: Session, person_id: int) -> list[dict]:
    """Coaching sessions the person attended, as last recorded (a correction is a new version).

    Without the coach's note: only coaches see it (``CoachingSessionVersion.note``).
    """
    later = aliased(m.CoachingSessionVersion)
    newest = (select(func.max(later.number)).where(later.session_id == m.CoachingSessionVersion.session_id)
              .scalar_subquery())
    rows = session.execute(
        select(m.CoachingAttendance.minutes, m.CoachingSessionVersion, m.CoachingSession.voided_at)
        .join(m.CoachingSessionVersion, m.CoachingSessionVersion.id == m.CoachingAttendance.version_id)
        .join(m.CoachingSession, m.CoachingSession.id == m.CoachingSessionVersion.session_id)
        .where(m.CoachingAttendance.person_id == person_id, m.CoachingSessionVersion.number == newest)
        .order_by(m.CoachingSessionVersion.held_at, m.CoachingSession.id))
    return [{"held_at": _when(version.held_at), "form": version.form.value, "skills": list(version.skills or []),
             "applications": list(version.applications or []), "minutes": minutes,
             "voided_at": _when(voided_at)}
            for minutes, version, voided_at in rows]


def _mine(session: Session, model, person_id: int, order):
    return list(session.scalars(select(model).where(model.person_id == person_id).order_by(order)))


def collect(session: Session, person: m.Person, now: datetime) -> dict:
    """All data about ``person``: identity, roles, functions, what HR sent about them and HR's
    exemptions, attempts with answers, levels, help requests, coaching they attended, courses,
    accreditation and who looked at their data."""
    pid = person.id
    memberships = session.execute(
        select(m.CourseMembership, m.LtiContext).join(m.LtiContext, m.LtiContext.id == m.CourseMembership.context_id)
        .where(m.CourseMembership.person_id == pid).order_by(m.CourseMembership.id))
    hr_record = session.scalar(select(m.HrRecord).where(m.HrRecord.person_id == pid))
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
        "hr_record": _hr_record(hr_record),
        "exemptions": _exemptions(session, pid, hr_record),
        "help_requests": [_help_request(r) for r in _mine(session, m.HelpRequest, pid, m.HelpRequest.created_at)],
        "coaching_attended": _coaching_attended(session, pid),
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
