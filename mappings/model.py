"""Frozen dataclasses for the content a content owner maintains as YAML files.

These are the pure domain objects: the loader turns validated YAML into them, the
service stores them in the database, and the scoring rules in ``mappings.scoring``
work on them without a database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from mappings.errors import ContentProblem

#: Skill levels run from 1 to 4; a demonstrated level of 0 means "below level 1".
MIN_LEVEL = 1
MAX_LEVEL = 4
LEVELS = tuple(range(MIN_LEVEL, MAX_LEVEL + 1))


class ItemType(str, Enum):
    """The kinds of question a digi-toets can ask."""

    SINGLE = "single"  # one correct option
    MULTIPLE = "multiple"  # one or more correct options, partial credit
    SELF_RATING = "self_rating"  # "kan ik nog niet" .. "kan ik anderen uitleggen"
    ORDERING = "ordering"  # put the steps in the right order


class ResourceKind(str, Enum):
    """What a learning resource is."""

    TIP = "tip"
    LINK = "link"
    VIDEO = "video"
    ELEARNING = "elearning"


class HelpTrigger(str, Enum):
    """When a help rule fires for a skill."""

    BELOW_REQUIREMENT = "below_requirement"  # demonstrated level < the function's minimum
    LEVEL_AT_MOST = "level_at_most"  # demonstrated level <= a fixed level, whatever the function


class ActivityKind(str, Enum):
    """Learning activities that count towards accreditation hours."""

    COACHING = "coaching"
    TEST = "test"
    ELEARNING = "elearning"


@dataclass(frozen=True)
class SkillLevel:
    level: int
    descriptor: str
    descriptor_en: str = ""


@dataclass(frozen=True)
class Skill:
    code: str
    theme: str
    name: str
    description: str
    levels: tuple[SkillLevel, ...]
    device: str = "beide"  # laptop | mobiel | beide: Sint Jacob found phone skills differ
    name_en: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class Theme:
    code: str
    name: str
    description: str
    skills: tuple[Skill, ...]
    name_en: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class Requirement:
    """A minimum level that a function profile asks for one skill or a whole theme."""

    min_level: int
    skill: str | None = None
    theme: str | None = None
    mandatory: bool = True
    recertify_months: int | None = None


@dataclass(frozen=True)
class FunctionProfile:
    code: str
    name: str
    description: str
    requirements: tuple[Requirement, ...]
    hr_codes: tuple[str, ...] = ()
    name_en: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class ItemSkill:
    """Evidence link: a right answer on the item shows ``skill`` at ``level``."""

    skill: str
    level: int
    weight: float = 1.0


@dataclass(frozen=True)
class Option:
    code: str
    text: str
    correct: bool = False
    text_en: str = ""


@dataclass(frozen=True)
class Item:
    code: str
    type: ItemType
    prompt: str
    skills: tuple[ItemSkill, ...]
    options: tuple[Option, ...] = ()  # single / multiple
    steps: tuple[str, ...] = ()  # ordering: the steps in the right order
    feedback: str = ""
    prompt_en: str = ""
    steps_en: tuple[str, ...] = ()
    feedback_en: str = ""

    @property
    def correct_codes(self) -> frozenset[str]:
        return frozenset(o.code for o in self.options if o.correct)


@dataclass(frozen=True)
class DigiTest:
    """A digi-toets: one application at one function level."""

    code: str
    title: str
    application: str
    function_level: str
    description: str
    minutes: int
    items: tuple[Item, ...]
    profiles: tuple[str, ...] = ()
    time_limit_minutes: int | None = None
    pass_ratio: float = 0.7
    title_en: str = ""
    application_en: str = ""
    function_level_en: str = ""
    description_en: str = ""

    def content_hash(self) -> str:
        """Hash of everything an attempt depends on: a change here is a new version.

        Absent English is left out, so a test without English keeps the hash it had before
        the format knew English.
        """
        payload = json.dumps(_without_absent_english(asdict(self)), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LearningResource:
    code: str
    skill: str
    kind: ResourceKind
    title: str
    text: str = ""
    url: str | None = None
    levels: tuple[int, ...] = LEVELS  # show when the demonstrated level is below one of these
    title_en: str = ""
    text_en: str = ""


@dataclass(frozen=True)
class HelpRule:
    code: str
    trigger: HelpTrigger
    description: str
    level: int | None = None  # for level_at_most
    themes: tuple[str, ...] = ()  # empty: every theme
    priority: str = "normaal"
    description_en: str = ""


class Counting(str, Enum):
    """How a rule turns minutes into points."""

    THRESHOLD = "threshold"  # at least ``min_hours`` within ``period_months`` gives ``points`` once
    PER_HOUR = "per_hour"  # each full ``min_hours`` gives ``points`` (1 hour, 1 point)


class ActivityType(str, Enum):
    """The course types PE-online knows; a classroom course carries no endDate."""

    ELEARNING = "e-learning"
    EXPERTISEGROEP = "expertisegroep"
    KLASSIKAAL = "klassikaal"


@dataclass(frozen=True)
class EarningRule:
    code: str
    activity_kinds: tuple[ActivityKind, ...]
    min_hours: float
    points: float
    certificate: bool = False
    period_months: int = 12
    counting: Counting = Counting.THRESHOLD
    #: a digi-toets passed at the function level counts this many minutes (None: its own minutes)
    test_minutes: int | None = None


@dataclass(frozen=True)
class AccreditedActivity:
    """An activity as a registry accredited it: its id in PE-online, its period and its rule."""

    code: str
    title: str
    type: ActivityType
    rule: str  # the code of an earning rule of the same registry
    valid_from: date
    valid_until: date
    pe_course_id: int | None = None
    external_course_id: str | None = None
    module_id: str | None = None
    #: a classroom course's edition in PE-online (klassikaal needs one)
    edition_id: str | None = None
    title_en: str = ""
    #: a classroom course with more than one meeting: the meeting attendance is reported for
    meeting_id: str | None = None

    @property
    def accreditation_id(self) -> str:
        """The id the registry knows the activity by (its PE-online course id, or our own code there)."""
        return str(self.pe_course_id) if self.pe_course_id is not None else str(self.external_course_id)


@dataclass(frozen=True)
class Registry:
    code: str
    name: str
    rules: tuple[EarningRule, ...]
    pe_online_org_id: int | None = None
    number_label: str = "Registratienummer"
    number_pattern: str | None = None
    professions: tuple[str, ...] = ()
    name_en: str = ""
    number_label_en: str = ""
    activities: tuple[AccreditedActivity, ...] = ()


@dataclass(frozen=True)
class ContentBundle:
    """Everything under one content folder, validated and cross-checked."""

    themes: tuple[Theme, ...] = ()
    profiles: tuple[FunctionProfile, ...] = ()
    tests: tuple[DigiTest, ...] = ()
    resources: tuple[LearningResource, ...] = ()
    help_rules: tuple[HelpRule, ...] = ()
    registries: tuple[Registry, ...] = ()
    sources: tuple[str, ...] = field(default=(), compare=False)
    #: guidance the files do not follow (a test of 20 items): reported, not refused
    warnings: tuple[ContentProblem, ...] = field(default=(), compare=False)

    @property
    def skills(self) -> dict[str, Skill]:
        return {s.code: s for t in self.themes for s in t.skills}


def _without_absent_english(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_absent_english(v) for k, v in value.items() if v or not k.endswith("_en")}
    if isinstance(value, list | tuple):
        return [_without_absent_english(v) for v in value]
    return value
