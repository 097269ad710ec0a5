"""Unit and property tests for mappings.scoring and mappings.requirements.

Items and tests are built with plain helper functions, not pytest fixtures, because the
hypothesis properties below need them too (function-scoped fixtures and @given do not mix).
"""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.errors import InvalidAnswerError
from mappings.model import (
    DigiTest,
    FunctionProfile,
    HelpRule,
    HelpTrigger,
    Item,
    ItemSkill,
    ItemType,
    LearningResource,
    Option,
    Requirement,
    ResourceKind,
    Skill,
    Theme,
)
from mappings.requirements import (
    Observation,
    RequirementStatus,
    Status,
    add_months,
    compare,
    development_plan,
    expand_requirements,
    help_candidates,
)
from mappings.scoring import (
    SELF_RATING_LEVELS,
    Evidence,
    demonstrated_levels,
    evidence_for,
    score_attempt,
    score_item,
)

UTC = timezone.utc
NOW = datetime(2025, 6, 15, 9, 30, tzinfo=UTC)
STEPS = ("Open het dossier", "Kies rapportage", "Schrijf de rapportage", "Sla op")


def link(skill: str = "ecd-rapporteren", level: int = 2, weight: float = 1.0) -> ItemSkill:
    return ItemSkill(skill, level, weight)


def choice_item(kind=ItemType.SINGLE, correct=("a",), codes=("a", "b", "c", "d"), links=None, code="keuze"):
    options = tuple(Option(c, f"optie {c}", c in correct) for c in codes)
    return Item(code, kind, "Welke?", links or (link(),), options=options)


def ordering_item(steps=STEPS, links=None, code="volgorde") -> Item:
    return Item(code, ItemType.ORDERING, "Zet op volgorde.", links or (link(),), steps=tuple(steps))


def rating_item(level: int = 4, skill: str = "ecd-rapporteren", code: str = "zelf", weight: float = 1.0) -> Item:
    return Item(code, ItemType.SELF_RATING, "Hoe goed kun je dit?", (link(skill, level, weight),))


def make_test(*items: Item, pass_ratio: float = 0.7) -> DigiTest:
    return DigiTest("ecd-rapportage", "Rapporteren", "ECD", "zelfstandig", "", 8, tuple(items), pass_ratio=pass_ratio)


def perfect_answer(item: Item):
    if item.type is ItemType.SINGLE:
        return next(iter(item.correct_codes))
    if item.type is ItemType.MULTIPLE:
        return sorted(item.correct_codes)
    if item.type is ItemType.ORDERING:
        return list(item.steps)
    return 3


def theme(code: str, *skills: str) -> Theme:
    return Theme(code, code, "", tuple(Skill(s, code, s, "", ()) for s in skills))


def status(skill="ecd-rapporteren", required=2, demonstrated=1, state=Status.NOT_MET) -> RequirementStatus:
    return RequirementStatus(skill, required, demonstrated, state, True, None)


def rule(code="onder-niveau", trigger=HelpTrigger.BELOW_REQUIREMENT, level=None, themes=(), priority="normaal"):
    return HelpRule(code, trigger, "", level=level, themes=tuple(themes), priority=priority)


def resource(code, kind=ResourceKind.LINK, skill="ecd-rapporteren", levels=(1, 2, 3, 4)) -> LearningResource:
    return LearningResource(code, skill, kind, code, url="https://example.org", levels=tuple(levels))


# -- answers ---------------------------------------------------------------------------------


def test_single_choice_right_answer_scores_one():
    assert score_item(choice_item(), "a") == 1.0


def test_single_choice_wrong_answer_scores_zero():
    assert score_item(choice_item(), "b") == 0.0


def test_unknown_option_code_is_refused():
    with pytest.raises(InvalidAnswerError, match="unknown option code 'z'"):
        score_item(choice_item(), "z")


@pytest.mark.parametrize("answer", [["a"], 1, None, b"a"])
def test_single_choice_needs_one_option_code(answer):
    with pytest.raises(InvalidAnswerError, match="expected one option code"):
        score_item(choice_item(), answer)


def test_invalid_answer_error_is_a_value_error_naming_the_item():
    with pytest.raises(ValueError) as caught:
        score_item(choice_item(code="ecd-01"), "z")
    assert caught.value.item_code == "ecd-01"
    assert "ecd-01" in str(caught.value)
    assert pickle.loads(pickle.dumps(caught.value)).item_code == "ecd-01"


def test_item_without_correct_option_is_a_content_error():
    with pytest.raises(ValueError, match="no correct option") as caught:
        score_item(choice_item(correct=()), "a")
    assert not isinstance(caught.value, InvalidAnswerError)


def test_multiple_choice_all_correct_and_nothing_else_scores_one():
    assert score_item(choice_item(ItemType.MULTIPLE, correct=("a", "c")), {"c", "a"}) == 1.0


@pytest.mark.parametrize(
    ("picked", "expected"),
    [(["a"], 1 / 3), (["a", "b"], 2 / 3), (["a", "b", "d"], 1 / 3), ([], 0.0)],
)
def test_multiple_choice_gives_partial_credit(picked, expected):
    item = choice_item(ItemType.MULTIPLE, correct=("a", "b", "c"), codes=("a", "b", "c", "d", "e"))
    assert score_item(item, picked) == pytest.approx(expected)


def test_multiple_choice_score_is_floored_at_zero():
    item = choice_item(ItemType.MULTIPLE, correct=("a",))
    assert score_item(item, ("b", "c", "d")) == 0.0


def test_duplicate_option_code_is_refused():
    with pytest.raises(InvalidAnswerError, match="given twice"):
        score_item(choice_item(ItemType.MULTIPLE, correct=("a", "b")), ["a", "a"])


@pytest.mark.parametrize("answer", ["ab", {"a": True}, 3, [1]])
def test_multiple_choice_refuses_anything_but_a_collection_of_codes(answer):
    with pytest.raises(InvalidAnswerError):
        score_item(choice_item(ItemType.MULTIPLE), answer)


@pytest.mark.parametrize("answer", [list(STEPS), [0, 1, 2, 3], tuple(STEPS)])
def test_ordering_exactly_right_scores_one(answer):
    assert score_item(ordering_item(), answer) == 1.0


@pytest.mark.parametrize(
    ("answer", "expected"),
    [([1, 2, 3, 0], 2 / 3), ([0, 2, 1, 3], 2 / 3), ([3, 2, 1, 0], 0.0), ([1, 0, 3, 2], 1 / 3)],
)
def test_ordering_scores_share_of_adjacent_pairs_in_order(answer, expected):
    assert score_item(ordering_item(), answer) == pytest.approx(expected)


def test_ordering_accepts_step_texts_like_indices():
    texts = [STEPS[i] for i in (1, 2, 3, 0)]
    assert score_item(ordering_item(), texts) == score_item(ordering_item(), [1, 2, 3, 0])


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (list(STEPS[:3]), "expected all 4 steps, got 3"),
        ([0, 1, 2, 3, 0], "expected all 4 steps, got 5"),
        ([0, 1, 1, 3], "given twice"),
        ([STEPS[0], STEPS[0], STEPS[2], STEPS[3]], "given twice"),
        ([0, 1, 2, 4], "outside 0..3"),
        ([STEPS[0], STEPS[1], STEPS[2], "Bel de arts"], "unknown step 'Bel de arts'"),
        ([0, 1, 2, STEPS[3]], "all as texts or all as indices"),
        ([True, False, 2, 3], "all as texts or all as indices"),
        ("Open het dossier", "expected a list of steps"),
        ({0, 1, 2, 3}, "expected a list of steps"),
    ],
)
def test_ordering_refuses_answers_that_are_not_every_step_once(answer, message):
    with pytest.raises(InvalidAnswerError, match=message):
        score_item(ordering_item(), answer)


@pytest.mark.parametrize(("rating", "item_level", "expected"), [(0, 4, 0.0), (1, 4, 0.25), (2, 4, 0.5), (3, 4, 1.0),
                                                                 (2, 2, 1.0), (1, 2, 0.5), (3, 1, 1.0)])
def test_self_rating_scores_claimed_level_as_share_of_item_level(rating, item_level, expected):
    assert score_item(rating_item(level=item_level), rating) == expected


@pytest.mark.parametrize("answer", [-1, 4, True, "2", 2.0, None])
def test_self_rating_outside_the_scale_is_refused(answer):
    with pytest.raises(InvalidAnswerError, match="rating"):
        score_item(rating_item(), answer)


# -- evidence --------------------------------------------------------------------------------


def test_knowledge_item_gives_evidence_per_skill_link():
    item = choice_item(links=(link("ecd-lezen", 1, 2.0), link("ecd-rapporteren", 3)))
    assert evidence_for([item], {"keuze": "a"}) == [
        Evidence("ecd-lezen", 1, 2.0, 1.0),
        Evidence("ecd-rapporteren", 3, 1.0, 1.0),
    ]


def test_self_rating_claims_every_level_up_to_the_answer():
    found = evidence_for([rating_item(level=4, weight=0.5)], {"zelf": 2})  # "zelfstandig"
    assert [(e.level, e.weight, e.score) for e in found] == [(1, 0.5, 1.0), (2, 0.5, 1.0), (3, 0.5, 0.0), (4, 0.5, 0.0)]


def test_zelfstandig_claims_level_two_and_uitleggen_level_four():
    assert SELF_RATING_LEVELS == (0, 1, 2, 4)
    found = evidence_for([rating_item(level=4)], {"zelf": 3})
    assert [e.score for e in found] == [1.0, 1.0, 1.0, 1.0]


def test_self_rating_evidence_is_capped_at_the_link_level():
    found = evidence_for([rating_item(level=2)], {"zelf": 3})
    assert [(e.level, e.score) for e in found] == [(1, 1.0), (2, 1.0)]


def test_unanswered_item_is_evidence_of_zero():
    found = evidence_for([choice_item(), rating_item(level=2)], {})
    assert [(e.level, e.score) for e in found] == [(2, 0.0), (1, 0.0), (2, 0.0)]


def test_answer_for_unknown_item_is_refused():
    with pytest.raises(InvalidAnswerError, match="no such item"):
        evidence_for([choice_item()], {"keuze": "a", "bestaat-niet": "a"})


@pytest.mark.parametrize(("level", "weight", "score"), [(0, 1, 1), (5, 1, 1), (2, 0, 1), (2, float("nan"), 1),
                                                        (2, 1, 1.5), (2, 1, -0.1)])
def test_evidence_refuses_values_outside_their_range(level, weight, score):
    with pytest.raises(ValueError):
        Evidence("ecd-lezen", level, weight, score)


# -- levels ----------------------------------------------------------------------------------


def ev(level: int, score: float, weight: float = 1.0, skill: str = "ecd-rapporteren") -> Evidence:
    return Evidence(skill, level, weight, score)


@pytest.mark.parametrize(("other", "level"), [(0.4, 1), (0.3, 0)])
def test_level_holds_when_weighted_mean_reaches_pass_ratio(other, level):
    result = demonstrated_levels([ev(1, 1.0), ev(1, other)], pass_ratio=0.7)["ecd-rapporteren"]
    assert (result.level, result.levels[0].held) == (level, bool(level))


def test_tenths_adding_up_to_the_pass_ratio_hold():
    result = demonstrated_levels([ev(1, 1.0)] * 7 + [ev(1, 0.0)] * 3, pass_ratio=0.7)
    assert result["ecd-rapporteren"].level == 1


def test_weight_counts_in_the_mean():
    light_wrong_heavy_right = [ev(2, 0.0, weight=1.0), ev(2, 1.0, weight=3.0)]
    assert demonstrated_levels(light_wrong_heavy_right, 0.7)["ecd-rapporteren"].level == 2
    heavy_wrong_light_right = [ev(2, 0.0, weight=3.0), ev(2, 1.0, weight=1.0)]
    assert demonstrated_levels(heavy_wrong_light_right, 0.7)["ecd-rapporteren"].level == 0


def test_demonstrated_level_stops_at_the_first_failed_level():
    evidence = [ev(1, 1.0), ev(2, 0.5), ev(3, 1.0), ev(4, 1.0)]
    result = demonstrated_levels(evidence, 0.7)["ecd-rapporteren"]
    assert (result.level, result.evidence_count, result.highest_tested) == (1, 4, 4)
    assert [r.held for r in result.levels] == [True, False, True, True]


def test_level_without_evidence_does_not_block_a_higher_one():
    assert demonstrated_levels([ev(1, 1.0), ev(3, 1.0)], 0.7)["ecd-rapporteren"].level == 3


def test_failed_lowest_tested_level_gives_zero_not_the_level_below():
    assert demonstrated_levels([ev(3, 0.0)], 0.7)["ecd-rapporteren"].level == 0


def test_level_never_exceeds_the_highest_tested_level():
    assert demonstrated_levels([ev(1, 1.0), ev(2, 1.0)], 0.7)["ecd-rapporteren"].level == 2


def test_skill_without_evidence_is_absent():
    assert set(demonstrated_levels([ev(1, 1.0, skill="ecd-lezen")], 0.7)) == {"ecd-lezen"}


@pytest.mark.parametrize("ratio", [-0.1, 1.01])
def test_pass_ratio_outside_zero_to_one_is_refused(ratio):
    with pytest.raises(ValueError, match="pass_ratio"):
        demonstrated_levels([], ratio)


# -- attempts --------------------------------------------------------------------------------


def test_score_attempt_sums_item_scores_and_scales_by_item_count():
    test = make_test(choice_item(code="a1"), ordering_item(code="a2"), rating_item(level=2, code="a3"))
    score = score_attempt(test, {"a1": "a", "a2": [1, 2, 3, 0], "a3": 1})
    assert score.item_scores == pytest.approx({"a1": 1.0, "a2": 2 / 3, "a3": 0.5})
    assert (score.raw, score.max_score) == (pytest.approx(13 / 6), 3)
    assert score.scaled == pytest.approx(13 / 18)


def test_unanswered_items_score_zero_in_an_attempt():
    score = score_attempt(make_test(choice_item(code="a1"), choice_item(code="a2")), {"a1": "a"})
    assert (score.item_scores, score.scaled, score.skills["ecd-rapporteren"].level) == ({"a1": 1.0, "a2": 0.0}, 0.5, 0)


@pytest.mark.parametrize(("right", "passed"), [(7, True), (6, False)])
def test_passed_means_scaled_reaches_the_pass_ratio(right, passed):
    items = [choice_item(code=f"v{i}") for i in range(10)]
    answers = {item.code: "a" if i < right else "b" for i, item in enumerate(items)}
    assert score_attempt(make_test(*items, pass_ratio=0.7), answers).passed is passed


def test_attempt_with_a_repeated_item_code_is_refused():
    with pytest.raises(ValueError, match="repeats an item code"):
        score_attempt(make_test(choice_item(), choice_item()), {})


# -- requirements ----------------------------------------------------------------------------

THEMES = (theme("applicaties", "ecd-lezen", "ecd-rapporteren"), theme("privacy", "wachtwoorden"))


def profile(*requirements: Requirement) -> FunctionProfile:
    return FunctionProfile("verzorgende-ig", "Verzorgende IG", "", tuple(requirements))


def test_theme_requirement_applies_to_every_skill_of_the_theme():
    found = expand_requirements(profile(Requirement(2, theme="applicaties", recertify_months=24)), THEMES)
    assert found == {
        "ecd-lezen": Requirement(2, skill="ecd-lezen", recertify_months=24),
        "ecd-rapporteren": Requirement(2, skill="ecd-rapporteren", recertify_months=24),
    }


@pytest.mark.parametrize("explicit_level", [1, 3])
def test_skill_requirement_overrides_the_theme_requirement(explicit_level):
    found = expand_requirements(
        profile(Requirement(explicit_level, skill="ecd-lezen", mandatory=False), Requirement(2, theme="applicaties")),
        THEMES,
    )
    assert found["ecd-lezen"] == Requirement(explicit_level, skill="ecd-lezen", mandatory=False)
    assert found["ecd-rapporteren"].min_level == 2


def test_repeated_requirement_keeps_the_strictest():
    found = expand_requirements(profile(Requirement(3, theme="privacy"), Requirement(1, theme="privacy")), THEMES)
    assert found["wachtwoorden"].min_level == 3


@pytest.mark.parametrize(
    ("requirement", "message"),
    [
        (Requirement(2, theme="onbekend"), "unknown theme 'onbekend'"),
        (Requirement(2, skill="ecd-lezen", theme="applicaties"), "either a skill or a theme"),
        (Requirement(2), "either a skill or a theme"),
    ],
)
def test_bad_requirement_is_refused(requirement, message):
    with pytest.raises(ValueError, match=message):
        expand_requirements(profile(requirement), THEMES)


def single_status(requirement: Requirement, observation: Observation | None, now: datetime = NOW):
    observations = {} if observation is None else {"ecd-lezen": observation}
    return compare({"ecd-lezen": requirement}, observations, now)[0]


def test_met_when_the_level_reaches_the_requirement():
    found = single_status(Requirement(2, skill="ecd-lezen"), Observation(2, NOW))
    assert found == RequirementStatus("ecd-lezen", 2, 2, Status.MET, True, None)


def test_not_met_below_the_requirement():
    assert single_status(Requirement(3, skill="ecd-lezen"), Observation(2, NOW)).status is Status.NOT_MET


def test_not_tested_without_an_observation():
    found = single_status(Requirement(2, skill="ecd-lezen", mandatory=False), None)
    assert found == RequirementStatus("ecd-lezen", 2, None, Status.NOT_TESTED, False, None)


def test_expired_after_the_recertification_interval():
    observed = datetime(2023, 6, 15, 9, 30, tzinfo=UTC)
    found = single_status(Requirement(2, skill="ecd-lezen", recertify_months=24), Observation(4, observed))
    assert (found.status, found.demonstrated, found.expires_at) == (Status.EXPIRED, 4, NOW)


def test_not_expired_just_before_the_interval_ends():
    observed = datetime(2023, 6, 15, 9, 30, 1, tzinfo=UTC)
    found = single_status(Requirement(2, skill="ecd-lezen", recertify_months=24), Observation(2, observed))
    assert (found.status, found.expires_at) == (Status.MET, NOW + timedelta(seconds=1))


def test_compare_is_sorted_by_skill():
    requirements = {s: Requirement(1, skill=s) for s in ("wachtwoorden", "ecd-lezen", "ecd-rapporteren")}
    assert [s.skill for s in compare(requirements, {}, NOW)] == ["ecd-lezen", "ecd-rapporteren", "wachtwoorden"]


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        compare({}, {}, datetime(2025, 1, 1))


def test_naive_observation_is_refused():
    with pytest.raises(ValueError, match="observed_at must be timezone-aware"):
        Observation(2, datetime(2025, 1, 1))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ((2024, 1, 31), 1, (2024, 2, 29)),
        ((2023, 1, 31), 1, (2023, 2, 28)),
        ((2024, 2, 29), 12, (2025, 2, 28)),
        ((2024, 11, 30), 3, (2025, 2, 28)),
        ((2024, 3, 31), -1, (2024, 2, 29)),
        ((2024, 5, 15), 24, (2026, 5, 15)),
        ((2024, 5, 15), 0, (2024, 5, 15)),
    ],
)
def test_add_months_uses_calendar_months_clipped_to_month_end(start, months, expected):
    assert add_months(datetime(*start, 8, 0, tzinfo=UTC), months) == datetime(*expected, 8, 0, tzinfo=UTC)


def test_add_months_keeps_the_local_time_and_zone():
    amsterdam = ZoneInfo("Europe/Amsterdam")
    winter = datetime(2025, 1, 10, 9, 0, tzinfo=amsterdam)
    assert add_months(winter, 6) == datetime(2025, 7, 10, 9, 0, tzinfo=amsterdam)


# -- help rules and development plan ---------------------------------------------------------

SKILL_THEMES = {"ecd-lezen": "applicaties", "ecd-rapporteren": "applicaties", "wachtwoorden": "privacy"}


def test_below_requirement_rule_fires_for_a_not_met_status_only():
    statuses = [status("ecd-lezen", state=Status.MET, demonstrated=3), status("ecd-rapporteren"),
                status("wachtwoorden", state=Status.NOT_TESTED, demonstrated=None)]
    assert help_candidates(statuses, {}, [rule()], SKILL_THEMES) == [("ecd-rapporteren", rule())]


def test_level_at_most_fires_whatever_the_profile_asks():
    privacy_low = rule("privacy-laag", HelpTrigger.LEVEL_AT_MOST, level=1)
    found = help_candidates([], {"wachtwoorden": 1, "ecd-lezen": 2}, [privacy_low], SKILL_THEMES)
    assert found == [("wachtwoorden", privacy_low)]


def test_level_at_most_is_filtered_by_theme():
    privacy_low = rule("privacy-laag", HelpTrigger.LEVEL_AT_MOST, level=1, themes=["privacy"])
    found = help_candidates([], {"wachtwoorden": 0, "ecd-lezen": 0}, [privacy_low], SKILL_THEMES)
    assert [skill for skill, _ in found] == ["wachtwoorden"]


def test_highest_priority_rule_wins_per_skill():
    low = rule("laag", HelpTrigger.LEVEL_AT_MOST, level=2, priority="laag")
    high = rule("hoog", HelpTrigger.LEVEL_AT_MOST, level=1, themes=["privacy"], priority="hoog")
    normal = rule("normaal")
    statuses = [status("wachtwoorden", demonstrated=1), status("ecd-lezen", demonstrated=1)]
    found = help_candidates(statuses, {"wachtwoorden": 1, "ecd-lezen": 1}, [low, normal, high], SKILL_THEMES)
    assert found == [("wachtwoorden", high), ("ecd-lezen", normal)]


def test_help_rule_with_unknown_priority_is_refused():
    with pytest.raises(ValueError, match="unknown priority 'urgent'"):
        help_candidates([], {}, [rule(priority="urgent")], SKILL_THEMES)


def test_plan_lists_resources_above_the_demonstrated_level_tips_first():
    resources = [resource("link-basis", levels=[1]), resource("link-2", levels=[1, 2]),
                 resource("tip-3", ResourceKind.TIP, levels=[3]), resource("video-lezen", skill="ecd-lezen")]
    plan = development_plan([status(demonstrated=1, required=3)], resources)
    assert [(skill, [r.code for r in found]) for skill, found in plan] == [("ecd-rapporteren", ["tip-3", "link-2"])]


def test_plan_gives_every_resource_of_an_untested_skill():
    resources = [resource("link-basis", levels=[1]), resource("tip-4", ResourceKind.TIP, levels=[4])]
    plan = development_plan([status(demonstrated=None, state=Status.NOT_TESTED)], resources)
    assert [r.code for r in plan[0][1]] == ["tip-4", "link-basis"]


def test_plan_skips_met_and_expired_and_keeps_a_skill_without_resources():
    statuses = [status("ecd-lezen", state=Status.MET), status("wachtwoorden", state=Status.EXPIRED), status()]
    assert development_plan(statuses, [resource("x", skill="ecd-lezen")]) == [("ecd-rapporteren", [])]


# -- properties ------------------------------------------------------------------------------

SKILLS = ("ecd-lezen", "ecd-rapporteren", "wachtwoorden", "teams-bellen")
UNCOVERED = "niet-getoetst"  # no strategy ever links an item to it
PROPERTY = settings(max_examples=80, deadline=None)


@st.composite
def items(draw, code: str) -> Item:
    kind = draw(st.sampled_from(list(ItemType)))
    links = st.builds(ItemSkill, st.sampled_from(SKILLS), st.integers(1, 4), st.floats(0.1, 5.0))
    skills = tuple(draw(st.lists(links, min_size=1, max_size=3)))
    if kind in (ItemType.SINGLE, ItemType.MULTIPLE):
        codes = "abcdef"[: draw(st.integers(2, 6))]
        if kind is ItemType.SINGLE:
            correct = {draw(st.sampled_from(codes))}
        else:
            correct = set(draw(st.lists(st.sampled_from(codes), min_size=1, unique=True)))
        options = tuple(Option(c, f"optie {c}", c in correct) for c in codes)
        return Item(code, kind, "Welke?", skills, options=options)
    if kind is ItemType.ORDERING:
        steps = tuple(f"stap {i}" for i in range(draw(st.integers(3, 6))))
        return Item(code, kind, "Volgorde?", skills, steps=steps)
    return Item(code, kind, "Hoe goed?", skills)


def any_answer(item: Item) -> st.SearchStrategy:
    """A valid answer to ``item``, right or wrong."""
    codes = [option.code for option in item.options]
    if item.type is ItemType.SINGLE:
        return st.sampled_from(codes)
    if item.type is ItemType.MULTIPLE:
        return st.lists(st.sampled_from(codes), unique=True)
    if item.type is ItemType.ORDERING:
        return st.one_of(st.permutations(item.steps), st.permutations(range(len(item.steps)))).map(list)
    return st.integers(0, 3)


@st.composite
def digi_tests(draw) -> DigiTest:
    count = draw(st.integers(1, 12))
    return make_test(*(draw(items(f"item-{i}")) for i in range(count)), pass_ratio=draw(st.floats(0.05, 1.0)))


@st.composite
def attempts(draw) -> tuple[DigiTest, dict]:
    """A test and answers to some of its items (the rest stay open)."""
    test = draw(digi_tests())
    answers = {}
    for item in test.items:
        if draw(st.integers(0, 3)):
            answers[item.code] = draw(any_answer(item))
    return test, answers


def covered(test: DigiTest) -> set[str]:
    return {link.skill for item in test.items for link in item.skills}


@PROPERTY
@given(attempts(), st.data())
def test_right_answers_in_place_of_wrong_ones_never_lower_a_level_or_the_raw_score(attempt, data):
    test, answers = attempt
    fixed = data.draw(st.lists(st.sampled_from(test.items), min_size=1, unique_by=lambda item: item.code))
    before = score_attempt(test, answers)
    after = score_attempt(test, {**answers, **{item.code: perfect_answer(item) for item in fixed}})
    assert after.raw >= before.raw
    assert set(after.skills) == set(before.skills)
    for skill, result in before.skills.items():
        assert after.skills[skill].level >= result.level


@PROPERTY
@given(attempts(), st.data())
def test_a_higher_self_rating_never_lowers_a_level(attempt, data):
    test, answers = attempt
    higher = dict(answers)
    for item in test.items:
        if item.type is ItemType.SELF_RATING:
            higher[item.code] = data.draw(st.integers(answers.get(item.code, 0), 3))
    before, after = score_attempt(test, answers), score_attempt(test, higher)
    for skill, result in before.skills.items():
        assert after.skills[skill].level >= result.level


@PROPERTY
@given(st.lists(st.builds(ev, st.integers(1, 4), st.floats(0.0, 1.0), st.floats(0.1, 5.0)), min_size=1),
       st.data(), st.floats(0.0, 1.0))
def test_a_higher_evidence_score_never_lowers_the_level(evidence, data, pass_ratio):
    index = data.draw(st.integers(0, len(evidence) - 1))
    better = [*evidence[:index], ev(evidence[index].level, 1.0, evidence[index].weight), *evidence[index + 1:]]
    before = demonstrated_levels(evidence, pass_ratio)["ecd-rapporteren"].level
    assert demonstrated_levels(better, pass_ratio)["ecd-rapporteren"].level >= before


@PROPERTY
@given(attempts())
def test_levels_stay_within_zero_to_four_and_at_most_the_highest_evidenced_level(attempt):
    test, answers = attempt
    highest: dict[str, int] = {}
    for found in evidence_for(test.items, answers):
        highest[found.skill] = max(highest.get(found.skill, 0), found.level)
    for skill, result in score_attempt(test, answers).skills.items():
        assert 0 <= result.level <= highest[skill] <= 4


@PROPERTY
@given(attempts())
def test_a_skill_no_item_covers_is_not_tested(attempt):
    test, answers = attempt
    score = score_attempt(test, answers)
    assert set(score.skills) == covered(test)
    observations = {skill: Observation(result.level, NOW) for skill, result in score.skills.items()}
    requirements = {skill: Requirement(2, skill=skill) for skill in (*SKILLS, UNCOVERED)}
    for found in compare(requirements, observations, NOW):
        assert (found.status is Status.NOT_TESTED) == (found.skill not in covered(test))


@PROPERTY
@given(digi_tests())
def test_a_perfect_attempt_shows_the_highest_level_the_items_target(test):
    score = score_attempt(test, {item.code: perfect_answer(item) for item in test.items})
    assert (score.scaled, score.passed) == (1.0, True)
    for skill in covered(test):
        target = max(link.level for item in test.items for link in item.skills if link.skill == skill)
        assert score.skills[skill].level == target


@PROPERTY
@given(attempts())
def test_scaled_and_item_scores_stay_within_zero_and_one(attempt):
    test, answers = attempt
    score = score_attempt(test, answers)
    assert 0.0 <= score.scaled <= 1.0
    assert 0.0 <= score.raw <= score.max_score
    assert all(0.0 <= value <= 1.0 for value in score.item_scores.values())
