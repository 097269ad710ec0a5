"""Read an answer from a question form or an autosave request, per item type."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict

from service.errors import InvalidInputError
from service.i18n_markers import N_
from service.operations.attempts import PresentedItem


class SaveAnswerArgs(Schema):
    """JSON body of an autosave: ``{"item": "ecd-01", "value": ...}``."""

    item = fields.String(required=True, validate=validate.Length(min=1, max=64))
    value = fields.Raw(required=True, allow_none=False)


def form_answer(item: PresentedItem, form: MultiDict) -> object | None:
    """The answer in a submitted question form, or None when the question was left open.

    Raises:
        InvalidInputError: when the form is malformed for this type of question.
    """
    if item.type == "multiple":
        picked = form.getlist("answer")
        return picked or None
    if item.type == "ordering":
        return _ordering(item, form)
    raw = form.get("answer")
    if raw in (None, ""):
        return None
    if item.type == "self_rating":
        try:
            return int(raw)
        except ValueError:
            raise InvalidInputError(N_("Kies een van de vier antwoorden."), {"answer": [f"geen keuze: {raw!r}"]}) from None
    return raw


def _ordering(item: PresentedItem, form: MultiDict) -> list[str] | None:
    raw = [form.get(f"position-{index}", "") for index in range(len(item.steps))]
    if all(value == "" for value in raw):
        return None
    try:
        positions = [int(value) for value in raw]
    except ValueError:
        raise InvalidInputError(
            N_("Geef elke stap een nummer."), {"answer": ["elke stap heeft een nummer nodig"]}
        ) from None
    if sorted(positions) != list(range(1, len(item.steps) + 1)):
        raise InvalidInputError(
            N_("Geef elke stap een ander nummer, van 1 tot en met %(n)s."),
            {"answer": ["nummers moeten verschillen"]},
            n=len(item.steps),
        )
    ordered = sorted(zip(positions, item.steps, strict=True))
    return [step for _, step in ordered]
