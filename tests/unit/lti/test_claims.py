"""LTI roles -> Digitoets tool roles."""

from __future__ import annotations

import pytest

from lti.claims import parse_role, tool_roles
from tests.support.platform import (INSTITUTION_ADMIN, INSTRUCTOR, LEARNER, SYSTEM_ADMIN,
                                    TEACHING_ASSISTANT)

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize("roles, expected", [
    ([LEARNER], {"employee"}),
    (["Learner"], {"employee"}),
    ([LIS + "institution/person#Student"], {"employee"}),
    ([INSTRUCTOR], {"course_admin"}),
    (["Instructor"], {"course_admin"}),
    ([TEACHING_ASSISTANT], {"course_admin"}),
    ([LIS + "membership#ContentDeveloper"], {"course_admin"}),
    ([LIS + "membership#Administrator"], {"course_admin"}),
    (["Administrator"], {"course_admin"}),  # a short name is a context role
    ([INSTITUTION_ADMIN], {"org_admin"}),
    ([SYSTEM_ADMIN], {"org_admin"}),
    ([INSTITUTION_ADMIN, INSTRUCTOR, SYSTEM_ADMIN], {"org_admin", "course_admin"}),
    ([LEARNER, INSTRUCTOR], {"employee", "course_admin"}),
    (["http://example.com/roles#Gardener"], {"employee"}),
    ([LIS + "membership#Mentor"], {"employee"}),
    ([], {"employee"}),
    ([INSTRUCTOR, "http://example.com/roles#Gardener"], {"course_admin"}),
    (["urn:lti:role:ims/lis/Instructor"], {"course_admin"}),
    (["urn:lti:instrole:ims/lis/Administrator"], {"org_admin"}),
])
def test_lti_roles_map_to_tool_roles(roles, expected):
    assert tool_roles(roles) == frozenset(expected)


@pytest.mark.parametrize("granted, expected", [
    ("coach, hr", {"employee", "coach", "hr"}),
    ("Coach;ACCREDITATION", {"employee", "coach", "accreditation"}),
    ("org_admin course_admin", {"employee"}),  # never grantable by a custom parameter
    ("$User.role", {"employee"}),  # an unsubstituted variable
    (["hr"], {"employee", "hr"}),
    ("", {"employee"}),
])
def test_role_parameter_grants_only_grantable_roles(granted, expected):
    assert tool_roles([LEARNER], granted) == frozenset(expected)


def test_sub_role_counts_as_its_principal_role():
    assert parse_role(TEACHING_ASSISTANT) == ("membership", "Instructor")
    assert parse_role(INSTITUTION_ADMIN) == ("institution", "Administrator")
    assert parse_role("Learner") == ("membership", "Learner")
