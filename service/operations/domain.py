"""Turn stored content rows back into the frozen ``mappings.model`` objects the rules use, and keep them in memory."""

from __future__ import annotations

import threading
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mappings import model
from mappings import requirements as req
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


# --- the content domain in memory ------------------------------------------------------------
#
# Published content never changes in place: a changed test is a new version, and every load
# that changes anything adds a ``content_releases`` row. So each process keeps one read-only
# copy of the content (plain frozen objects with the models' attribute names, so ``localized``,
# templates and the ``domain_*`` functions above take them as they take rows) and reloads it when
# the newest release differs: one cheap query per database session, which also sees a
# ``digitoets content load`` run by another process.


@dataclass(frozen=True, eq=False)
class ThemeView:
    id: int
    code: str
    name: str
    name_en: str | None
    position: int


@dataclass(frozen=True, eq=False)
class SkillView:
    id: int
    code: str
    name: str
    name_en: str | None
    description: str
    position: int
    active: bool
    theme: ThemeView


@dataclass(frozen=True, eq=False)
class ItemSkillView:
    skill: SkillView
    level: int
    weight: float


@dataclass(frozen=True, eq=False)
class ItemView:
    id: int
    code: str
    position: int
    type: str
    prompt: str
    prompt_en: str | None
    feedback: str
    feedback_en: str | None
    data: dict
    skills: tuple[ItemSkillView, ...]


@dataclass(frozen=True, eq=False)
class TestView:
    id: int
    code: str
    application: str
    application_en: str | None
    function_level: str


@dataclass(frozen=True, eq=False)
class ProfileView:
    id: int
    code: str
    name: str
    name_en: str | None


@dataclass(frozen=True, eq=False)
class VersionView:
    id: int
    number: int
    title: str
    title_en: str | None
    description: str
    description_en: str | None
    minutes: int
    time_limit_minutes: int | None
    pass_ratio: float
    test: TestView
    items: tuple[ItemView, ...]
    profiles: tuple[ProfileView, ...]

    def item(self, code: str) -> ItemView | None:
        return next((i for i in self.items if i.code == code), None)


@dataclass(frozen=True, eq=False)
class OfferedTest:
    """An active digi-toets and its current version (what a test list shows)."""

    code: str
    application: str
    current_version: VersionView


@dataclass(frozen=True, eq=False)
class Content:
    """Everything published, read once per release; never changed after it is built."""

    key: tuple
    versions: dict[int, VersionView]
    skills: dict[int, SkillView]
    skills_by_code: dict[str, SkillView]
    profiles: dict[int, ProfileView]
    #: (skill id, level) -> the level's descriptor row (``descriptor``, ``descriptor_en``)
    descriptors: dict[tuple[int, int], object]
    themes: tuple[model.Theme, ...]
    resources: tuple[model.LearningResource, ...]
    help_rules: tuple[model.HelpRule, ...]
    #: version id -> the test as the scoring rules see it
    domain_tests: dict[int, model.DigiTest]
    #: profile id -> skill code -> Requirement (theme requirements expanded)
    required: dict[int, dict]
    #: active tests with a version, by application
    offered: tuple[OfferedTest, ...]


@dataclass(frozen=True)
class _Descriptor:
    descriptor: str
    descriptor_en: str | None


_cache: dict[str, Content] = {}
_lock = threading.Lock()
KEY_INFO = "content_key"
#: (database, newest release) as this request already read it (``use_release_key``)
_request_key: ContextVar[tuple[str, tuple] | None] = ContextVar("content_release_key", default=None)


def use_release_key(database: str | None, key: tuple | None = None) -> None:
    """The newest content release of ``database`` as this request read it beside other data
    (the per-request roles read); ``None`` forgets it at the end of the request.

    Sessions of the request take it instead of a query of their own. A release published in
    between counts from the next request on; a test version newer than the key still makes
    ``content`` read again.
    """
    _request_key.set((database, key) if database is not None else None)


def release_key_columns():
    """A subquery of the newest release's ``id`` and ``loaded_at``, to outer-join ON true."""
    return (select(m.ContentRelease.id.label("release_id"), m.ContentRelease.loaded_at.label("release_loaded_at"))
            .order_by(m.ContentRelease.id.desc()).limit(1).subquery())


def _release_key(session: Session) -> tuple:
    """The newest content release of this session's database, read once per session (or request)."""
    key = session.info.get(KEY_INFO)
    if key is None and (known := _request_key.get()) is not None and known[0] == _database_of(session):
        key = session.info[KEY_INFO] = known[1]
    if key is None:
        row = session.execute(
            select(m.ContentRelease.id, m.ContentRelease.loaded_at).order_by(m.ContentRelease.id.desc()).limit(1)
        ).first()
        key = session.info[KEY_INFO] = (row.id, row.loaded_at) if row else (None, None)
    return key


def _database_of(session: Session) -> str:
    return str(session.get_bind().engine.url)


def content(session: Session, version_id: int | None = None) -> Content:
    """The published content, from memory while no newer release was loaded.

    ``version_id``: a test version that must be in it (one created after the copy was read,
    without a release, makes it read again).
    """
    database, key = _database_of(session), _release_key(session)
    current = _cache.get(database)
    if current is None or current.key != key or (version_id is not None and version_id not in current.versions):
        with _lock:
            current = _cache[database] = _read_content(session, key)
    return current


def forget_content() -> None:
    """Drop every copy (the next request reads the content again)."""
    _cache.clear()


def _read_content(session: Session, key: tuple) -> Content:
    themes = {t.id: ThemeView(t.id, t.code, t.name, t.name_en, t.position) for t in session.scalars(select(m.Theme))}
    skill_rows = session.scalars(select(m.Skill).options(selectinload(m.Skill.levels))).all()
    skills = {s.id: SkillView(s.id, s.code, s.name, s.name_en, s.description, s.position, s.active, themes[s.theme_id])
              for s in skill_rows}
    descriptors = {(s.id, d.level): _Descriptor(d.descriptor, d.descriptor_en) for s in skill_rows for d in s.levels}
    profile_rows = session.scalars(
        select(m.FunctionProfile).options(selectinload(m.FunctionProfile.requirements))
    ).all()
    profiles = {p.id: ProfileView(p.id, p.code, p.name, p.name_en) for p in profile_rows}
    versions, offered = {}, []
    tests = session.scalars(select(m.DigiTest).order_by(m.DigiTest.application, m.DigiTest.id).options(
        selectinload(m.DigiTest.versions).selectinload(m.TestVersion.items).selectinload(m.Item.skills),
        selectinload(m.DigiTest.versions).selectinload(m.TestVersion.profiles),
    ))
    for test in tests:
        test_view = TestView(test.id, test.code, test.application, test.application_en, test.function_level)
        for v in test.versions:
            items = tuple(
                ItemView(i.id, i.code, i.position, i.type, i.prompt, i.prompt_en, i.feedback, i.feedback_en, i.data,
                         tuple(ItemSkillView(skills[s.skill_id], s.level, s.weight) for s in i.skills))
                for i in v.items
            )
            versions[v.id] = VersionView(
                v.id, v.number, v.title, v.title_en, v.description, v.description_en, v.minutes,
                v.time_limit_minutes, v.pass_ratio, test_view, items, tuple(profiles[p.id] for p in v.profiles),
            )
        if test.active and test.versions:
            offered.append(OfferedTest(test.code, test.application, versions[test.versions[-1].id]))
    domain_theme_list = domain_themes(session)
    required = {}
    for p in profile_rows:
        profile = model.FunctionProfile(
            code=p.code, name=p.name, description=p.description, hr_codes=tuple(p.hr_codes),
            requirements=tuple(
                model.Requirement(min_level=r.min_level, skill=skills[r.skill_id].code if r.skill_id else None,
                                  theme=themes[r.theme_id].code if r.theme_id else None, mandatory=r.mandatory,
                                  recertify_months=r.recertify_months)
                for r in p.requirements
            ),
        )
        required[p.id] = req.expand_requirements(profile, domain_theme_list)
    resources = tuple(
        model.LearningResource(
            code=r.code, skill=skills[r.skill_id].code, kind=model.ResourceKind(r.kind), title=r.title, text=r.text,
            url=r.url, levels=tuple(r.levels), title_en=r.title_en or "", text_en=r.text_en or "",
        )
        for r in session.scalars(
            select(m.LearningResource).where(m.LearningResource.active).order_by(m.LearningResource.position)
        )
    )
    return Content(
        key=key, versions=versions, skills=skills, skills_by_code={s.code: s for s in skills.values()},
        profiles=profiles, descriptors=descriptors, themes=domain_theme_list, resources=resources,
        help_rules=domain_help_rules(session),
        domain_tests={vid: domain_test(v) for vid, v in versions.items()}, required=required,
        offered=tuple(sorted(offered, key=lambda t: t.application)),
    )
