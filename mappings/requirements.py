"""Compare demonstrated levels with a function profile, and decide help and a development plan.

Pure functions on the frozen dataclasses of :mod:`mappings.model`; the levels come from
:mod:`mappings.scoring` (or from stored results) as :class:`Observation` values.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from mappings.model import (
    MAX_LEVEL,
    FunctionProfile,
    HelpRule,
    HelpTrigger,
    LearningResource,
    Requirement,
    ResourceKind,
    Theme,
)

#: Help rule priorities, lowest first.
PRIORITIES = {"laag": 0, "normaal": 1, "hoog": 2}


class Status(str, Enum):
    """How a demonstrated level stands against one requirement."""

    MET = "met"
    NOT_MET = "not_met"
    NOT_TESTED = "not_tested"
    EXPIRED = "expired"  # the profile asks for recertification and the result is too old


@dataclass(frozen=True)
class Observation:
    """The latest demonstrated level of one skill (0..4) and when it was shown (timezone-aware)."""

    level: int
    observed_at: datetime

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_LEVEL:
            raise ValueError(f"observed level must be 0..{MAX_LEVEL}, got {self.level}")
        _require_aware(self.observed_at, "observed_at")


@dataclass(frozen=True)
class RequirementStatus:
    """One requirement of a profile against what was observed.

    ``demonstrated`` is ``None`` when the skill was never tested; for an expired result it is
    the old level, so the coach sees what has to be shown again. ``expires_at`` is set when
    the requirement asks for recertification and there is a result.
    """

    skill: str
    required: int
    demonstrated: int | None
    status: Status
    mandatory: bool
    expires_at: datetime | None


def add_months(moment: datetime, months: int) -> datetime:
    """Add calendar months, keeping the time and zone; the day is clipped to the month's end.

    31 January + 1 month is 28 (or 29) February; 29 February + 12 months is 28 February.
    """
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def expand_requirements(profile: FunctionProfile, themes: Sequence[Theme]) -> dict[str, Requirement]:
    """Give the profile's requirement per skill, sorted by skill code.

    A theme requirement applies to every skill of that theme in ``themes``. An explicit skill
    requirement overrides the theme one for that skill, also when it asks a lower level (a
    function may need less of one skill in a theme). If the same skill or theme is listed twice,
    the higher ``min_level`` wins. Each returned requirement has ``skill`` set and ``theme`` None.

    Raises:
        ValueError: when a requirement names both or neither of skill and theme, or an unknown theme.
    """
    skills_of = {theme.code: [skill.code for skill in theme.skills] for theme in themes}
    from_themes: dict[str, Requirement] = {}
    explicit: dict[str, Requirement] = {}
    for requirement in profile.requirements:
        if (requirement.skill is None) == (requirement.theme is None):
            raise ValueError(f"profile {profile.code!r}: a requirement needs either a skill or a theme")
        if requirement.skill is not None:
            _keep_strictest(explicit, requirement.skill, requirement)
            continue
        if requirement.theme not in skills_of:
            raise ValueError(f"profile {profile.code!r} asks for unknown theme {requirement.theme!r}")
        for skill in skills_of[requirement.theme]:
            _keep_strictest(from_themes, skill, replace(requirement, skill=skill, theme=None))
    merged = {**from_themes, **explicit}
    return {skill: merged[skill] for skill in sorted(merged)}


def compare(
    requirements: Mapping[str, Requirement], observations: Mapping[str, Observation], now: datetime
) -> list[RequirementStatus]:
    """Compare each requirement with the observation for its skill, sorted by skill code.

    A result expires when ``recertify_months`` calendar months have passed since it was shown
    (``now >= observed_at + months``); an expired result is ``expired`` whatever its level.

    Raises:
        ValueError: when ``now`` or an observation time is naive (has no timezone).
    """
    _require_aware(now, "now")
    statuses = []
    for skill in sorted(requirements):
        requirement = requirements[skill]
        observation = observations.get(skill)
        if observation is None:
            statuses.append(RequirementStatus(skill, requirement.min_level, None, Status.NOT_TESTED,
                                              requirement.mandatory, None))
            continue
        _require_aware(observation.observed_at, f"observed_at of {skill!r}")
        expires_at = None
        if requirement.recertify_months is not None:
            expires_at = add_months(observation.observed_at, requirement.recertify_months)
        if expires_at is not None and now >= expires_at:
            status = Status.EXPIRED
        elif observation.level >= requirement.min_level:
            status = Status.MET
        else:
            status = Status.NOT_MET
        statuses.append(RequirementStatus(skill, requirement.min_level, observation.level, status,
                                          requirement.mandatory, expires_at))
    return statuses


def help_candidates(
    statuses: Sequence[RequirementStatus],
    demonstrated: Mapping[str, int],
    rules: Sequence[HelpRule],
    skill_themes: Mapping[str, str],
) -> list[tuple[str, HelpRule]]:
    """Find the skills that call for help, with the rule that fires for each.

    ``below_requirement`` fires for a status ``not_met``; ``level_at_most`` fires for a skill in
    ``demonstrated`` (skill -> level 0..4) at or below ``rule.level``, whether or not a profile asks
    for it. A rule with ``themes`` only fires for skills of those themes (``skill_themes``).
    Untested skills never fire a rule. Each skill appears once, with its highest-priority rule
    (hoog > normaal > laag; on a tie the earlier rule). Sorted by priority, then skill code.

    Raises:
        ValueError: for an unknown priority or trigger, or a level_at_most rule without a level.
    """
    chosen: dict[str, HelpRule] = {}
    not_met = [s.skill for s in statuses if s.status is Status.NOT_MET]
    for rule in rules:
        if rule.priority not in PRIORITIES:
            raise ValueError(f"help rule {rule.code!r} has unknown priority {rule.priority!r}")
        trigger = HelpTrigger(rule.trigger)
        if trigger is HelpTrigger.BELOW_REQUIREMENT:
            skills = not_met
        elif rule.level is None:
            raise ValueError(f"help rule {rule.code!r} needs a level")
        else:
            skills = [skill for skill, level in demonstrated.items() if level <= rule.level]
        for skill in skills:
            if rule.themes and skill_themes.get(skill) not in rule.themes:
                continue
            current = chosen.get(skill)
            if current is None or PRIORITIES[rule.priority] > PRIORITIES[current.priority]:
                chosen[skill] = rule
    return sorted(chosen.items(), key=lambda pair: (-PRIORITIES[pair[1].priority], pair[0]))


def development_plan(
    statuses: Sequence[RequirementStatus], resources: Sequence[LearningResource]
) -> list[tuple[str, list[LearningResource]]]:
    """Pick learning resources for every requirement that is ``not_met`` or ``not_tested``.

    For ``not_met`` a resource fits when one of its ``levels`` is above the demonstrated level;
    for ``not_tested`` every resource of the skill fits. Tips come first, then the rest in the
    given order. A skill without fitting resources is still listed (with an empty list) so the
    plan shows the gap. Met and expired requirements get no plan: expired needs a new test.
    """
    plan = []
    for status in statuses:
        if status.status not in (Status.NOT_MET, Status.NOT_TESTED):
            continue
        below = status.demonstrated
        fitting = [
            r for r in resources
            if r.skill == status.skill and (below is None or any(level > below for level in r.levels))
        ]
        fitting.sort(key=lambda r: ResourceKind(r.kind) is not ResourceKind.TIP)  # stable: keeps the order
        plan.append((status.skill, fitting))
    return plan


def _keep_strictest(found: dict[str, Requirement], skill: str, requirement: Requirement) -> None:
    if skill not in found or requirement.min_level > found[skill].min_level:
        found[skill] = requirement


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
