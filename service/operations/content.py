"""Store a validated content bundle: idempotent, and a changed test becomes a new version.

Rows are matched by their code, so a reload updates in place. Content that disappeared from
the files is marked inactive rather than deleted: old attempts and results still point at it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from mappings import model
from service import models as m


@dataclass
class LoadSummary:
    """What a load changed, per kind: lists of codes."""

    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    deactivated: dict[str, list[str]] = field(default_factory=dict)
    new_test_versions: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated or self.new_test_versions)

    def note(self, bucket: str, kind: str, code: str) -> None:
        getattr(self, bucket).setdefault(kind, []).append(code)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "deactivated": self.deactivated,
            "new_test_versions": self.new_test_versions,
        }


def bundle_hash(bundle: model.ContentBundle) -> str:
    payload = json.dumps(asdict(bundle), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _english(entry, names=None) -> dict:
    """The ``x_en`` columns of an entry: its English texts, None where the content has none.

    Without ``names``, every ``x_en`` field of the dataclass that is a plain text is taken.
    """
    names = names or [f[:-3] for f, v in vars(entry).items() if f.endswith("_en") and isinstance(v, str)]
    return {f"{name}_en": getattr(entry, f"{name}_en") or None for name in names}


def _sync(obj, values: dict, summary: LoadSummary, kind: str, code: str, is_new: bool) -> None:
    """Set attributes that differ; record the object as created or updated."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    if is_new:
        summary.note("created", kind, code)
    elif changed:
        summary.note("updated", kind, code)


def _upsert(session: Session, summary: LoadSummary, cls, kind: str, entries, values, deactivate: bool = True) -> dict:
    """Create or update one row per content entry, matched by code; returns code -> row.

    ``values(entry, position)`` gives the columns to set. Rows whose code is no longer in the
    files are marked inactive (kept: old attempts and results still point at them).
    """
    rows = {row.code: row for row in session.scalars(select(cls))}
    for position, entry in enumerate(entries):
        row = rows.get(entry.code)
        is_new = row is None
        if is_new:
            row = rows[entry.code] = cls(code=entry.code)
            session.add(row)
        _sync(row, values(entry, position), summary, kind, entry.code, is_new)
    if deactivate:
        keep = {entry.code for entry in entries}
        for code, row in rows.items():
            if code not in keep and row.active:
                row.active = False
                summary.note("deactivated", kind, code)
    return rows


def load_content(session: Session, bundle: model.ContentBundle) -> LoadSummary:
    """Create or update every content row from ``bundle``; flushes, never commits.

    Returns:
        What changed; an unchanged bundle gives an empty summary and writes nothing.
    """
    summary = LoadSummary()
    themes, skills = _load_catalogue(session, bundle, summary)
    profiles = _load_profiles(session, bundle, themes, skills, summary)
    _load_tests(session, bundle, skills, profiles, summary)
    _load_resources(session, bundle, skills, summary)
    _load_help_rules(session, bundle, summary)
    _load_registries(session, bundle, summary)
    if summary.changed:
        session.add(m.ContentRelease(content_hash=bundle_hash(bundle), summary=summary.as_dict()))
    session.flush()
    return summary


def _load_catalogue(session, bundle, summary):
    themes = _upsert(session, summary, m.Theme, "theme", bundle.themes,
                     lambda t, pos: {"name": t.name, "description": t.description, "position": pos, **_english(t)},
                     deactivate=False)
    entries = [(skill, position) for theme in bundle.themes for position, skill in enumerate(theme.skills)]
    positions = {skill.code: position for skill, position in entries}
    skills = _upsert(
        session, summary, m.Skill, "skill", [skill for skill, _ in entries],
        lambda sk, _pos: {"theme": themes[sk.theme], "name": sk.name, "description": sk.description,
                          "device": sk.device, "position": positions[sk.code], "active": True, **_english(sk)},
    )
    for skill, _ in entries:
        row = skills[skill.code]
        current = {d.level: d for d in row.levels}
        for level in skill.levels:
            english = level.descriptor_en or None
            if level.level not in current:
                row.levels.append(m.SkillLevelDescriptor(level=level.level, descriptor=level.descriptor,
                                                         descriptor_en=english))
            elif (current[level.level].descriptor, current[level.level].descriptor_en) != (level.descriptor, english):
                current[level.level].descriptor, current[level.level].descriptor_en = level.descriptor, english
            else:
                continue
            if skill.code not in summary.created.get("skill", []):
                summary.note("updated", "skill", skill.code)
    return themes, skills


def _load_profiles(session, bundle, themes, skills, summary):
    profiles = _upsert(
        session, summary, m.FunctionProfile, "function_profile", bundle.profiles,
        lambda p, _pos: {"name": p.name, "description": p.description, "hr_codes": list(p.hr_codes), "active": True,
                         **_english(p)},
    )
    for profile in bundle.profiles:
        row = profiles[profile.code]
        wanted = [
            (skills[r.skill] if r.skill else None, themes[r.theme] if r.theme else None,
             r.min_level, r.mandatory, r.recertify_months)
            for r in profile.requirements
        ]
        existing = [(r.skill, r.theme, r.min_level, r.mandatory, r.recertify_months) for r in row.requirements]
        if wanted != existing:
            row.requirements = [
                m.Requirement(skill=s, theme=t, min_level=lvl, mandatory=mand, recertify_months=rec, position=pos)
                for pos, (s, t, lvl, mand, rec) in enumerate(wanted)
            ]
            if profile.code not in summary.created.get("function_profile", []):
                summary.note("updated", "function_profile", profile.code)
    return profiles


def _load_tests(session, bundle, skills, profiles, summary):
    tests = _upsert(
        session, summary, m.DigiTest, "test", bundle.tests,
        lambda t, _pos: {"application": t.application, "function_level": t.function_level, "active": True,
                         **_english(t, ("application", "function_level"))},
    )
    for test in bundle.tests:
        row = tests[test.code]
        digest = test.content_hash()
        current = row.current_version
        if current is not None and current.content_hash == digest:
            continue
        number = 1 if current is None else current.number + 1
        version = m.TestVersion(
            number=number, content_hash=digest, title=test.title, description=test.description,
            minutes=test.minutes, time_limit_minutes=test.time_limit_minutes, pass_ratio=test.pass_ratio,
            profiles=[profiles[code] for code in test.profiles], **_english(test, ("title", "description")),
        )
        for pos, item in enumerate(test.items):
            version.items.append(
                m.Item(
                    code=item.code, position=pos, type=item.type.value, prompt=item.prompt, feedback=item.feedback,
                    data={"options": [asdict(o) for o in item.options], "steps": list(item.steps),
                          "steps_en": list(item.steps_en)},
                    **_english(item, ("prompt", "feedback")),
                    skills=[m.ItemSkill(skill=skills[s.skill], level=s.level, weight=s.weight) for s in item.skills],
                )
            )
        row.versions.append(version)
        summary.new_test_versions.append(f"{test.code} v{number}")


def _load_resources(session, bundle, skills, summary):
    _upsert(
        session, summary, m.LearningResource, "resource", bundle.resources,
        lambda r, pos: {"skill": skills[r.skill], "kind": r.kind.value, "title": r.title, "text": r.text,
                        "url": r.url, "levels": list(r.levels), "position": pos, "active": True, **_english(r)},
    )


def _load_help_rules(session, bundle, summary):
    _upsert(
        session, summary, m.HelpRule, "help_rule", bundle.help_rules,
        lambda r, _pos: {"trigger": r.trigger.value, "description": r.description, "level": r.level,
                         "themes": list(r.themes), "priority": r.priority, "active": True, **_english(r)},
    )


def _load_registries(session, bundle, summary):
    registries = _upsert(
        session, summary, m.AccreditationRegistry, "registry", bundle.registries,
        lambda r, _pos: {"name": r.name, "pe_online_org_id": r.pe_online_org_id, "number_label": r.number_label,
                         "number_pattern": r.number_pattern, "professions": list(r.professions), "active": True,
                         **_english(r)},
    )
    for registry in bundle.registries:
        row = registries[registry.code]
        existing = {rule.code: rule for rule in row.rules}
        for rule in registry.rules:
            rule_row = existing.get(rule.code)
            is_new = rule_row is None
            if is_new:
                rule_row = m.EarningRule(code=rule.code)
                row.rules.append(rule_row)
            values = {
                "activity_kinds": [k.value for k in rule.activity_kinds], "min_hours": rule.min_hours,
                "points": rule.points, "certificate": rule.certificate, "period_months": rule.period_months,
                "counting": rule.counting, "test_minutes": rule.test_minutes, "active": True,
            }
            _sync(rule_row, values, summary, "earning_rule", f"{registry.code}/{rule.code}", is_new)
        for code, rule_row in existing.items():
            if code not in {r.code for r in registry.rules} and rule_row.active:
                rule_row.active = False
                summary.note("deactivated", "earning_rule", f"{registry.code}/{code}")
        _load_activities(session, registry, row, {rule.code: rule for rule in row.rules}, summary)


def _load_activities(session, registry, row, rules, summary):
    """Accredited activities of one registry; a changed course id updates the row (records keep theirs)."""
    existing = {a.code: a for a in session.scalars(select(m.AccreditedActivity).where(
        m.AccreditedActivity.registry_id == row.id))} if row.id else {}
    for activity in registry.activities:
        activity_row = existing.get(activity.code)
        is_new = activity_row is None
        if is_new:
            activity_row = m.AccreditedActivity(code=activity.code, accreditation_registry=row)
            session.add(activity_row)
        values = {
            "title": activity.title, "title_en": activity.title_en or None, "type": activity.type,
            "rule": rules[activity.rule], "pe_course_id": activity.pe_course_id,
            "external_course_id": activity.external_course_id, "module_id": activity.module_id,
            "edition_id": activity.edition_id, "meeting_id": activity.meeting_id, "valid_from": activity.valid_from,
            "valid_until": activity.valid_until, "active": True,
        }
        _sync(activity_row, values, summary, "accredited_activity", f"{registry.code}/{activity.code}", is_new)
    for code, activity_row in existing.items():
        if code not in {a.code for a in registry.activities} and activity_row.active:
            activity_row.active = False
            summary.note("deactivated", "accredited_activity", f"{registry.code}/{code}")
