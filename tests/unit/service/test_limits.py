"""Limits come from the columns: the LTI package cuts claims to the sizes the service stores."""

from __future__ import annotations

import pytest

from lti import checks, claims
from service import models as m
from service.errors import InvalidInputError
from service.limits import column_length, json_depth, problems, refuse


def test_claim_limits_are_the_column_sizes():
    # lti/ cannot import the service; this keeps its limits equal to the columns they fill
    assert claims.MAX_NAME == column_length(m.Person.name)
    assert claims.MAX_EMAIL == column_length(m.Person.email)
    assert claims.MAX_TITLE == column_length(m.LtiContext.title)
    assert claims.MAX_URL == column_length(m.LtiContext.lineitems_url) == column_length(m.LtiResourceLink.lineitem_url)
    assert checks.MAX_ID_LENGTH == column_length(m.LtiContext.context_id) == column_length(m.Person.subject)


def test_a_text_column_has_no_length_to_read():
    with pytest.raises(TypeError):
        column_length(m.FunctionAssignment.reason)


def test_problems_name_what_a_row_cannot_store():
    org = m.Organisation(slug="s" * 65, name="a\x00b", retention_months=2**31)
    found = problems(org)
    assert found["slug"] == ["longer than 64 characters"]
    assert found["name"] == ["contains a NUL character"]
    assert found["retention_months"] == ["out of range"]
    assert problems(m.Organisation(slug="zorg-a", name="Zorg A", retention_months=12)) == {}


def test_json_depth_counts_without_recursion():
    deep = "x"
    for _ in range(100_000):
        deep = [deep]
    assert json_depth(deep) == 100_000
    assert json_depth({"a": [1, {"b": 2}]}) == 3


def test_a_row_written_past_the_unit_of_work_is_refused_as_a_flush_would_refuse_it():
    # the autosave's upsert checks its row with refuse() first, as before_flush checks every row
    deep = "x"
    for _ in range(40):
        deep = [deep]
    with pytest.raises(InvalidInputError) as refused:
        refuse([m.Response(attempt_id=1, item_id=2, answer={"value": "a\x00"}, score=1.0),
                m.Response(attempt_id=1, item_id=3, answer={"value": deep}, score=0.0)])
    assert refused.value.errors == {"Response.answer": ["contains a NUL character or nests too deeply"] * 2}
    refuse([m.Response(attempt_id=1, item_id=2, answer={"value": ["a", "b"]}, score=0.5)])  # storable: no error
