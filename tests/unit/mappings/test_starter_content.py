"""The starter content a new organisation gets: complete, consistent and usable as shipped."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from mappings import scoring
from mappings.loader import load_folder
from mappings.model import ItemType, ResourceKind
from tests.conftest import STARTER_CONTENT


@pytest.fixture(scope="module")
def bundle():
    return load_folder(STARTER_CONTENT)


def test_eight_themes_of_digivaardig_in_de_zorg(bundle):
    assert [t.name for t in bundle.themes] == [
        "Applicaties", "Apps & instellingen", "Basisvaardigheden", "Office 365", "Social media",
        "Technologie & eHealth", "Zorgdomotica", "Informatiebeveiliging & privacy",
    ]


def test_at_least_forty_skills_each_with_four_level_descriptors(bundle):
    assert len(bundle.skills) >= 40
    for skill in bundle.skills.values():
        assert [lvl.level for lvl in skill.levels] == [1, 2, 3, 4], skill.code
        assert all(lvl.descriptor.strip() for lvl in skill.levels)


def test_the_seven_function_profiles(bundle):
    assert {p.code for p in bundle.profiles} >= {
        "helpende", "verzorgende-ig", "mbo-verpleegkundige", "hbo-verpleegkundige",
        "doktersassistent", "praktijkondersteuner", "teamleider",
    }
    assert all(p.requirements for p in bundle.profiles)


REQUIRED_TESTS = {
    "ecd-rapportage", "outlook-mail", "teams", "rooster-planning-app",
    "informatiebeveiliging-privacy", "basisvaardigheden-computer-internet",
}


def test_six_digitoetsen_of_five_to_ten_minutes_with_eight_to_fifteen_items(bundle):
    tests = {t.code: t for t in bundle.tests}
    assert REQUIRED_TESTS <= set(tests)
    for test in tests.values():
        assert 8 <= len(test.items) <= 15, test.code
        assert 5 <= test.minutes <= 10, test.code
        assert test.profiles, test.code
        kinds = Counter(item.type for item in test.items)
        assert kinds[ItemType.ORDERING] >= 1 and kinds[ItemType.SELF_RATING] >= 1, test.code
        assert len({link.skill for item in test.items for link in item.skills}) >= 3, test.code


def test_every_skill_has_a_tip_and_a_link(bundle):
    kinds: dict[str, set] = {code: set() for code in bundle.skills}
    for resource in bundle.resources:
        kinds[resource.skill].add("tip" if resource.kind is ResourceKind.TIP else "link")
    assert {code for code, found in kinds.items() if found != {"tip", "link"}} == set()


def test_registries_with_pe_online_ids_and_the_digicoaching_rule(bundle):
    registries = {r.code: r for r in bundle.registries}
    assert {code: r.pe_online_org_id for code, r in registries.items()} == {
        "vvn-kwaliteitsregister": 52, "knmg-gaia": 19, "kabiz": 22, "nvvpo": 26,
    }
    for registry in registries.values():
        [rule] = [r for r in registry.rules if r.code == "digicoaching-3-uur"]
        assert (rule.min_hours, rule.points, rule.certificate) == (3, 3, True)
        assert [k.value for k in rule.activity_kinds] == ["coaching"]


def test_a_perfect_attempt_reaches_every_level_its_profiles_ask(bundle):
    """A test must never be unable to show the level a function asks for a skill it covers."""
    from mappings.requirements import expand_requirements

    profiles = {p.code: p for p in bundle.profiles}
    for test in bundle.tests:
        perfect = {}
        for item in test.items:
            if item.type is ItemType.SINGLE or item.type is ItemType.MULTIPLE:
                correct = [o.code for o in item.options if o.correct]
                perfect[item.code] = correct[0] if item.type is ItemType.SINGLE else correct
            elif item.type is ItemType.ORDERING:
                perfect[item.code] = list(item.steps)
            else:
                perfect[item.code] = 3
        result = scoring.score_attempt(test, perfect)
        assert result.scaled == 1.0, test.code
        for code in test.profiles:
            asked = expand_requirements(profiles[code], bundle.themes)
            for skill, shown in result.skills.items():
                if skill in asked:
                    assert shown.level >= asked[skill].min_level, (test.code, code, skill)


def test_employee_texts_use_short_sentences(bundle):
    """B1 writing keeps sentences short; long ones are the first thing a digital starter trips on."""
    import re

    texts = [lvl.descriptor for s in bundle.skills.values() for lvl in s.levels]
    texts += [part for t in bundle.tests for i in t.items for part in (i.prompt, i.feedback, *(o.text for o in i.options))]
    texts += [r.text for r in bundle.resources]
    sentences = [s for text in texts for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    words = [len(s.split()) for s in sentences]
    assert sum(words) / len(words) <= 12
    assert max(words) <= 25, max(zip(words, sentences, strict=True))


def _texts_without_english(obj, path: str) -> list[str]:
    """Walk the loaded content: every text ``x`` with a Dutch value needs ``x_en`` of the same shape."""
    if isinstance(obj, tuple | list):
        return [gap for index, value in enumerate(obj) for gap in _texts_without_english(value, f"{path}[{index}]")]
    if not dataclasses.is_dataclass(obj):
        return []
    gaps = []
    names = {f.name for f in dataclasses.fields(obj)}
    for name in names:
        english = name + "_en" if name + "_en" in names else None
        dutch = getattr(obj, name)
        if english and dutch and (not getattr(obj, english) or (
                isinstance(dutch, tuple) and len(getattr(obj, english)) != len(dutch))):
            gaps.append(f"{path}.{name}")
        gaps += _texts_without_english(getattr(obj, name), f"{path}.{name}")
    return gaps


def test_every_starter_text_has_english(bundle):
    assert _texts_without_english(bundle, "starter") == []
    # the walk above does find a missing translation
    skill = next(iter(bundle.skills.values()))
    assert _texts_without_english(dataclasses.replace(skill, name_en=""), "skill") == ["skill.name"]


def test_starter_english_is_short_plain_english(bundle):
    test = {t.code: t for t in bundle.tests}["ecd-rapportage"]
    assert test.title_en == "Reporting in the EHR"
    assert test.items[0].prompt_en.startswith("You start your shift.")
    assert [o.text_en for o in test.items[0].options][0] == "In Mrs Jansen's latest reports in the EHR."
    assert bundle.skills["ecd-rapporteren"].levels[1].descriptor_en.startswith("You write a clear report yourself")
    assert {p.code: p.name_en for p in bundle.profiles}["verzorgende-ig"] == "Certified carer (IG)"
