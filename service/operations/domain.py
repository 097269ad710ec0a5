"""Turn stored content rows back into the frozen ``mappings.model`` objects the rules use."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mappings import model
from service import models as m


def domain_item(item: m.Item) -> model.Item:
    return model.Item(
        code=item.code,
        type=model.ItemType(item.type),
        prompt=item.prompt,
        skills=tuple(model.ItemSkill(s.skill.code, s.level, s.weight) for s in item.skills),
        options=tuple(model.Option(**o) for o in item.data.get("options", [])),
        steps=tuple(item.data.get("steps", [])),
        feedback=item.feedback,
    )


def domain_test(version: m.TestVersion) -> model.DigiTest:
    """The test version as the scoring rules see it."""
    return model.DigiTest(
        code=version.test.code,
        title=version.title,
        application=version.test.application,
        function_level=version.test.function_level,
        description=version.description,
        minutes=version.minutes,
        items=tuple(domain_item(i) for i in version.items),
        profiles=tuple(p.code for p in version.profiles),
        time_limit_minutes=version.time_limit_minutes,
        pass_ratio=version.pass_ratio,
    )


def domain_themes(session: Session) -> tuple[model.Theme, ...]:
    """Every theme with its active skills (descriptors left out: the rules don't need them)."""
    themes = session.scalars(select(m.Theme).options(selectinload(m.Theme.skills)).order_by(m.Theme.position))
    return tuple(
        model.Theme(
            code=t.code,
            name=t.name,
            description=t.description,
            skills=tuple(
                model.Skill(code=s.code, theme=t.code, name=s.name, description=s.description, levels=(), device=s.device)
                for s in t.skills
                if s.active
            ),
        )
        for t in themes
    )


def domain_profile(profile: m.FunctionProfile) -> model.FunctionProfile:
    return model.FunctionProfile(
        code=profile.code,
        name=profile.name,
        description=profile.description,
        hr_codes=tuple(profile.hr_codes),
        requirements=tuple(
            model.Requirement(
                min_level=r.min_level,
                skill=r.skill.code if r.skill else None,
                theme=r.theme.code if r.theme else None,
                mandatory=r.mandatory,
                recertify_months=r.recertify_months,
            )
            for r in profile.requirements
        ),
    )


def domain_resources(session: Session) -> tuple[model.LearningResource, ...]:
    rows = session.scalars(
        select(m.LearningResource).where(m.LearningResource.active).order_by(m.LearningResource.position)
    )
    return tuple(
        model.LearningResource(
            code=r.code, skill=r.skill.code, kind=model.ResourceKind(r.kind), title=r.title, text=r.text,
            url=r.url, levels=tuple(r.levels), title_en=r.title_en or "", text_en=r.text_en or "",
        )
        for r in rows
    )


def domain_help_rules(session: Session) -> tuple[model.HelpRule, ...]:
    rows = session.scalars(select(m.HelpRule).where(m.HelpRule.active).order_by(m.HelpRule.id))
    return tuple(
        model.HelpRule(
            code=r.code, trigger=model.HelpTrigger(r.trigger), description=r.description, level=r.level,
            themes=tuple(r.themes), priority=r.priority,
        )
        for r in rows
    )
