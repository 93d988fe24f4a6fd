"""Table tests for the `forge_manifest` rule: REWRITES (source -> expected), NOT_REWRITTEN (sites reported, source kept)
and NO_CHANGE (no finding at all). The shared checks (idempotence, the rule fired, messages) are in codemod_tables."""

from __future__ import annotations

import pytest

from codemod_tables import d, tables

from migrate.codemod import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN  # noqa: F401
from migrate.codemod.rules import forge_manifest


REWRITES = [
]

# the deprecated alias BROWSE in the same request and read gives the same result
ALIAS_OF = set()

NOT_REWRITTEN = [
    pytest.param(
        "manifest.yml",
        d("""
        modules:
          jira:issuePanel:
            - key: p
              displayConditions:
                jiraExpression: "user.hasPermission('BROWSE_PROJECTS')"
        """),
        [(5, "forge-manifest", NEEDS_REVIEW, "Jira expression")],
        id='forge-jira-expression',
    ),
]

NO_CHANGE = [
]

globals().update(tables(forge_manifest.RULE, REWRITES, NOT_REWRITTEN, NO_CHANGE, alias_of=ALIAS_OF))
