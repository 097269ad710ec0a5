"""Marshmallow schemas for the files that act on a result: resources, help rules, accreditation.

Split from ``mappings.schema`` (catalogue, profiles and tests), whose shared pieces they use.
"""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from mappings import model
from mappings.english import english_text
from mappings.schema import CODE, LEVEL, URL, _code, _Strict, _text, _unique


class ResourceSchema(_Strict):
    TRANSLATED = ("title", "text")
    code = _code()
    skill = _code()
    kind = fields.Enum(model.ResourceKind, by_value=True, required=True)
    title = _text()
    title_en = english_text()
    text = fields.String(load_default="")
    text_en = english_text()
    url = fields.String(validate=URL, load_default=None)
    levels = fields.List(fields.Integer(strict=True, validate=LEVEL), load_default=lambda: list(model.LEVELS))

    @validates_schema
    def _needs_body(self, data, **kwargs):
        if data.get("kind") is model.ResourceKind.TIP and not data.get("text"):
            raise ValidationError("a tip needs a text", "text")
        if data.get("kind") not in (None, model.ResourceKind.TIP) and not data.get("url"):
            raise ValidationError(f"a {data['kind'].value} needs a url", "url")

    @post_load
    def _make(self, data, **kwargs):
        return model.LearningResource(**{**data, "levels": tuple(sorted(set(data["levels"])))})


class ResourcesSchema(_Strict):
    resources = fields.List(fields.Nested(ResourceSchema), required=True)

    @post_load
    def _make(self, data, **kwargs):
        _unique(data["resources"], "code", "resource code", "resources")
        return {"resources": tuple(data["resources"])}


class HelpRuleSchema(_Strict):
    TRANSLATED = ("description",)
    code = _code()
    trigger = fields.Enum(model.HelpTrigger, by_value=True, required=True)
    description = _text()
    description_en = english_text()
    level = fields.Integer(strict=True, validate=validate.Range(0, model.MAX_LEVEL), load_default=None)
    themes = fields.List(fields.String(validate=CODE), load_default=list)
    priority = fields.String(load_default="normaal", validate=validate.OneOf(["laag", "normaal", "hoog"]))

    @validates_schema
    def _level_for_threshold(self, data, **kwargs):
        if data.get("trigger") is model.HelpTrigger.LEVEL_AT_MOST and data.get("level") is None:
            raise ValidationError("a level_at_most rule needs a level", "level")

    @post_load
    def _make(self, data, **kwargs):
        return model.HelpRule(**{**data, "themes": tuple(data["themes"])})


class HelpRulesSchema(_Strict):
    rules = fields.List(fields.Nested(HelpRuleSchema), required=True)

    @post_load
    def _make(self, data, **kwargs):
        _unique(data["rules"], "code", "rule code", "rules")
        return {"help_rules": tuple(data["rules"])}


class EarningRuleSchema(_Strict):
    code = _code()
    activity_kinds = fields.List(
        fields.Enum(model.ActivityKind, by_value=True), required=True, validate=validate.Length(min=1)
    )
    min_hours = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False))
    points = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False))
    certificate = fields.Boolean(load_default=False)
    period_months = fields.Integer(strict=True, load_default=12, validate=validate.Range(1, 120))

    @post_load
    def _make(self, data, **kwargs):
        return model.EarningRule(**{**data, "activity_kinds": tuple(data["activity_kinds"])})


def _is_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(f"is not a valid regular expression: {exc}") from exc


class RegistrySchema(_Strict):
    TRANSLATED = ("name", "number_label")
    code = _code()
    name = _text()
    name_en = english_text()
    pe_online_org_id = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=1))
    number_label = fields.String(load_default=None, validate=validate.Length(min=1))
    number_label_en = english_text()
    number_pattern = fields.String(load_default=None, validate=_is_regex)
    professions = fields.List(fields.String(validate=CODE), load_default=list)
    rules = fields.List(fields.Nested(EarningRuleSchema), required=True, validate=validate.Length(min=1))

    @post_load
    def _make(self, data, **kwargs):
        _unique(data["rules"], "code", "rule code", "rules")
        if data["number_label"] is None:  # the default label, in both languages
            data["number_label"], data["number_label_en"] = "Registratienummer", "Registration number"
        return model.Registry(**{**data, "rules": tuple(data["rules"]), "professions": tuple(data["professions"])})


class AccreditationSchema(_Strict):
    registries = fields.List(fields.Nested(RegistrySchema), required=True)

    @post_load
    def _make(self, data, **kwargs):
        _unique(data["registries"], "code", "registry code", "registries")
        return {"registries": tuple(data["registries"])}
