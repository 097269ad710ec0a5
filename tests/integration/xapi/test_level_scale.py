"""One level scale (0-4) in the profile, in the content's scoring and in every skill statement."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from mappings.model import MAX_LEVEL
from mappings.scoring import SELF_RATING_LEVELS
from service import models as m
from service.operations import attempts
from xapi.vocabulary import Vocabulary, profile_document

PERFECT = {"ecd-01": "a", "ecd-02": ["a", "b"], "ecd-03": ["Open het ECD", "Zoek de cliënt", "Schrijf de rapportage"],
           "ecd-04": 3, "ecd-05": "b"}
BASE = "https://digitoets.zorg.example"


def profile_scale() -> tuple[int, int]:
    """(lowest, highest) level as the profile's demonstrated-level extension defines it."""
    concept = next(c for c in profile_document(BASE)["concepts"]
                   if c["id"] == Vocabulary(BASE).extension("demonstrated-level"))
    schema = json.loads(concept["inlineSchema"])
    return schema["minimum"], schema["maximum"]


def _scored_statements(database, make_person, subject, answers):
    person_id = make_person(subject=subject)
    now = datetime.now(UTC)
    with database.begin() as session:
        person = session.get(m.Person, person_id)
        attempt, _ = attempts.start_attempt(session, person, "ecd-rapportage", now)
        for code, value in answers.items():
            attempts.save_answer(session, attempt, code, value, now)
        attempts.submit_attempt(session, attempt, now)
        attempts.score_attempt(session, attempt, now)
        rows = session.scalars(select(m.OutboxItem).where(m.OutboxItem.organisation_id == person.organisation_id))
        return [r.payload for r in rows if r.payload["verb"]["id"].endswith("/scored")
                and r.payload["context"]["registration"] == str(attempt.registration)]


def test_the_content_scale_is_the_profile_scale():
    low, high = profile_scale()
    assert (low, high) == (0, MAX_LEVEL) == (0, 4)  # 0 is "not yet level 1", 4 the content's top
    assert set(SELF_RATING_LEVELS) <= set(range(low, high + 1))
    required = next(c for c in profile_document(BASE)["concepts"]
                    if c["id"] == Vocabulary(BASE).extension("required-level"))
    assert json.loads(required["inlineSchema"])["maximum"] == high


def test_perfect_and_empty_attempts_score_on_the_profile_scale(database, make_person):
    low, high = profile_scale()
    perfect = _scored_statements(database, make_person, "emp-perfect", PERFECT)
    empty = _scored_statements(database, make_person, "emp-empty", {})
    assert perfect and empty
    levels = {}
    for label, statements in (("perfect", perfect), ("empty", empty)):
        for statement in statements:
            result = statement["result"]
            level = next(v for k, v in result["extensions"].items() if k.endswith("/extensions/demonstrated-level"))
            assert (result["score"]["min"], result["score"]["max"]) == (low, high), label
            assert low <= level <= high and result["score"]["raw"] == level
            assert result["score"]["scaled"] == round(level / high, 4)
            levels.setdefault(label, []).append(level)
    assert set(levels["empty"]) == {low}  # nothing answered: not yet level 1 on every skill
    assert max(levels["perfect"]) == 3  # the fixture's highest linked level, shown in full
