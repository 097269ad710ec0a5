"""A content owner's mistakes are reported with file, path inside the file, and reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mappings.errors import ContentError
from mappings.loader import load_folder

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "content"


@pytest.fixture
def content(tmp_path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(FIXTURE, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(folder: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_folder(folder)
    return [str(p) for p in info.value.problems]


def test_fixture_content_is_valid():
    bundle = load_folder(FIXTURE)
    assert {s for s in bundle.skills} == {"ecd-rapporteren", "ecd-zoeken", "wachtwoord-veilig"}
    assert [len(t.items) for t in bundle.tests] == [5]


def test_unknown_skill_reference_names_file_path_and_code(content):
    edit(content / "tests" / "ecd.yaml", "skills: [{skill: ecd-zoeken, level: 2}]", "skills: [{skill: ecd-zoekn, level: 2}]")
    assert problems(content) == ["tests/ecd.yaml: items[2].skills[0].skill: unknown skill 'ecd-zoekn'"]


def test_unknown_skill_in_profile_requirement(content):
    edit(content / "profiles.yaml", "{skill: ecd-rapporteren, min_level: 1}", "{skill: ecd-schrijven, min_level: 1}")
    assert problems(content) == ["profiles.yaml: profiles[1].requirements[0].skill: unknown skill 'ecd-schrijven'"]


def test_duplicate_skill_code_is_refused(content):
    edit(content / "catalogue.yaml", "code: ecd-zoeken", "code: ecd-rapporteren")
    assert problems(content) == ["catalogue.yaml: themes[0].skills[1].code: duplicate skill code 'ecd-rapporteren'"]


def test_duplicate_item_code_is_refused(content):
    edit(content / "tests" / "ecd.yaml", "code: ecd-05", "code: ecd-01")
    assert problems(content) == ["tests/ecd.yaml: items[4].code: duplicate item code 'ecd-01'"]


def test_level_out_of_range_in_requirement(content):
    edit(content / "profiles.yaml", "{skill: ecd-rapporteren, min_level: 2}", "{skill: ecd-rapporteren, min_level: 5}")
    assert problems(content) == ["profiles.yaml: profiles[0].requirements[0].min_level: must be a level from 1 to 4"]


def test_level_out_of_range_in_item_link(content):
    edit(content / "tests" / "ecd.yaml", "{skill: ecd-rapporteren, level: 3}", "{skill: ecd-rapporteren, level: 0}")
    assert problems(content) == ["tests/ecd.yaml: items[3].skills[0].level: must be a level from 1 to 4"]


def test_missing_level_descriptor(content):
    edit(content / "catalogue.yaml", "          4: Je legt een collega uit hoe zoeken werkt.\n", "")
    assert problems(content) == [
        "catalogue.yaml: themes[0].skills[1].levels: needs a descriptor for each of levels 1-4; missing [4]"
    ]


def test_test_without_items_is_refused(content):
    path = content / "tests" / "ecd.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("items:")] + "items: []\n", encoding="utf-8")
    assert problems(content) == ["tests/ecd.yaml: items: a test needs at least one item"]


def test_malformed_yaml_gives_line_and_column(content):
    edit(content / "profiles.yaml", "    hr_codes: [VIG]", "    hr_codes: [VIG")
    [problem] = problems(content)
    assert problem.startswith("profiles.yaml: line ")
    assert "malformed YAML" in problem


def test_single_choice_needs_exactly_one_correct_option(content):
    edit(content / "tests" / "ecd.yaml", "{code: b, text: Op een briefje}", "{code: b, text: Op een briefje, correct: true}")
    assert problems(content) == ["tests/ecd.yaml: items[0].options: a single item needs exactly one correct option, found 2"]


def test_unknown_key_is_an_error_not_silently_dropped(content):
    edit(content / "tests" / "ecd.yaml", "minutes: 6", "minutes: 6\nminuten: 6")
    assert problems(content) == ["tests/ecd.yaml: minuten: Unknown field."]


def test_every_problem_of_the_folder_is_reported_at_once(content):
    edit(content / "tests" / "ecd.yaml", "skills: [{skill: ecd-zoeken, level: 2}]", "skills: [{skill: nope, level: 2}]")
    edit(content / "resources.yaml", "skill: wachtwoord-veilig", "skill: nope-ook")
    assert len(problems(content)) == 2


def test_a_folder_that_does_not_exist(tmp_path):
    assert problems(tmp_path / "missing") == [f"{tmp_path / 'missing'}: (top): is not a folder"]
