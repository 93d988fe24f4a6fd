"""Table tests for the `response_read` rule: REWRITES (source -> expected), NOT_REWRITTEN (sites reported, source kept)
and NO_CHANGE (no finding at all). The shared checks (idempotence, the rule fired, messages) are in codemod_tables."""

from __future__ import annotations

import pytest

from codemod_tables import d, tables

from migrate.codemod import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN  # noqa: F401
from migrate.codemod.rules import response_read


REWRITES = [
]

# the deprecated alias BROWSE in the same request and read gives the same result
ALIAS_OF = set()

NOT_REWRITTEN = [
    pytest.param(
        "typescript",
        "export const visible = (p: any) => p.permissions.BROWSE_PROJECTS.havePermission;\n",
        [(1, "response-read", NEEDS_REVIEW, "no permission request")],
        id='read-without-request',
    ),
    pytest.param(
        "fixture.json",
        '{"permissions": {"BROWSE_PROJECTS": {"key": "BROWSE_PROJECTS", "havePermission": true}}}\n',
        [(1, "response-read", NEEDS_REVIEW, "fixture"), (1, "unrecognised", NEEDS_REVIEW, "")],
        id='response-fixture',
    ),
    pytest.param(
        "javascript",
        "function g(u) { return fetch(u).then((r) => r.json()).then((j) => j.permissions.BROWSE.havePermission); }\n",
        [(1, "response-read", NEEDS_REVIEW, "reads BROWSE from a permissions response, but there is no permission request")],
        id='alias-read-without-request',
    ),
    pytest.param(
        "javascript",
        d("""
        async function f(id) {
          const r = await post("/rest/api/3/permissions/check", {projectPermissions: [{permissions: ["BROWSE"], issues: [id]}]});
          return r.projectPermissions[0].permissions.BROWSE;
        }
        """),
        [(3, "response-read", NEEDS_REVIEW, "reads BROWSE from a permissions response, but there is no permission request")],
        id='alias-in-check-body-list-leaves-its-read',
    ),
]

NO_CHANGE = [
    pytest.param(
        "javascript",
        'const label = "BROWSE";\nconst a = { mode: "BROWSE" };\n',
        id='browse-alias-elsewhere',
    ),
]

globals().update(tables(response_read.RULE, REWRITES, NOT_REWRITTEN, NO_CHANGE, alias_of=ALIAS_OF))
