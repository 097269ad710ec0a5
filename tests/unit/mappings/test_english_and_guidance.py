"""English next to the Dutch (all or nothing per file), the README's guidance as warnings,
and content files the format does not know."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from mappings.loader import load_folder
from tests.unit.mappings.test_loader import FIXTURE, edit, problems

MISSING = "no English, while other texts in this file have it: give English for every text, or for none"


@pytest.fixture
def content(tmp_path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(FIXTURE, folder)
    return folder


def test_a_file_with_complete_english_loads_it_next_to_the_dutch(content):
    edit(content / "help_rules.yaml", "description: Je scoort onder het niveau van je functie.",
         "description: Je scoort onder het niveau van je functie.\n    description_en: You score below your job's level.")
    edit(content / "help_rules.yaml", "description: Veilig werken is voor iedereen nodig.",
         "description: Veilig werken is voor iedereen nodig.\n    description_en: Everyone needs to work safely.")
    rules = load_folder(content).help_rules
    assert [r.description_en for r in rules] == ["You score below your job's level.", "Everyone needs to work safely."]
    assert rules[0].description == "Je scoort onder het niveau van je functie."


def test_a_file_without_english_loads_with_empty_english(content):
    bundle = load_folder(content)
    assert bundle.tests[0].title_en == "" and bundle.tests[0].items[0].prompt_en == ""


def test_every_text_without_english_is_named_when_the_file_has_some(content):
    title = "title: Rapporteren in het ECD"
    edit(content / "tests" / "ecd.yaml", title, title + "\ntitle_en: Reporting in the EHR")
    found = problems(content)
    assert "tests/ecd.yaml: title_en: " + MISSING not in found
    for path in ("description_en", "application_en", "function_level_en", "items[0].prompt_en",
                 "items[0].options[1].text_en", "items[0].feedback_en", "items[2].steps_en"):
        assert f"tests/ecd.yaml: {path}: {MISSING}" in found, path
    # ecd-02 has no feedback, so it needs no English feedback either
    assert not [p for p in found if "items[1].feedback_en" in p]


def test_english_level_descriptors_need_every_level(content):
    last = "          4: Je legt een collega uit hoe zoeken werkt.\n"
    edit(content / "catalogue.yaml", last, last + "        levels_en:\n          1: You look up a client with help.\n")
    found = problems(content)
    assert f"catalogue.yaml: themes[0].skills[1].levels_en.2: {MISSING}" in found
    assert f"catalogue.yaml: themes[0].skills[0].name_en: {MISSING}" in found
    assert f"catalogue.yaml: themes[0].skills[1].levels_en.1: {MISSING}" not in found


def test_english_steps_must_match_the_dutch_steps_one_to_one(content):
    edit(content / "tests" / "ecd.yaml", "steps: [Open het ECD, Zoek de cliënt, Schrijf de rapportage]",
         "steps: [Open het ECD, Zoek de cliënt, Schrijf de rapportage]\n    steps_en: [Open the EHR, Find the client]")
    assert "tests/ecd.yaml: items[2].steps_en: needs 3 English texts, one per Dutch text in 'steps', not 2" in problems(content)


def test_english_without_dutch_is_an_error(content):
    edit(content / "tests" / "ecd.yaml", "skills: [{skill: ecd-rapporteren, level: 2}]",
         "feedback_en: Only English.\n    skills: [{skill: ecd-rapporteren, level: 2}]")
    assert "tests/ecd.yaml: items[1].feedback_en: English without a Dutch 'feedback'" in problems(content)


def test_english_problems_come_with_the_other_problems_in_one_pass(content):
    edit(content / "help_rules.yaml", "description: Veilig werken is voor iedereen nodig.",
         "description: Veilig werken is voor iedereen nodig.\n    description_en: Everyone needs to work safely.")
    edit(content / "tests" / "ecd.yaml", "{skill: ecd-rapporteren, level: 3}", "{skill: ecd-rapporteren, level: 0}")
    assert problems(content) == [
        f"help_rules.yaml: rules[0].description_en: {MISSING}",
        "tests/ecd.yaml: items[3].skills[0].level: must be a level from 1 to 4",
    ]


def test_a_misspelt_content_file_is_an_error_naming_it(content):
    (content / "profielen.yaml").write_text((content / "profiles.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (content / "tests" / "extra.yml").write_text("code: x\n", encoding="utf-8")
    found = problems(content)
    assert len(found) == 2
    assert found[0].startswith("profielen.yaml: (top): unknown content file: the format knows catalogue.yaml, ")
    assert "tests/<code>.yaml" in found[0]
    assert found[1].startswith("tests/extra.yml: (top): unknown content file")


def test_tests_outside_the_guidance_load_with_a_warning(content):
    edit(content / "tests" / "ecd.yaml", "minutes: 6", "minutes: 25")
    bundle = load_folder(content)
    assert [str(w) for w in bundle.warnings] == [
        "tests/ecd.yaml: items: has 5 items; a test should have 8 to 15 so it is short but still measures enough",
        "tests/ecd.yaml: minutes: is 25; a test should take 5 to 10 minutes",
    ]
    assert bundle.tests[0].minutes == 25


def test_absent_english_keeps_the_content_hash_a_test_had_before_the_format_knew_english(content):
    test = load_folder(content).tests[0]

    def dutch_only(value):
        if isinstance(value, dict):
            return {k: dutch_only(v) for k, v in value.items() if not k.endswith("_en")}
        return [dutch_only(v) for v in value] if isinstance(value, list | tuple) else value

    payload = json.dumps(dutch_only(dataclasses.asdict(test)), sort_keys=True, default=str, ensure_ascii=False)
    assert test.content_hash() == hashlib.sha256(payload.encode("utf-8")).hexdigest()
    assert dataclasses.replace(test, title_en="Reporting").content_hash() != test.content_hash()
