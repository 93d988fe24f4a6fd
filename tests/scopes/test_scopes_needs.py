"""Scope semantics: Connect's cumulative, case-insensitive scopes; OAuth classic-or-granular alternatives."""

from __future__ import annotations

import pytest

from migrate.scopes.needs import ForgeNeed, connect_grants, connect_satisfied, level

GRANTS = [
    pytest.param([], {"NONE"}, id="nothing-declared-still-none"),
    pytest.param(["READ"], {"NONE", "READ"}, id="read"),
    pytest.param(["write"], {"NONE", "READ", "WRITE"}, id="lower-case-write-implies-read"),
    pytest.param(["ADMIN"], {"NONE", "READ", "WRITE", "DELETE", "PROJECT_ADMIN", "ADMIN"}, id="admin-implies-all-cumulative"),
    pytest.param(["PROJECT_ADMIN"], {"NONE", "READ", "WRITE", "DELETE", "PROJECT_ADMIN"}, id="project-admin"),
    pytest.param(["ADMIN", "act_as_user"], {"NONE", "READ", "WRITE", "DELETE", "PROJECT_ADMIN", "ADMIN", "ACT_AS_USER"}, id="standalone-added"),
    pytest.param(["ACCESS_EMAIL_ADDRESSES"], {"NONE", "ACCESS_EMAIL_ADDRESSES"}, id="standalone-implies-nothing"),
    pytest.param(["Wirte", "INACCESSIBLE"], {"NONE"}, id="unknown-names-grant-nothing"),
]


@pytest.mark.parametrize("declared, expected", GRANTS)
def test_connect_grants(declared, expected):
    assert connect_grants(declared) == expected


@pytest.mark.parametrize(
    "required, declared, ok",
    [
        ("READ", ["WRITE"], True),
        ("DELETE", ["WRITE"], False),
        ("ACT_AS_USER", ["ADMIN"], False),  # standalone: ADMIN does not imply it
        ("ACCESS_EMAIL_ADDRESSES", ["access_email_addresses"], True),
        ("NONE", [], True),
        ("INACCESSIBLE", ["ADMIN", "ACT_AS_USER"], False),
    ],
)
def test_connect_satisfied(required, declared, ok):
    assert connect_satisfied(required, declared) is ok


def test_levels():
    assert [level(s) for s in ("none", "READ", "write", "DELETE", "PROJECT_ADMIN", "ADMIN", "ACT_AS_USER")] == [0, 1, 2, 3, 4, 5, None]


ISSUE = ForgeNeed(frozenset({"read:jira-work"}), frozenset({"read:issue:jira", "read:user:jira"}))
GRANULAR_ONLY = ForgeNeed(frozenset(), frozenset({"read:email-address:jira"}))


@pytest.mark.parametrize(
    "need, declared, ok",
    [
        (ISSUE, {"read:jira-work"}, True),
        (ISSUE, {"read:issue:jira", "read:user:jira"}, True),
        (ISSUE, {"read:issue:jira"}, False),  # half the granular alternative is no alternative
        (ISSUE, {"read:issue:jira", "read:jira-user"}, False),
        (GRANULAR_ONLY, {"read:jira-user"}, False),  # an empty classic entry is not an alternative
        (GRANULAR_ONLY, {"read:email-address:jira"}, True),
        (ForgeNeed(frozenset(), frozenset()), {"read:jira-work"}, False),
    ],
)
def test_forge_need_satisfied(need, declared, ok):
    assert need.satisfied(frozenset(declared)) is ok


def test_forge_need_completes_the_manifests_own_style():
    assert ISSUE.to_add(frozenset(), granular_style=False) == {"read:jira-work"}
    assert ISSUE.to_add(frozenset(), granular_style=True) == {"read:issue:jira", "read:user:jira"}
    assert GRANULAR_ONLY.to_add(frozenset(), granular_style=False) == {"read:email-address:jira"}
