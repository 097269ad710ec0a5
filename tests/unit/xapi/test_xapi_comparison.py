"""Statement comparison after a 409: what an LRS may change versus a real difference."""

from __future__ import annotations

import copy

import pytest

from tests.support.xapi_samples import BASE_URL, make_attempt, make_outcome
from xapi.comparison import same_statement
from xapi.statements import StatementBuilder


@pytest.fixture
def ours():
    return StatementBuilder(BASE_URL).attempt_completed(make_attempt(), make_outcome())


@pytest.fixture
def stored(ours):
    """Our statement as Learning Locker returns it."""
    theirs = copy.deepcopy(ours)
    theirs.update(stored="2026-03-02T09:31:00.000Z", version="1.0.0",
                  authority={"objectType": "Agent", "mbox": "mailto:client@example.org"})
    theirs["timestamp"] = "2026-03-02T10:30:15.250+01:00"
    del theirs["verb"]["display"]["en"]
    theirs["object"]["definition"]["name"] = {"nl": "Nieuwe titel"}
    theirs["context"]["contextActivities"]["category"] = \
        theirs["context"]["contextActivities"]["category"][0]
    del theirs["actor"]["objectType"]
    return theirs


def test_lrs_assigned_and_serialisation_differences_are_ignored(ours, stored):
    assert same_statement(ours, stored)


def test_a_different_score_is_a_difference(ours, stored):
    stored["result"]["score"]["raw"] = 8
    assert not same_statement(ours, stored)


def test_a_different_instant_is_a_difference(ours, stored):
    stored["timestamp"] = "2026-03-02T09:30:16.250Z"
    assert not same_statement(ours, stored)


def test_duration_is_compared_as_a_string(ours, stored):
    stored["result"]["duration"] = "PT450S"
    assert not same_statement(ours, stored)


def test_another_actor_is_a_difference(ours, stored):
    stored["actor"]["account"]["name"] = "sub-other"
    assert not same_statement(ours, stored)
