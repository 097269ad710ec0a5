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


def _by_code(session: Session, cls) -> dict:
    return {row.code: row for row in session.scalars(select(cls))}


def _deactivate_missing(rows: dict, keep: set[str], summary: LoadSummary, kind: str) -> None:
    for code, row in rows.items():
        if code not in keep and row.active:
            row.active = False
            summary.note("deactivated", kind, code)


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
    themes = _by_code(session, m.Theme)
    skills = _by_code(session, m.Skill)
    for t_pos, theme in enumerate(bundle.themes):
        row = themes.get(theme.code)
        is_new = row is None
        if is_new:
            row = themes[theme.code] = m.Theme(code=theme.code)
            session.add(row)
        _sync(row, {"name": theme.name, "description": theme.description, "position": t_pos}, summary, "theme", theme.code, is_new)
        for s_pos, skill in enumerate(theme.skills):
            s_row = skills.get(skill.code)
            s_new = s_row is None
            if s_new:
                s_row = skills[skill.code] = m.Skill(code=skill.code)
                session.add(s_row)
            values = {
                "theme": row, "name": skill.name, "description": skill.description,
                "device": skill.device, "position": s_pos, "active": True,
            }
            _sync(s_row, values, summary, "skill", skill.code, s_new)
            current = {d.level: d for d in s_row.levels}
            for level in skill.levels:
                if level.level not in current:
                    s_row.levels.append(m.SkillLevelDescriptor(level=level.level, descriptor=level.descriptor))
                    if not s_new:
                        summary.note("updated", "skill", skill.code)
                elif current[level.level].descriptor != level.descriptor:
                    current[level.level].descriptor = level.descriptor
                    summary.note("updated", "skill", skill.code)
    _deactivate_missing(skills, set(bundle.skills), summary, "skill")
    return themes, skills


def _load_profiles(session, bundle, themes, skills, summary):
    profiles = _by_code(session, m.FunctionProfile)
    for profile in bundle.profiles:
        row = profiles.get(profile.code)
        is_new = row is None
        if is_new:
            row = profiles[profile.code] = m.FunctionProfile(code=profile.code)
            session.add(row)
        values = {"name": profile.name, "description": profile.description, "hr_codes": list(profile.hr_codes), "active": True}
        _sync(row, values, summary, "function_profile", profile.code, is_new)
        wanted = [
            (skills[r.skill] if r.skill else None, themes[r.theme] if r.theme else None, r.min_level, r.mandatory, r.recertify_months)
            for r in profile.requirements
        ]
        existing = [(r.skill, r.theme, r.min_level, r.mandatory, r.recertify_months) for r in row.requirements]
        if wanted != existing:
            row.requirements = [
                m.Requirement(skill=s, theme=t, min_level=lvl, mandatory=mand, recertify_months=rec, position=pos)
                for pos, (s, t, lvl, mand, rec) in enumerate(wanted)
            ]
            if not is_new:
                summary.note("updated", "function_profile", profile.code)
    _deactivate_missing(profiles, {p.code for p in bundle.profiles}, summary, "function_profile")
    return profiles


def _load_tests(session, bundle, skills, profiles, summary):
    tests = _by_code(session, m.DigiTest)
    for test in bundle.tests:
        row = tests.get(test.code)
        is_new = row is None
        if is_new:
            row = tests[test.code] = m.DigiTest(code=test.code)
            session.add(row)
        _sync(row, {"application": test.application, "function_level": test.function_level, "active": True},
              summary, "test", test.code, is_new)
        digest = test.content_hash()
        current = row.current_version
        if current is not None and current.content_hash == digest:
            continue
        number = 1 if current is None else current.number + 1
        version = m.TestVersion(
            number=number, content_hash=digest, title=test.title, description=test.description,
            minutes=test.minutes, time_limit_minutes=test.time_limit_minutes, pass_ratio=test.pass_ratio,
            profiles=[profiles[code] for code in test.profiles],
        )
        for pos, item in enumerate(test.items):
            version.items.append(
                m.Item(
                    code=item.code, position=pos, type=item.type.value, prompt=item.prompt, feedback=item.feedback,
                    data={"options": [asdict(o) for o in item.options], "steps": list(item.steps)},
                    skills=[m.ItemSkill(skill=skills[s.skill], level=s.level, weight=s.weight) for s in item.skills],
                )
            )
        row.versions.append(version)
        summary.new_test_versions.append(f"{test.code} v{number}")
    _deactivate_missing(tests, {t.code for t in bundle.tests}, summary, "test")


def _load_resources(session, bundle, skills, summary):
    rows = _by_code(session, m.LearningResource)
    for pos, res in enumerate(bundle.resources):
        row = rows.get(res.code)
        is_new = row is None
        if is_new:
            row = rows[res.code] = m.LearningResource(code=res.code)
            session.add(row)
        values = {
            "skill": skills[res.skill], "kind": res.kind.value, "title": res.title, "text": res.text,
            "url": res.url, "levels": list(res.levels), "position": pos, "active": True,
        }
        _sync(row, values, summary, "resource", res.code, is_new)
    _deactivate_missing(rows, {r.code for r in bundle.resources}, summary, "resource")


def _load_help_rules(session, bundle, summary):
    rows = _by_code(session, m.HelpRule)
    for rule in bundle.help_rules:
        row = rows.get(rule.code)
        is_new = row is None
        if is_new:
            row = rows[rule.code] = m.HelpRule(code=rule.code)
            session.add(row)
        values = {
            "trigger": rule.trigger.value, "description": rule.description, "level": rule.level,
            "themes": list(rule.themes), "priority": rule.priority, "active": True,
        }
        _sync(row, values, summary, "help_rule", rule.code, is_new)
    _deactivate_missing(rows, {r.code for r in bundle.help_rules}, summary, "help_rule")


def _load_registries(session, bundle, summary):
    rows = _by_code(session, m.AccreditationRegistry)
    for reg in bundle.registries:
        row = rows.get(reg.code)
        is_new = row is None
        if is_new:
            row = rows[reg.code] = m.AccreditationRegistry(code=reg.code)
            session.add(row)
        values = {
            "name": reg.name, "pe_online_org_id": reg.pe_online_org_id, "number_label": reg.number_label,
            "number_pattern": reg.number_pattern, "professions": list(reg.professions), "active": True,
        }
        _sync(row, values, summary, "registry", reg.code, is_new)
        rules = {r.code: r for r in row.rules}
        for rule in reg.rules:
            r_row = rules.get(rule.code)
            r_new = r_row is None
            if r_new:
                r_row = m.EarningRule(code=rule.code)
                row.rules.append(r_row)
            r_values = {
                "activity_kinds": [k.value for k in rule.activity_kinds], "min_hours": rule.min_hours,
                "points": rule.points, "certificate": rule.certificate, "period_months": rule.period_months,
                "active": True,
            }
            _sync(r_row, r_values, summary, "earning_rule", f"{reg.code}/{rule.code}", r_new)
        for code, r_row in rules.items():
            if code not in {r.code for r in reg.rules} and r_row.active:
                r_row.active = False
                summary.note("deactivated", "earning_rule", f"{reg.code}/{code}")
    _deactivate_missing(rows, {r.code for r in bundle.registries}, summary, "registry")
