"""The scheme builder's tests, with the grants they start from."""

from __future__ import annotations

GRANTS = [
    {"holder": {"type": "group", "parameter": "jira-software-users"}, "permission": "BROWSE_PROJECTS"},
    {"holder": {"type": "projectRole", "parameter": "10002"}, "permission": "ADMINISTER_PROJECTS"},
]


def build_scheme(name, grants):
    return {"name": name, "permissions": [dict(g) for g in grants]}


def test_builder_copies_every_grant():
    scheme = build_scheme("Default", GRANTS)
    assert len(scheme["permissions"]) == 2
    assert {g["permission"] for g in scheme["permissions"]} == {g["permission"] for g in GRANTS}
