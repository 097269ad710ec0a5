"""Score a digi-toets: answers -> item scores -> evidence per skill level -> demonstrated levels.

Pure functions on the frozen dataclasses of :mod:`mappings.model`; no database. Comparing the
levels with a function profile lives in :mod:`mappings.requirements`.

Every rule here is monotone: a right answer in place of a wrong one never lowers an item score,
the raw score or any skill's level. The property tests in tests/unit/mappings keep that honest.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mappings.errors import InvalidAnswerError
from mappings.model import MAX_LEVEL, MIN_LEVEL, DigiTest, Item, ItemType

#: The four fixed answers of a self_rating item, indexed by the answer 0..3.
SELF_RATING_LABELS = ("kan ik nog niet", "met hulp", "zelfstandig", "kan ik anderen uitleggen")
#: The level each self-rating answer claims. "zelfstandig" claims level 2, not 3: level 3
#: ("vaardig", solves unusual problems) has to be shown with knowledge items, not by saying so.
SELF_RATING_LEVELS = (0, 1, 2, 4)
#: Tolerance for "mean >= pass_ratio", so that seven scores of 0.1 count as 0.7.
_EPSILON = 1e-9


@dataclass(frozen=True)
class Evidence:
    """One item's say about one skill at one level: ``score`` (0..1) counted ``weight`` times."""

    skill: str
    level: int
    weight: float
    score: float

    def __post_init__(self) -> None:
        if not MIN_LEVEL <= self.level <= MAX_LEVEL:
            raise ValueError(f"evidence level must be {MIN_LEVEL}..{MAX_LEVEL}, got {self.level}")
        if not (math.isfinite(self.weight) and self.weight > 0):
            raise ValueError(f"evidence weight must be a positive number, got {self.weight}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"evidence score must be 0..1, got {self.score}")


@dataclass(frozen=True)
class LevelResult:
    """The evidence for one skill at one level: total weight, weighted mean score, and whether it holds."""

    level: int
    weight: float
    ratio: float
    held: bool


@dataclass(frozen=True)
class SkillResult:
    """What a set of evidence shows for one skill.

    ``level`` is 0..4 (0: not yet level 1); ``levels`` lists every level that has evidence,
    lowest first, so feedback can say which level fell short.
    """

    skill: str
    level: int
    evidence_count: int
    levels: tuple[LevelResult, ...] = ()

    @property
    def highest_tested(self) -> int:
        """The highest level with evidence; ``level`` never exceeds it."""
        return max((r.level for r in self.levels), default=0)


@dataclass(frozen=True)
class AttemptScore:
    """The score of one attempt at a digi-toets.

    ``passed`` is ``scaled >= test.pass_ratio``: a plain overall mark for the learner. HR and
    the function profile look at ``skills`` (the levels), not at ``passed``.
    """

    raw: float
    max_score: int
    scaled: float
    item_scores: dict[str, float]
    skills: dict[str, SkillResult]
    passed: bool


def score_item(item: Item, answer: Any) -> float:
    """Score one answer to one item, from 0 (wrong) to 1 (right).

    Answer shapes per item type:

    * ``single``: one option code (``"a"``); 1 when it is the correct option.
    * ``multiple``: a collection of option codes; partial credit
      ``(right picks - wrong picks) / number of correct options``, at least 0.
    * ``ordering``: every step once, in the learner's order, all as step texts or all as
      0-based indices into ``item.steps``. The score is the share of adjacent pairs in the
      answer that are in the right relative order. Chosen over "share of positions right"
      because one step put too early shifts every later step off its position and would score
      near 0, while the learner knew most of the sequence; adjacent pairs lose only one or two.
    * ``self_rating``: an int 0..3 (:data:`SELF_RATING_LABELS`). There is no right answer; the
      score is the claimed level (:data:`SELF_RATING_LEVELS`) capped at the item's highest
      linked level, divided by that level, so "kan ik anderen uitleggen" always scores 1.

    Raises:
        InvalidAnswerError: when the answer does not fit the item (wrong type, unknown option
            code or step, duplicate, wrong number of steps, rating outside 0..3).
        ValueError: when the item itself cannot be scored (no correct option, no steps).
    """
    kind = ItemType(item.type)
    if kind is ItemType.SINGLE:
        return _score_single(item, answer)
    if kind is ItemType.MULTIPLE:
        return _score_multiple(item, answer)
    if kind is ItemType.ORDERING:
        return _score_ordering(item, answer)
    claimed = SELF_RATING_LEVELS[_self_rating(item, answer)]
    top = _top_level(item)
    return min(claimed, top) / top


def evidence_for(items: Sequence[Item], answers: Mapping[str, Any]) -> list[Evidence]:
    """Turn answers into evidence, one entry per item-skill link (several for a self-rating).

    A knowledge item gives ``Evidence(skill, link.level, link.weight, item score)``. A self-rating
    item with claimed level ``c`` gives, for each level 1..link.level, score 1 at levels <= c and
    0 above. The link's level is a cap: a self-rating asked about daily work (level 2) says
    nothing about levels 3 and 4, and an honest "zelfstandig" there must not count as a 0 at
    level 3 against the knowledge items.

    An item without an answer (missing, or ``None``) is evidence of 0 at the same levels it would
    cover if answered, so leaving items open never helps.

    Raises:
        InvalidAnswerError: for an answer that does not fit its item, or one for an unknown item.
    """
    _check_known(items, answers)
    return [e for item in items for e in _item_evidence(item, answers.get(item.code))[1]]


def demonstrated_levels(evidence: Iterable[Evidence], pass_ratio: float) -> dict[str, SkillResult]:
    """Decide the level each skill shows; skills without evidence are absent ("not tested").

    A level *holds* when the weighted mean score of its evidence is at least ``pass_ratio``.
    The demonstrated level is the highest level that has evidence, holds, and has every lower
    level with evidence holding as well; 0 when the lowest tested level fails. A level without
    evidence neither blocks a higher one nor counts by itself: failing every level-3 item
    without any level-1 or level-2 items gives 0, not 2, because nothing showed level 2.

    Raises:
        ValueError: when ``pass_ratio`` is outside 0..1.
    """
    _check_ratio(pass_ratio)
    grouped: dict[str, dict[int, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
    for item in evidence:
        grouped[item.skill][item.level].append(item)
    results = {}
    for skill in sorted(grouped):
        by_level = grouped[skill]
        levels = tuple(_level_result(level, by_level[level], pass_ratio) for level in sorted(by_level))
        level = 0
        for result in levels:
            if not result.held:
                break
            level = result.level
        count = sum(len(found) for found in by_level.values())
        results[skill] = SkillResult(skill, level, count, levels)
    return results


def score_attempt(test: DigiTest, answers: Mapping[str, Any]) -> AttemptScore:
    """Score every item of ``test`` and decide the level per skill it covers.

    Unanswered items score 0. ``raw`` is the sum of item scores, ``max_score`` the number of
    items and ``scaled = raw / max_score``.

    Raises:
        InvalidAnswerError: for an answer that does not fit its item, or one for an unknown item.
        ValueError: when the test repeats an item code or its pass_ratio is outside 0..1.
    """
    codes = [item.code for item in test.items]
    if len(set(codes)) != len(codes):
        raise ValueError(f"test {test.code!r} repeats an item code")
    _check_known(test.items, answers)
    item_scores: dict[str, float] = {}
    evidence: list[Evidence] = []
    for item in test.items:
        item_scores[item.code], found = _item_evidence(item, answers.get(item.code))
        evidence.extend(found)
    raw = math.fsum(item_scores.values())  # exactly rounded, so it can only grow with any item
    max_score = len(test.items)
    scaled = min(1.0, raw / max_score) if max_score else 0.0
    skills = demonstrated_levels(evidence, test.pass_ratio)
    return AttemptScore(raw, max_score, scaled, item_scores, skills, scaled >= test.pass_ratio - _EPSILON)


def _item_evidence(item: Item, answer: Any) -> tuple[float, list[Evidence]]:
    """Score one item (``None``: unanswered) and build its evidence."""
    score = 0.0 if answer is None else score_item(item, answer)
    if ItemType(item.type) is not ItemType.SELF_RATING:
        return score, [Evidence(link.skill, link.level, link.weight, score) for link in item.skills]
    claimed = 0 if answer is None else SELF_RATING_LEVELS[answer]
    evidence = [
        Evidence(link.skill, level, link.weight, 1.0 if level <= claimed else 0.0)
        for link in item.skills
        for level in range(MIN_LEVEL, link.level + 1)
    ]
    return score, evidence


def _level_result(level: int, evidence: list[Evidence], pass_ratio: float) -> LevelResult:
    weight = math.fsum(e.weight for e in evidence)
    ratio = math.fsum(e.weight * e.score for e in evidence) / weight
    return LevelResult(level, weight, ratio, ratio >= pass_ratio - _EPSILON)


def _check_known(items: Sequence[Item], answers: Mapping[str, Any]) -> None:
    known = {item.code for item in items}
    for code in answers:
        if code not in known:
            raise InvalidAnswerError(str(code), "there is no such item in this test")


def _check_ratio(pass_ratio: float) -> None:
    if not 0.0 <= pass_ratio <= 1.0:
        raise ValueError(f"pass_ratio must be 0..1, got {pass_ratio}")


def _correct_codes(item: Item) -> frozenset[str]:
    correct = item.correct_codes
    if not correct:
        raise ValueError(f"item {item.code!r} has no correct option")
    return correct


def _score_single(item: Item, answer: Any) -> float:
    correct = _correct_codes(item)
    if not isinstance(answer, str):
        raise InvalidAnswerError(item.code, f"expected one option code, got {type(answer).__name__}")
    if answer not in {option.code for option in item.options}:
        raise InvalidAnswerError(item.code, f"unknown option code {answer!r}")
    return 1.0 if answer in correct else 0.0


def _score_multiple(item: Item, answer: Any) -> float:
    correct = _correct_codes(item)
    if isinstance(answer, (str, bytes, Mapping)) or not isinstance(answer, Collection):
        raise InvalidAnswerError(item.code, f"expected a list of option codes, got {type(answer).__name__}")
    known = {option.code for option in item.options}
    picked: set[str] = set()
    for code in answer:
        if not isinstance(code, str):
            raise InvalidAnswerError(item.code, f"option codes are text, got {type(code).__name__}")
        if code not in known:
            raise InvalidAnswerError(item.code, f"unknown option code {code!r}")
        if code in picked:
            raise InvalidAnswerError(item.code, f"option code {code!r} is given twice")
        picked.add(code)
    return max(0.0, (len(picked & correct) - len(picked - correct)) / len(correct))


def _score_ordering(item: Item, answer: Any) -> float:
    steps = len(item.steps)
    if not steps:
        raise ValueError(f"item {item.code!r} has no steps")
    if isinstance(answer, (str, bytes)) or not isinstance(answer, Sequence):
        raise InvalidAnswerError(item.code, f"expected a list of steps, got {type(answer).__name__}")
    if len(answer) != steps:
        raise InvalidAnswerError(item.code, f"expected all {steps} steps, got {len(answer)}")
    positions = _step_positions(item, answer)
    if steps == 1:
        return 1.0
    right = sum(1 for first, second in zip(positions, positions[1:], strict=False) if first < second)
    return right / (steps - 1)


def _step_positions(item: Item, answer: Sequence[Any]) -> list[int]:
    """Map the learner's steps (texts or indices) to their places in the right order."""
    if all(isinstance(s, int) and not isinstance(s, bool) for s in answer):
        positions = list(answer)
        for index in positions:
            if not 0 <= index < len(item.steps):
                raise InvalidAnswerError(item.code, f"step index {index} is outside 0..{len(item.steps) - 1}")
    elif all(isinstance(s, str) for s in answer):
        free: dict[str, list[int]] = defaultdict(list)
        for index, text in enumerate(item.steps):
            free[text].append(index)
        positions = []
        for text in answer:
            if text not in free:
                raise InvalidAnswerError(item.code, f"unknown step {text!r}")
            if not free[text]:
                raise InvalidAnswerError(item.code, f"step {text!r} is given twice")
            positions.append(free[text].pop(0))
    else:
        raise InvalidAnswerError(item.code, "give the steps either all as texts or all as indices")
    if len(set(positions)) != len(positions):
        raise InvalidAnswerError(item.code, "a step is given twice")
    return positions


def _self_rating(item: Item, answer: Any) -> int:
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise InvalidAnswerError(item.code, f"expected a rating 0..3, got {type(answer).__name__}")
    if not 0 <= answer < len(SELF_RATING_LEVELS):
        raise InvalidAnswerError(item.code, f"rating must be 0..3, got {answer}")
    return answer


def _top_level(item: Item) -> int:
    return max((link.level for link in item.skills), default=MAX_LEVEL)
