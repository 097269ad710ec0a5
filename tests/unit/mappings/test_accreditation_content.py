"""accreditation.yaml: accredited activities per registry, checked like the rest of the content."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest

from mappings.errors import ContentError
from mappings.loader import STARTER_CONTENT, load_folder
from mappings.model import ActivityType


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(STARTER_CONTENT, folder)
    return folder


def edit(folder, old, new):
    path = folder / "accreditation.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(folder):
    with pytest.raises(ContentError) as info:
        load_folder(folder)
    return [str(p) for p in info.value.problems]


def test_each_starter_registry_has_an_activity_valid_in_2026_with_a_pe_online_course():
    bundle = load_folder(STARTER_CONTENT)
    for registry in bundle.registries:
        current = [a for a in registry.activities if a.valid_from <= date(2026, 6, 1) <= a.valid_until]
        assert current, registry.code
        assert all(a.accreditation_id and a.type in ActivityType for a in current)
        assert {a.rule for a in registry.activities} <= {r.code for r in registry.rules}


def test_starter_number_formats_follow_the_registries():
    numbers = {r.code: re.compile(r.number_pattern) for r in load_folder(STARTER_CONTENT).registries}
    assert numbers["knmg-gaia"].match("12345678901") and not numbers["knmg-gaia"].match("123456")
    assert numbers["vvn-kwaliteitsregister"].match("123456") and numbers["vvn-kwaliteitsregister"].match("12345678901")
    assert not numbers["vvn-kwaliteitsregister"].match("1234567")
    assert numbers["nvvpo"].match("123") and numbers["nvvpo"].match("1234") and not numbers["nvvpo"].match("12")


def test_an_activity_with_an_unknown_rule_is_refused(content):
    edit(content, "rule: e-learning-per-uur\n        pe_course_id: 287460", "rule: bestaat-niet\n        pe_course_id: 287460")
    assert any("activities[1].rule: unknown rule 'bestaat-niet'" in p for p in problems(content))


def test_an_activity_needs_exactly_one_course_id(content):
    edit(content, "external_course_id: DIGI-COACH-ARTS", "external_course_id: DIGI-COACH-ARTS\n        pe_course_id: 5")
    assert any("pe_course_id: give either 'pe_course_id' or 'external_course_id'" in p for p in problems(content))


def test_a_period_that_ends_before_it_starts_is_refused(content):
    edit(content, "valid_until: 2026-12-31\n\n  - code: kabiz", "valid_until: 2025-12-31\n\n  - code: kabiz")
    assert any("valid_until: must not be before valid_from" in p for p in problems(content))


def test_two_activities_counting_the_same_minutes_in_one_period_are_refused(content):
    edit(content, "valid_from: 2025-01-01\n        valid_until: 2025-12-31",
         "valid_from: 2025-01-01\n        valid_until: 2026-01-31")
    assert any("the same minutes would earn points twice" in p for p in problems(content))


def test_a_classroom_activity_needs_its_edition(content):
    edit(content, "type: e-learning\n        rule: e-learning-per-uur\n        pe_course_id: 287460",
         "type: klassikaal\n        rule: e-learning-per-uur\n        pe_course_id: 287460")
    assert any("needs the edition_id" in p for p in problems(content))


def test_an_activity_title_without_english_in_a_file_with_english_is_refused(content):
    edit(content, "        title_en: Digital coaching on digital skills for physicians\n", "")
    assert any("activities[0].title_en" in p for p in problems(content))
