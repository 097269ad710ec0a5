"""Marshmallow schemas for the files that act on a result: resources, help rules, accreditation.

Split from ``mappings.schema`` (catalogue, profiles and tests), whose shared pieces they use.
"""

from __future__ import annotations

import re
from datetime import date, datetime

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
    counting = fields.Enum(model.Counting, by_value=True, load_default=model.Counting.THRESHOLD)
    test_minutes = fields.Integer(strict=True, load_default=None, validate=validate.Range(1, 600))

    @validates_schema
    def _test_minutes_need_tests(self, data, **kwargs):
        if data.get("test_minutes") is not None and model.ActivityKind.TEST not in data.get("activity_kinds", ()):
            raise ValidationError("test_minutes needs 'test' in activity_kinds", "test_minutes")

    @post_load
    def _make(self, data, **kwargs):
        return model.EarningRule(**{**data, "activity_kinds": tuple(data["activity_kinds"])})


class _Day(fields.Date):
    """A date written as 2026-01-01; YAML already reads that as a date, so accept one."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        return super()._deserialize(value, attr, data, **kwargs)


class ActivitySchema(_Strict):
    TRANSLATED = ("title",)
    code = _code()
    title = _text()
    title_en = english_text()
    type = fields.Enum(model.ActivityType, by_value=True, required=True)
    rule = _code()
    valid_from = _Day(required=True)
    valid_until = _Day(required=True)
    pe_course_id = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=1))
    external_course_id = fields.String(load_default=None, validate=validate.Length(1, 100))
    module_id = fields.String(load_default=None, validate=validate.Length(1, 100))
    edition_id = fields.String(load_default=None, validate=validate.Length(1, 100))
    meeting_id = fields.String(load_default=None, validate=validate.Length(1, 100))

    @validates_schema
    def _course_and_period(self, data, **kwargs):
        if (data.get("pe_course_id") is None) == (data.get("external_course_id") is None):
            raise ValidationError("give either 'pe_course_id' or 'external_course_id', not both or neither",
                                  "pe_course_id")
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            raise ValidationError("must not be before valid_from", "valid_until")
        classroom = data.get("type") is model.ActivityType.KLASSIKAAL
        if classroom and not data.get("edition_id"):
            raise ValidationError("a klassikaal activity needs the edition_id PE-online gave it", "edition_id")
        if not classroom and data.get("edition_id"):
            raise ValidationError("only a klassikaal activity has an edition_id", "edition_id")
        if not classroom and data.get("meeting_id"):
            raise ValidationError("only a klassikaal activity has a meeting_id", "meeting_id")

    @post_load
    def _make(self, data, **kwargs):
        return model.AccreditedActivity(**data)


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
    activities = fields.List(fields.Nested(ActivitySchema), load_default=list)

    @post_load
    def _make(self, data, **kwargs):
        _unique(data["rules"], "code", "rule code", "rules")
        _unique(data["activities"], "code", "activity code", "activities")
        rules = {rule.code for rule in data["rules"]}
        for index, activity in enumerate(data["activities"]):
            if activity.rule not in rules:
                raise ValidationError({"activities": {index: {"rule": [f"unknown rule '{activity.rule}' in this registry"]}}})
        _no_double_counting(data["activities"], {rule.code: rule for rule in data["rules"]})
        if data["number_label"] is None:  # the default label, in both languages
            data["number_label"], data["number_label_en"] = "Registratienummer", "Registration number"
        return model.Registry(**{**data, "rules": tuple(data["rules"]), "professions": tuple(data["professions"]),
                                 "activities": tuple(data["activities"])})


def _no_double_counting(activities, rules) -> None:
    """Two activities of one registry may not count the same kind of minutes in the same period.

    Otherwise one hour of coaching would earn points twice in one registry.
    """
    for index, activity in enumerate(activities):
        kinds = set(rules[activity.rule].activity_kinds)
        for other in activities[:index]:
            overlap = activity.valid_from <= other.valid_until and other.valid_from <= activity.valid_until
            shared = kinds & set(rules[other.rule].activity_kinds)
            if overlap and shared:
                names = ", ".join(sorted(k.value for k in shared))
                raise ValidationError({"activities": {index: {"valid_from": [
                    f"overlaps activity '{other.code}', which also counts {names}: the same minutes would earn points twice"
                ]}}})


class AccreditationSchema(_Strict):
    registries = fields.List(fields.Nested(RegistrySchema), required=True)

    @post_load
    def _make(self, data, **kwargs):
        _unique(data["registries"], "code", "registry code", "registries")
        return {"registries": tuple(data["registries"])}
