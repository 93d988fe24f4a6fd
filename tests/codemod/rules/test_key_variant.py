"""Table tests for the `key-variant` rule: other spellings of BROWSE_PROJECTS are reported, never rewritten."""

from __future__ import annotations

import pytest
from codemod_tables import tables

from migrate.codemod import NEEDS_REVIEW  # noqa: F401
from migrate.codemod.rules import key_variant

REWRITES: list = []

NOT_REWRITTEN = [
    pytest.param(
        "atlassian-connect.json",
        '{"conditions": [{"condition": "has_project_permission", "params": {"permission": "browse_projects"}}]}\n',
        [(1, "key-variant", NEEDS_REVIEW, "has_project_permission names the permission as 'browse_projects'")],
        id="connect-lower-case",
    ),
    pytest.param(
        "javascript",
        'const cond = { condition: "has_issue_permission", params: { permission: "browse" } };\n',
        [(1, "key-variant", NEEDS_REVIEW, "an `and` of VIEW_PROJECTS and VIEW_ISSUES")],
        id="connect-short-name-in-js",
    ),
    pytest.param(
        "python",
        'JQL = "project in projectsWhereUserHasPermission(\'Browse Projects\') ORDER BY key"\n',
        [(1, "key-variant", NEEDS_REVIEW, "JQL projectsWhereUserHasPermission")],
        id="jql-display-name",
    ),
    pytest.param("python", 'params = {"permissions": "browse_projects"}\n', [(1, "key-variant", NEEDS_REVIEW, "another spelling")], id="lower-case-parameter"),
    pytest.param("yaml", "required:\n  permission: browse\n", [(2, "key-variant", NEEDS_REVIEW, "another spelling")], id="yaml-short-name"),
    pytest.param("go", 'package p\n\nconst msg = "Ask an admin for Browse Projects."\n', [(3, "key-variant", NEEDS_REVIEW, "Text names the permission")], id="go-text"),
    pytest.param("groovy", "def q = 'permissions=browse_projects'\n", [(1, "key-variant", NEEDS_REVIEW, "another spelling")], id="groovy-lower-case"),
]

NO_CHANGE = [
    pytest.param("javascript", 'const view = "browse";\nconst browser = 1;\n', id="browse-is-a-word"),
    pytest.param("python", "def browse_projects(session):\n    return session\n", id="a-function-named-like-the-key"),
    pytest.param("python", "# permission: browse_projects\nx = 1\n", id="in-a-comment"),
]

globals().update(tables(key_variant.RULE, REWRITES, NOT_REWRITTEN, NO_CHANGE))
