"""Table tests for the `grants` rule: REWRITES (source -> expected), NOT_REWRITTEN (sites reported, source kept)
and NO_CHANGE (no finding at all). The shared checks (idempotence, the rule fired, messages) are in codemod_tables."""

from __future__ import annotations

import pytest

from codemod_tables import d, tables

from migrate.codemod import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN  # noqa: F401
from migrate.codemod.rules import grants


REWRITES = [
    pytest.param(
        "javascript",
        d("""
        const grants = [
          { holder: { type: "group", parameter: "jira-users" }, permission: "BROWSE_PROJECTS" },
        ];
        """),
        d("""
        const grants = [
          { holder: { type: "group", parameter: "jira-users" }, permission: "BROWSE_PROJECTS" },
          { holder: { type: "group", parameter: "jira-users" }, permission: "VIEW_PROJECTS" },
          { holder: { type: "group", parameter: "jira-users" }, permission: "VIEW_ISSUES" },
        ];
        """),
        {"grant"},
        id='js-grant-objects',
    ),
    pytest.param(
        "python",
        d("""
        GRANTS = [
            {"holder": {"type": "projectRole", "parameter": "10002"}, "permission": "BROWSE_PROJECTS"},
        ]
        """),
        d("""
        GRANTS = [
            {"holder": {"type": "projectRole", "parameter": "10002"}, "permission": "BROWSE_PROJECTS"},
            {"holder": {"type": "projectRole", "parameter": "10002"}, "permission": "VIEW_PROJECTS"},
            {"holder": {"type": "projectRole", "parameter": "10002"}, "permission": "VIEW_ISSUES"},
        ]
        """),
        {"grant"},
        id='py-grant-dicts-in-list',
    ),
    pytest.param(
        "scheme.json",
        d("""
        {
          "permissions": [
            {"holder": {"type": "group", "parameter": "g"}, "permission": "BROWSE_PROJECTS"}
          ]
        }
        """),
        d("""
        {
          "permissions": [
            {"holder": {"type": "group", "parameter": "g"}, "permission": "BROWSE_PROJECTS"},
            {"holder": {"type": "group", "parameter": "g"}, "permission": "VIEW_PROJECTS"},
            {"holder": {"type": "group", "parameter": "g"}, "permission": "VIEW_ISSUES"}
          ]
        }
        """),
        {"grant"},
        id='json-grant-array',
    ),
    pytest.param(
        "grants.yaml",
        d("""
        grants:
          - permission: BROWSE_PROJECTS
            holder: {type: group, parameter: jira-users}
          - permission: EDIT_ISSUES
            holder: {type: group, parameter: jira-users}
        """),
        d("""
        grants:
          - permission: BROWSE_PROJECTS
            holder: {type: group, parameter: jira-users}
          - permission: VIEW_PROJECTS
            holder: {type: group, parameter: jira-users}
          - permission: VIEW_ISSUES
            holder: {type: group, parameter: jira-users}
          - permission: EDIT_ISSUES
            holder: {type: group, parameter: jira-users}
        """),
        {"grant"},
        id='yaml-grant-list',
    ),
    pytest.param(
        "grants.yaml",
        "- permission: BROWSE_PROJECTS\n  holder: g\n\n\n",
        "- permission: BROWSE_PROJECTS\n  holder: g\n- permission: VIEW_PROJECTS\n  holder: g\n"
        "- permission: VIEW_ISSUES\n  holder: g\n\n\n",
        {"grant"},
        id='yaml-grant-list-last-item-of-file',
    ),
    pytest.param(
        "main.tf",
        d("""
        resource "jira_permission_scheme_grant" "browse" {
          scheme_id  = jira_permission_scheme.main.id
          permission = "BROWSE_PROJECTS"
          type       = "group"
          parameter  = "jira-users"
        }
        """),
        d("""
        resource "jira_permission_scheme_grant" "browse" {
          scheme_id  = jira_permission_scheme.main.id
          permission = "BROWSE_PROJECTS"
          type       = "group"
          parameter  = "jira-users"
        }

        resource "jira_permission_scheme_grant" "browse_view_projects" {
          scheme_id  = jira_permission_scheme.main.id
          permission = "VIEW_PROJECTS"
          type       = "group"
          parameter  = "jira-users"
        }

        resource "jira_permission_scheme_grant" "browse_view_issues" {
          scheme_id  = jira_permission_scheme.main.id
          permission = "VIEW_ISSUES"
          type       = "group"
          parameter  = "jira-users"
        }
        """),
        {"grant"},
        id='tf-grant-resource',
    ),
    pytest.param(
        "main.tf",
        d("""
        resource "jira_permission_scheme" "s" {
          name = "S"
          grant {
            permission = "BROWSE_PROJECTS"
            group      = "jira-users"
          }
        }
        """),
        d("""
        resource "jira_permission_scheme" "s" {
          name = "S"
          grant {
            permission = "BROWSE_PROJECTS"
            group      = "jira-users"
          }
          grant {
            permission = "VIEW_PROJECTS"
            group      = "jira-users"
          }
          grant {
            permission = "VIEW_ISSUES"
            group      = "jira-users"
          }
        }
        """),
        {"grant"},
        id='tf-nested-grant-block',
    ),
    pytest.param(
        "main.tf",
        d("""
        resource "jira_group_permissions" "g" {
          permissions = ["BROWSE_PROJECTS", "CREATE_ISSUES"]
        }
        """),
        d("""
        resource "jira_group_permissions" "g" {
          permissions = ["BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES", "CREATE_ISSUES"]
        }
        """),
        {"grant"},
        id='tf-key-list-in-resource',
    ),
]

# the deprecated alias BROWSE in the same request and read gives the same result
ALIAS_OF = set()

NOT_REWRITTEN = [
    pytest.param(
        "javascript",
        'await api.createGrant(schemeId, { holder: { type: "group", parameter: g }, permission: "BROWSE_PROJECTS" });\n',
        [(1, "grant", NEEDS_REVIEW, "single grant")],
        id='single-grant-call',
    ),
    pytest.param(
        "scheme.json",
        '{"permissions": [{"id": 10000, "holder": {"type": "anyone"}, "permission": "BROWSE_PROJECTS"}]}\n',
        [(1, "grant", NEEDS_REVIEW, "server id")],
        id='exported-grant-with-id',
    ),
    pytest.param(
        "plan.json",
        '{"operations": [{"action": "remove", "permission": "BROWSE_PROJECTS", "holder": {"type": "anyone"}, "grant_id": 1}]}\n',
        [(1, "grant", NEEDS_REVIEW, "server id")],
        id='grant-operation-not-a-grant',
    ),
    pytest.param(
        "plan.yaml",
        "ops:\n  - action: add\n    permission: BROWSE_PROJECTS\n",
        [(3, "grant", NEEDS_REVIEW, "operation on a grant")],
        id='grant-operation-without-id',
    ),
    pytest.param(
        "main.tf",
        'module "grants" {\n  source     = "./grants"\n  permission = "BROWSE_PROJECTS"\n}\n',
        [(3, "grant", NEEDS_REVIEW, "`module` block")],
        id='tf-module-input',
    ),
]

NO_CHANGE = [
    pytest.param(
        "scheme.json",
        '{"permissions": [{"holder": {"type": "anyone"}, "permission": "BROWSE_PROJECTS"}, '
        '{"holder": {"type": "anyone"}, "permission": "VIEW_PROJECTS"}, {"holder": {"type": "anyone"}, "permission": "VIEW_ISSUES"}]}\n',
        id='already-migrated-grants',
    ),
    pytest.param(
        "main.tf",
        'resource "r" "b" {\n  permission = "BROWSE_PROJECTS"\n}\n\nresource "r" "b_view_projects" {\n  permission = "VIEW_PROJECTS"\n}\n\n'
        'resource "r" "b_view_issues" {\n  permission = "VIEW_ISSUES"\n}\n',
        id='already-migrated-terraform',
    ),
]

globals().update(tables(grants.RULE, REWRITES, NOT_REWRITTEN, NO_CHANGE, alias_of=ALIAS_OF))
