"""Per question of a finished attempt: what the employee chose, what was right, and why."""

from __future__ import annotations

from dataclasses import dataclass

from service import models as m
from service.models.texts import localized, step_labels


@dataclass(frozen=True)
class ItemFeedback:
    """One question on the result page.

    ``chosen`` holds the option texts (or steps, in the order given) the employee gave, empty when
    the question was skipped; ``correct`` the right ones. A self-rating has no right answer:
    ``rating`` is the index of the fixed label chosen (service/web/templating.py), or None.
    """

    number: int
    prompt: str
    type: str
    score: float
    feedback: str
    chosen: tuple[str, ...] = ()
    correct: tuple[str, ...] = ()
    rating: int | None = None

    @property
    def skipped(self) -> bool:
        return not self.chosen and self.rating is None

    @property
    def is_self_rating(self) -> bool:
        return self.type == "self_rating"


def _texts(item, codes, locale: str | None = None) -> tuple[str, ...]:
    by_code = {o["code"]: localized(o, "text", locale) for o in item.data.get("options", [])}
    return tuple(by_code[c] for c in codes if c in by_code)


def item_feedback(attempt: m.Attempt, locale: str | None = None, version=None) -> tuple[ItemFeedback, ...]:
    """Every question of the attempt, in test order, with the answer given and the right one.

    Texts are in ``locale`` where the content has them (``localized``). ``version``: the attempt's
    version from the content in memory (``attempts.version_of``); without it, the attempt's row.
    """
    responses = {r.item_id: r for r in attempt.responses}
    lines = []
    for number, item in enumerate((version or attempt.test_version).items, start=1):
        response = responses.get(item.id)
        value = response.answer.get("value") if response is not None else None
        chosen: tuple[str, ...] = ()
        correct: tuple[str, ...] = ()
        rating = None
        if item.type == "self_rating":
            rating = value if isinstance(value, int) else None
        elif item.type == "ordering":
            labels = step_labels(item.data, locale)
            chosen = tuple(labels.get(step, step) for step in value or ())
            correct = tuple(labels.values())
        else:
            given = [value] if isinstance(value, str) else list(value or [])
            option_order = [o["code"] for o in item.data.get("options", [])]
            chosen = _texts(item, sorted(given, key=lambda c: option_order.index(c) if c in option_order else 0), locale)
            correct = _texts(item, [o["code"] for o in item.data.get("options", []) if o.get("correct")], locale)
        lines.append(
            ItemFeedback(
                number=number, prompt=localized(item, "prompt", locale), type=item.type,
                score=(response.score or 0.0) if response is not None else 0.0,
                feedback=localized(item, "feedback", locale) or "", chosen=chosen, correct=correct, rating=rating,
            )
        )
    return tuple(lines)
