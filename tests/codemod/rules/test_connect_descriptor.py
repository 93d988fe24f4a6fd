"""Table tests for the `connect_descriptor` rule: REWRITES (source -> expected), NOT_REWRITTEN (sites reported, source kept)
and NO_CHANGE (no finding at all). The shared checks (idempotence, the rule fired, messages) are in codemod_tables."""

from __future__ import annotations

import pytest

from codemod_tables import d, tables

from migrate.codemod import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN  # noqa: F401
from migrate.codemod.rules import connect_descriptor


REWRITES = [
    pytest.param(
        "atlassian-connect.json",
        '{"conditions": [{"condition": "has_project_permission", "params": {"permission": "BROWSE_PROJECTS"}}]}\n',
        '{"conditions": [{"condition": "has_project_permission", "params": {"permission": "VIEW_PROJECTS"}}]}\n',
        {"connect-condition"},
        id='connect-project-condition',
    ),
    pytest.param(
        "atlassian-connect.json",
        '{"conditions": [{"condition": "has_issue_permission", "params": {"permission": "BROWSE"}}]}\n',
        '{"conditions": [{"and": [{"condition": "has_issue_permission", "params": {"permission": "VIEW_PROJECTS"}}, '
        '{"condition": "has_issue_permission", "params": {"permission": "VIEW_ISSUES"}}]}]}\n',
        {"connect-condition"},
        id='connect-issue-condition-inline',
    ),
    pytest.param(
        "atlassian-connect.json",
        d("""
        {
          "conditions": [
            {
              "condition": "has_issue_permission",
              "params": {
                "permission": "BROWSE_PROJECTS"
              }
            }
          ]
        }
        """),
        d("""
        {
          "conditions": [
            {
              "and": [
                {
                  "condition": "has_issue_permission",
                  "params": {
                    "permission": "VIEW_PROJECTS"
                  }
                },
                {
                  "condition": "has_issue_permission",
                  "params": {
                    "permission": "VIEW_ISSUES"
                  }
                }
              ]
            }
          ]
        }
        """),
        {"connect-condition"},
        id='connect-issue-condition-multiline',
    ),
]

# the deprecated alias BROWSE in the same request and read gives the same result
ALIAS_OF = set()

NOT_REWRITTEN = [
    pytest.param(
        "atlassian-connect.json",
        '{"conditions": [{"condition": "has_issue_permission", "invert": true, "params": {"permission": "BROWSE_PROJECTS"}}]}\n',
        [(1, "connect-condition", NEEDS_REVIEW, "inverted")],
        id='connect-inverted-issue-condition',
    ),
]

NO_CHANGE = [
]

globals().update(tables(connect_descriptor.RULE, REWRITES, NOT_REWRITTEN, NO_CHANGE, alias_of=ALIAS_OF))
