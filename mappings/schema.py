"""Marshmallow schemas for the content files; each ``load`` returns ``mappings.model`` objects.

The schemas check the shape of one file. Cross-file checks (does this skill exist?) live in
``mappings.loader`` because they need the whole folder. This module holds the catalogue,
profiles and tests; ``mappings.schema_followup`` the resources, help rules and accreditation.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from mappings import model
from mappings.english import english_text

CODE = validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="must be lower-case words joined by '-'")
LEVEL = validate.Range(model.MIN_LEVEL, model.MAX_LEVEL, error="must be a level from 1 to 4")
URL = validate.URL(schemes={"http", "https"}, require_tld=True)


def _code(**kwargs):
    return fields.String(required=True, validate=CODE, **kwargs)


def _text(**kwargs):
    kwargs.setdefault("required", True)
    return fields.String(validate=validate.Length(min=1), **kwargs)


class _Strict(Schema):
    """Unknown keys are errors: a typo in a key must not silently drop content."""

    class Meta:
        ordered = True


def _unique(items, attr: str, what: str, field: str) -> None:
    """Raise a ValidationError at ``field[index].attr`` for the first repeated value."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        value = getattr(item, attr)
        if value in seen:
            raise ValidationError({field: {index: {attr: [f"duplicate {what} '{value}'"]}}})
        seen.add(value)


class SkillSchema(_Strict):
    TRANSLATED = ("name", "description", "levels")
    code = _code()
    name = _text()
    name_en = english_text()
    description = _text()
    description_en = english_text()
    device = fields.String(load_default="beide", validate=validate.OneOf(["laptop", "mobiel", "beide"]))
    levels = fields.Dict(keys=fields.Integer(validate=LEVEL), values=_text(), required=True)
    levels_en = fields.Dict(keys=fields.Integer(validate=LEVEL), values=_text(), load_default=dict)

    @validates_schema
    def _four_levels(self, data, **kwargs):
        levels = data.get("levels")
        if levels is not None and set(levels) != set(model.LEVELS):
            missing = sorted(set(model.LEVELS) - set(levels))
            raise ValidationError(f"needs a descriptor for each of levels 1-4; missing {missing}", "levels")


class ThemeSchema(_Strict):
    TRANSLATED = ("name", "description")
    code = _code()
    name = _text()
    name_en = english_text()
    description = _text()
    description_en = english_text()
    skills = fields.List(fields.Nested(SkillSchema), required=True, validate=validate.Length(min=1))

    @post_load
    def _make(self, data, **kwargs):
        skills = tuple(
            model.Skill(
                code=s["code"],
                theme=data["code"],
                name=s["name"],
                description=s["description"],
                device=s["device"],
                levels=tuple(
                    model.SkillLevel(lvl, s["levels"][lvl], s["levels_en"].get(lvl, "")) for lvl in sorted(s["levels"])
                ),
                name_en=s["name_en"],
                description_en=s["description_en"],
            )
            for s in data["skills"]
        )
        return model.Theme(data["code"], data["name"], data["description"], skills,
                           name_en=data["name_en"], description_en=data["description_en"])


class CatalogueSchema(_Strict):
    themes = fields.List(fields.Nested(ThemeSchema), required=True, validate=validate.Length(min=1))

    @post_load
    def _make(self, data, **kwargs):
        themes = data["themes"]
        _unique(themes, "code", "theme code", "themes")
        seen: dict[str, str] = {}
        for t_index, theme in enumerate(themes):
            for s_index, skill in enumerate(theme.skills):
                if skill.code in seen:
                    raise ValidationError(
                        {"themes": {t_index: {"skills": {s_index: {"code": [f"duplicate skill code '{skill.code}'"]}}}}}
                    )
                seen[skill.code] = theme.code
        return {"themes": tuple(themes)}


class RequirementSchema(_Strict):
    skill = fields.String(validate=CODE)
    theme = fields.String(validate=CODE)
    min_level = fields.Integer(required=True, strict=True, validate=LEVEL)
    mandatory = fields.Boolean(load_default=True)
    recertify_months = fields.Integer(strict=True, validate=validate.Range(1, 120), load_default=None)

    @validates_schema
    def _skill_or_theme(self, data, **kwargs):
        if ("skill" in data) == ("theme" in data):
            raise ValidationError("give either 'skill' or 'theme', not both or neither", "skill")

    @post_load
    def _make(self, data, **kwargs):
        return model.Requirement(**data)


class ProfileSchema(_Strict):
    TRANSLATED = ("name", "description")
    code = _code()
    name = _text()
    name_en = english_text()
    description = _text()
    description_en = english_text()
    hr_codes = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)
    requirements = fields.List(fields.Nested(RequirementSchema), required=True, validate=validate.Length(min=1))

    @post_load
    def _make(self, data, **kwargs):
        return model.FunctionProfile(
            code=data["code"],
            name=data["name"],
            description=data["description"],
            requirements=tuple(data["requirements"]),
            hr_codes=tuple(data["hr_codes"]),
            name_en=data["name_en"],
            description_en=data["description_en"],
        )


class ProfilesSchema(_Strict):
    profiles = fields.List(fields.Nested(ProfileSchema), required=True, validate=validate.Length(min=1))

    @post_load
    def _make(self, data, **kwargs):
        _unique(data["profiles"], "code", "profile code", "profiles")
        return {"profiles": tuple(data["profiles"])}


class ItemSkillSchema(_Strict):
    skill = _code()
    level = fields.Integer(required=True, strict=True, validate=LEVEL)
    weight = fields.Float(load_default=1.0, validate=validate.Range(min=0, min_inclusive=False))

    @post_load
    def _make(self, data, **kwargs):
        return model.ItemSkill(**data)


class OptionSchema(_Strict):
    TRANSLATED = ("text",)
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9]+$", error="must be a short code like 'a'"))
    text = _text()
    text_en = english_text()
    correct = fields.Boolean(load_default=False)

    @post_load
    def _make(self, data, **kwargs):
        return model.Option(**data)


class ItemSchema(_Strict):
    TRANSLATED = ("prompt", "steps", "feedback")
    code = _code()
    type = fields.Enum(model.ItemType, by_value=True, required=True)
    prompt = _text()
    prompt_en = english_text()
    options = fields.List(fields.Nested(OptionSchema), load_default=list)
    steps = fields.List(_text(), load_default=list)
    steps_en = fields.List(_text(), load_default=list)
    feedback = fields.String(load_default="")
    feedback_en = english_text()
    skills = fields.List(fields.Nested(ItemSkillSchema), required=True, validate=validate.Length(min=1))

    @validates_schema
    def _fits_type(self, data, **kwargs):
        kind, options, steps = data.get("type"), data.get("options", []), data.get("steps", [])
        if kind in (model.ItemType.SINGLE, model.ItemType.MULTIPLE):
            if not 2 <= len(options) <= 6:
                raise ValidationError(f"a {kind.value} item needs 2 to 6 options", "options")
            codes = [o.code for o in options]
            if len(set(codes)) != len(codes):
                raise ValidationError("option codes must be unique", "options")
            correct = sum(o.correct for o in options)
            if kind is model.ItemType.SINGLE and correct != 1:
                raise ValidationError(f"a single item needs exactly one correct option, found {correct}", "options")
            if kind is model.ItemType.MULTIPLE and correct < 1:
                raise ValidationError("a multiple item needs at least one correct option", "options")
        elif options:
            raise ValidationError(f"a {kind.value} item has no options", "options")
        if kind is model.ItemType.ORDERING:
            if not 3 <= len(steps) <= 6:
                raise ValidationError("an ordering item needs 3 to 6 steps", "steps")
            if len(set(steps)) != len(steps):
                raise ValidationError("steps must differ from each other", "steps")
        elif steps:
            raise ValidationError(f"a {kind.value} item has no steps" if kind else "steps need type ordering", "steps")

    @post_load
    def _make(self, data, **kwargs):
        return model.Item(
            code=data["code"],
            type=data["type"],
            prompt=data["prompt"],
            skills=tuple(data["skills"]),
            options=tuple(data["options"]),
            steps=tuple(data["steps"]),
            feedback=data["feedback"],
            prompt_en=data["prompt_en"],
            steps_en=tuple(data["steps_en"]),
            feedback_en=data["feedback_en"],
        )


class TestSchema(_Strict):
    TRANSLATED = ("title", "application", "function_level", "description")
    code = _code()
    title = _text()
    title_en = english_text()
    application = _text()
    application_en = english_text()
    function_level = _text()
    function_level_en = english_text()
    description = _text()
    description_en = english_text()
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(1, 60))
    time_limit_minutes = fields.Integer(strict=True, validate=validate.Range(1, 240), load_default=None)
    pass_ratio = fields.Float(load_default=0.7, validate=validate.Range(0, 1, min_inclusive=False))
    profiles = fields.List(fields.String(validate=CODE), load_default=list)
    items = fields.List(
        fields.Nested(ItemSchema), required=True, validate=validate.Length(min=1, error="a test needs at least one item")
    )

    @post_load
    def _make(self, data, **kwargs):
        _unique(data["items"], "code", "item code", "items")
        items = data.pop("items")
        return model.DigiTest(items=tuple(items), **{**data, "profiles": tuple(data["profiles"])})
