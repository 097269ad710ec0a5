"""`digitoets content validate|load`: all or nothing, idempotent, new test versions on change."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from service import models as m
from service.models.people import Person
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, folder)
    return folder


def count(database, model) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_validate_lists_each_problem_and_exits_nonzero(runner, content):
    text = (content / "tests" / "ecd.yaml").read_text(encoding="utf-8")
    (content / "tests" / "ecd.yaml").write_text(text.replace("level: 3}", "level: 7}"), encoding="utf-8")
    result = runner.invoke(args=["content", "validate", str(content)])
    assert result.exit_code == 1
    assert "error: tests/ecd.yaml: items[3].skills[0].level: must be a level from 1 to 4" in result.output
    assert "nothing was loaded" in result.output


def test_invalid_content_loads_nothing(runner, database, content):
    text = (content / "resources.yaml").read_text(encoding="utf-8")
    (content / "resources.yaml").write_text(text.replace("skill: wachtwoord-veilig", "skill: onbekend"), encoding="utf-8")
    result = runner.invoke(args=["content", "load", str(content)])
    assert result.exit_code == 1
    assert "resources.yaml: resources[1].skill: unknown skill 'onbekend'" in result.output
    for model in (m.Theme, m.Skill, m.FunctionProfile, m.DigiTest, m.LearningResource, m.ContentRelease):
        assert count(database, model) == 0, model.__name__


def test_loading_twice_changes_nothing(runner, database, content):
    first = runner.invoke(args=["content", "load", str(content)])
    assert first.exit_code == 0, first.output
    assert "new test version: ecd-rapportage v1" in first.output
    snapshot = {model: count(database, model) for model in (m.Skill, m.Requirement, m.TestVersion, m.Item, m.ContentRelease)}
    second = runner.invoke(args=["content", "load", str(content)])
    assert second.exit_code == 0
    assert "nothing changed" in second.output
    assert {model: count(database, model) for model in snapshot} == snapshot


def test_changed_item_makes_a_new_version_and_attempts_keep_theirs(runner, database, content):
    assert runner.invoke(args=["content", "load", str(content)]).exit_code == 0
    with database.begin() as session:
        org = m.Organisation(slug="zorg", name="Zorg")
        person = Person(organisation=org, issuer="https://lms.example", subject="1")
        v1 = session.scalars(select(m.TestVersion)).one()
        attempt = m.Attempt(person=person, organisation=org, test_version=v1, shuffle_seed=1)
        session.add(attempt)
    path = content / "tests" / "ecd.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Op een briefje", "Op een papiertje"), encoding="utf-8")
    result = runner.invoke(args=["content", "load", str(content)])
    assert "new test version: ecd-rapportage v2" in result.output
    with database.begin() as session:
        test = session.scalars(select(m.DigiTest)).one()
        assert [v.number for v in test.versions] == [1, 2]
        options = [o["text"] for o in test.current_version.items[0].data["options"]]
        assert "Op een papiertje" in options
        kept = session.scalars(select(m.Attempt)).one()
        assert kept.test_version.number == 1
        assert "Op een briefje" in [o["text"] for o in kept.test_version.items[0].data["options"]]


def test_removed_skill_is_deactivated_not_deleted(runner, database, content):
    assert runner.invoke(args=["content", "load", str(content)]).exit_code == 0
    catalogue = content / "catalogue.yaml"
    text = catalogue.read_text(encoding="utf-8")
    start = text.index("      - code: ecd-zoeken")
    end = text.index("  - code: informatiebeveiliging-privacy")
    catalogue.write_text(text[:start] + text[end:], encoding="utf-8")
    test = content / "tests" / "ecd.yaml"
    test.write_text(test.read_text(encoding="utf-8").replace("skill: ecd-zoeken", "skill: ecd-rapporteren"), encoding="utf-8")
    result = runner.invoke(args=["content", "load", str(content)])
    assert result.exit_code == 0, result.output
    with database.begin() as session:
        skill = session.scalars(select(m.Skill).where(m.Skill.code == "ecd-zoeken")).one()
        assert skill.active is False


def test_starter_content_loads(runner, database):
    from tests.conftest import STARTER_CONTENT

    result = runner.invoke(args=["content", "load", str(STARTER_CONTENT)])
    assert result.exit_code == 0, result.output
    assert count(database, m.DigiTest) >= 6


def test_validate_warns_about_guidance_and_still_succeeds(runner, content):
    text = (content / "tests" / "ecd.yaml").read_text(encoding="utf-8")
    (content / "tests" / "ecd.yaml").write_text(text.replace("minutes: 6", "minutes: 12"), encoding="utf-8")
    result = runner.invoke(args=["content", "validate", str(content)])
    assert result.exit_code == 0, result.output
    assert "warning: tests/ecd.yaml: items: has 5 items; a test should have 8 to 15" in result.output
    assert "warning: tests/ecd.yaml: minutes: is 12; a test should take 5 to 10 minutes" in result.output
    assert "valid" in result.output


def test_validate_refuses_a_content_file_the_format_does_not_know(runner, content):
    (content / "profielen.yaml").write_text("profiles: []\n", encoding="utf-8")
    result = runner.invoke(args=["content", "validate", str(content)])
    assert result.exit_code == 1
    assert "error: profielen.yaml: (top): unknown content file" in result.output


def test_the_starter_content_validates_without_warnings(runner):
    result = runner.invoke(args=["content", "validate"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
