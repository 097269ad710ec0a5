"""Content texts in the reader's language: English where the content has it, Dutch otherwise."""

from __future__ import annotations

from typing import Any

ENGLISH = "en"


def localized(obj: Any, name: str, locale: str | None) -> Any:
    """``obj.name`` in ``locale``: its ``name_en`` twin for English when that is filled, else the Dutch.

    Works for models, the ``mappings`` dataclasses and the dicts in ``Item.data`` (options), so
    templates and operations share one rule. Dutch is the fallback for content without English.
    """
    if isinstance(obj, dict):
        dutch, english = obj.get(name), obj.get(name + "_en")
    else:
        dutch, english = getattr(obj, name), getattr(obj, name + "_en", None)
    return english if locale == ENGLISH and english else dutch


def step_labels(data: dict, locale: str | None) -> dict[str, str]:
    """An ordering item's steps (as ``Item.data`` holds them) -> the text to show for each."""
    steps = list(data.get("steps", []))
    return dict(zip(steps, localized({"steps": steps, "steps_en": data.get("steps_en")}, "steps", locale), strict=True))
