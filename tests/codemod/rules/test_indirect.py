"""Table tests for the `indirect` rule: REWRITES (source -> expected), NOT_REWRITTEN (sites reported, source kept)
and NO_CHANGE (no finding at all). The shared checks (idempotence, the rule fired, messages) are in codemod_tables."""

from __future__ import annotations

import pytest

from codemod_tables import d, tables

from migrate.codemod import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN  # noqa: F401
from migrate.codemod.rules import indirect


REWRITES = [
]

# the deprecated alias BROWSE in the same request and read gives the same result
ALIAS_OF = set()

NOT_REWRITTEN = [
    pytest.param(
        "typescript",
        'export const BROWSE = "BROWSE_PROJECTS";\n',
        [(1, "indirect", NEEDS_REVIEW, "held in `BROWSE`")],
        id='constant',
    ),
    pytest.param(
        "typescript",
        'enum Perm { Browse = "BROWSE_PROJECTS", Edit = "EDIT_ISSUES" }\n',
        [(1, "indirect", NEEDS_REVIEW, "held in `Browse`")],
        id='ts-enum',
    ),
    pytest.param(
        "typescript",
        'type Key = "BROWSE_PROJECTS" | "EDIT_ISSUES";\n',
        [(1, "indirect", NEEDS_REVIEW, "type lists")],
        id='ts-union-type',
    ),
    pytest.param(
        "java",
        'class C { static final String P = "BROWSE_PROJECTS"; }\n',
        [(1, "indirect", NEEDS_REVIEW, "held in `P`")],
        id='java-constant',
    ),
    pytest.param(
        "go",
        'package p\n\nconst perm = "BROWSE_PROJECTS"\n',
        [(3, "indirect", NEEDS_REVIEW, "held in `perm`")],
        id='go-const',
    ),
    pytest.param(
        "python",
        'class P(Enum):\n    BROWSE_PROJECTS = "BROWSE_PROJECTS"\n',
        [(2, "indirect", NEEDS_REVIEW, "")],
        id='python-enum-member',
    ),
    pytest.param(
        "javascript",
        "const url = `/x?issueKey=${k}&permissions=${Perm.BROWSE_PROJECTS}`;\n",
        [(1, "indirect", NEEDS_REVIEW, "through a constant or enum")],
        id='enum-member-use',
    ),
]

NO_CHANGE = [
]

globals().update(tables(indirect.RULE, REWRITES, NOT_REWRITTEN, NO_CHANGE, alias_of=ALIAS_OF))
