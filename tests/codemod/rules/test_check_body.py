"""Table tests for the `check_body` rule: REWRITES (source -> expected), NOT_REWRITTEN (sites reported, source kept)
and NO_CHANGE (no finding at all). The shared checks (idempotence, the rule fired, messages) are in codemod_tables."""

from __future__ import annotations

import pytest

from codemod_tables import d, tables

from migrate.codemod import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN  # noqa: F401
from migrate.codemod.rules import check_body


REWRITES = [
    pytest.param(
        "typescript",
        "const body = {projectPermissions: [{permissions: ['BROWSE_PROJECTS'], issues: [id]}]};\n",
        "const body = {projectPermissions: [{permissions: ['VIEW_PROJECTS', 'VIEW_ISSUES'], issues: [id]}]};\n",
        {"check-body"},
        id='ts-check-body-issues',
    ),
    pytest.param(
        "typescript",
        d("""
        const body = {
          projectPermissions: [
            {
              permissions: [
                "BROWSE_PROJECTS",
              ],
              projects: [10000],
            },
          ],
        };
        """),
        d("""
        const body = {
          projectPermissions: [
            {
              permissions: [
                "VIEW_PROJECTS",
              ],
              projects: [10000],
            },
          ],
        };
        """),
        {"check-body"},
        id='ts-check-body-projects-multiline',
    ),
    pytest.param(
        "typescript",
        d("""
        const body = {
          projectPermissions: [{
            permissions: [
              "EDIT_ISSUES",
              "BROWSE_PROJECTS",
            ],
            issues,
          }],
        };
        """),
        d("""
        const body = {
          projectPermissions: [{
            permissions: [
              "EDIT_ISSUES",
              "VIEW_PROJECTS",
              "VIEW_ISSUES",
            ],
            issues,
          }],
        };
        """),
        {"check-body"},
        id='ts-check-body-issues-multiline',
    ),
    pytest.param(
        "javascript",
        "const r = client.permissions.getMyPermissions({ permissions: 'BROWSE_PROJECTS', issueKey });\n",
        "const r = client.permissions.getMyPermissions({ permissions: 'VIEW_PROJECTS,VIEW_ISSUES', issueKey });\n",
        {"check-body"},
        id='js-sdk-params-shorthand',
    ),
    pytest.param(
        "javascript",
        "const q = new URLSearchParams({ projectKey: key, permissions: 'BROWSE_PROJECTS,ADMINISTER_PROJECTS' });\n",
        "const q = new URLSearchParams({ projectKey: key, permissions: 'VIEW_PROJECTS,ADMINISTER_PROJECTS' });\n",
        {"check-body"},
        id='js-urlsearchparams-object',
    ),
    pytest.param(
        "javascript",
        d("""
        function q(key) {
          const p = new URLSearchParams();
          p.append("issueKey", key);
          p.append("permissions", "BROWSE_PROJECTS");
          return p;
        }
        """),
        d("""
        function q(key) {
          const p = new URLSearchParams();
          p.append("issueKey", key);
          p.append("permissions", "VIEW_PROJECTS,VIEW_ISSUES");
          return p;
        }
        """),
        {"check-body"},
        id='js-params-append-setter',
    ),
    pytest.param(
        "typescript",
        "await requestJira(route`/rest/api/3/permissions/project`, { method: 'POST', body: JSON.stringify({ permissions: ['BROWSE_PROJECTS'] }) });\n",
        "await requestJira(route`/rest/api/3/permissions/project`, { method: 'POST', body: JSON.stringify({ permissions: ['VIEW_PROJECTS'] }) });\n",
        {"check-body"},
        id='ts-permitted-projects-endpoint',
    ),
    pytest.param(
        "python",
        d("""
        def f(s, key):
            data = s.get(URL, params={"projectKey": key, "permissions": "BROWSE_PROJECTS"}).json()
            return data.get("permissions", {}).get("BROWSE_PROJECTS", {}).get("havePermission", False)
        """),
        d("""
        def f(s, key):
            data = s.get(URL, params={"projectKey": key, "permissions": "VIEW_PROJECTS"}).json()
            return data.get("permissions", {}).get("VIEW_PROJECTS", {}).get("havePermission", False)
        """),
        {"check-body", "response-read"},
        id='py-params-dict-and-get-chain',
    ),
    pytest.param(
        "python",
        "perms = jira.get_permissions(permissions='BROWSE_PROJECTS', issue_key=key)\n",
        "perms = jira.get_permissions(permissions='VIEW_PROJECTS,VIEW_ISSUES', issue_key=key)\n",
        {"check-body"},
        id='py-sdk-keyword-arguments',
    ),
    pytest.param(
        "python",
        'body = {"projectPermissions": [{"permissions": ["BROWSE_PROJECTS"], "projects": [1], "issues": [2]}]}\n',
        'body = {"projectPermissions": [{"permissions": ["VIEW_PROJECTS", "VIEW_ISSUES"], "projects": [1], "issues": [2]}]}\n',
        {"check-body"},
        id='py-check-body-projects-and-issues',
    ),
    pytest.param(
        "java",
        'class C { Object b = Map.of("permissions", List.of("BROWSE_PROJECTS"), "projects", List.of(10000L)); }\n',
        'class C { Object b = Map.of("permissions", List.of("VIEW_PROJECTS"), "projects", List.of(10000L)); }\n',
        {"check-body"},
        id='java-map-of-check-body',
    ),
    pytest.param(
        "kotlin",
        'val body = mapOf("projectPermissions" to listOf(mapOf("permissions" to listOf("BROWSE_PROJECTS"), "issues" to ids)))\n',
        'val body = mapOf("projectPermissions" to listOf(mapOf("permissions" to listOf("VIEW_PROJECTS", "VIEW_ISSUES"), "issues" to ids)))\n',
        {"check-body"},
        id='kotlin-mapof-check-body',
    ),
    pytest.param(
        "go",
        d("""
        package p

        func f(c *Client, key string) bool {
        \tq := url.Values{}
        \tq.Set("issueKey", key)
        \tq.Set("permissions", "BROWSE_PROJECTS")
        \tvar resp Response
        \tc.Get("/rest/api/3/mypermissions?"+q.Encode(), &resp)
        \treturn resp.Permissions["BROWSE_PROJECTS"].HavePermission
        }
        """),
        d("""
        package p

        func f(c *Client, key string) bool {
        \tq := url.Values{}
        \tq.Set("issueKey", key)
        \tq.Set("permissions", "VIEW_PROJECTS,VIEW_ISSUES")
        \tvar resp Response
        \tc.Get("/rest/api/3/mypermissions?"+q.Encode(), &resp)
        \treturn (resp.Permissions["VIEW_PROJECTS"].HavePermission && resp.Permissions["VIEW_ISSUES"].HavePermission)
        }
        """),
        {"check-body", "response-read"},
        id='go-setter-and-map-read',
    ),
    pytest.param(
        "go",
        'package p\n\nvar b = CheckReq{Permissions: []string{"BROWSE_PROJECTS"}, Projects: ids}\n',
        'package p\n\nvar b = CheckReq{Permissions: []string{"VIEW_PROJECTS"}, Projects: ids}\n',
        {"check-body"},
        id='go-struct-check-body',
    ),
    pytest.param(
        "php",
        "<?php\n$body = ['projectPermissions' => [['permissions' => ['BROWSE_PROJECTS'], 'issues' => [$id]]]];\n",
        "<?php\n$body = ['projectPermissions' => [['permissions' => ['VIEW_PROJECTS', 'VIEW_ISSUES'], 'issues' => [$id]]]];\n",
        {"check-body"},
        id='php-check-body',
    ),
    pytest.param(
        "groovy",
        d("""
        def result = get("/rest/api/3/mypermissions")
                .queryString("issueKey", issue.key)
                .queryString("permissions", "BROWSE_PROJECTS")
                .asObject(Map)
        if (result.body.permissions.BROWSE_PROJECTS.havePermission) {
            logger.info("ok")
        }
        """),
        d("""
        def result = get("/rest/api/3/mypermissions")
                .queryString("issueKey", issue.key)
                .queryString("permissions", "VIEW_PROJECTS,VIEW_ISSUES")
                .asObject(Map)
        if (result.body.permissions.VIEW_PROJECTS.havePermission && result.body.permissions.VIEW_ISSUES.havePermission) {
            logger.info("ok")
        }
        """),
        {"check-body", "response-read"},
        id='groovy-scriptrunner-cloud',
    ),
    pytest.param(
        "groovy",
        "def body = [projectPermissions: [[permissions: ['BROWSE_PROJECTS'], issues: [10001]]]]\n",
        "def body = [projectPermissions: [[permissions: ['VIEW_PROJECTS', 'VIEW_ISSUES'], issues: [10001]]]]\n",
        {"check-body"},
        id='groovy-map-check-body',
    ),
    pytest.param(
        "request.json",
        '{"projectPermissions": [{"permissions": ["BROWSE_PROJECTS"], "issues": [10001]}]}\n',
        '{"projectPermissions": [{"permissions": ["VIEW_PROJECTS", "VIEW_ISSUES"], "issues": [10001]}]}\n',
        {"check-body"},
        id='json-check-body-fixture',
    ),
    pytest.param(
        "java",
        d('''
        class C {
          String body = """
            {"projectPermissions": [{"permissions": ["BROWSE_PROJECTS"], "issues": [10001]}]}
            """;
        }
        '''),
        d('''
        class C {
          String body = """
            {"projectPermissions": [{"permissions": ["VIEW_PROJECTS", "VIEW_ISSUES"], "issues": [10001]}]}
            """;
        }
        '''),
        {"check-body"},
        id='java-text-block-json',
    ),
    pytest.param(
        "typescript",
        "const body = `{\"projectPermissions\": [{\"permissions\": [\"BROWSE_PROJECTS\"], \"projects\": [${pid}]}]}`;\n",
        "const body = `{\"projectPermissions\": [{\"permissions\": [\"VIEW_PROJECTS\"], \"projects\": [${pid}]}]}`;\n",
        {"check-body"},
        id='ts-template-json-with-substitution',
    ),
]

# the deprecated alias BROWSE in the same request and read gives the same result
ALIAS_OF = {'js-params-append-setter', 'py-params-dict-and-get-chain', 'js-sdk-params-shorthand', 'groovy-scriptrunner-cloud', 'js-urlsearchparams-object', 'go-setter-and-map-read', 'py-sdk-keyword-arguments'}

NOT_REWRITTEN = [
    pytest.param(
        "javascript",
        "const body = { projectPermissions: [{ ...target, permissions: ['BROWSE_PROJECTS'] }] };\n",
        [(1, "check-body", NEEDS_REVIEW, "spread")],
        id='check-body-from-spread',
    ),
    pytest.param(
        "python",
        'body = {"projectPermissions": [{"permissions": ["BROWSE_PROJECTS"]}]}\n',
        [(1, "check-body", NEEDS_REVIEW, "not known statically")],
        id='check-body-without-target',
    ),
    pytest.param(
        "javascript",
        d("""
        const body = { projectPermissions: [{ permissions: ["BROWSE_PROJECTS"], projects: [1] }] };
        const hit = result.projectPermissions.find((p) => p.permission === "BROWSE_PROJECTS");
        """),
        [(1, "check-body", REWRITTEN, "project context"), (2, "grant-filter", NEEDS_REVIEW, "check bodies")],
        id='filter-in-file-with-check-bodies',
    ),
    pytest.param(
        "python",
        'params = {"permissions": "BROWSE"}\n',
        [(1, "check-body", NEEDS_REVIEW, "permissions parameter names BROWSE but its context is not known statically")],
        id='alias-parameter-without-context',
    ),
]

NO_CHANGE = [
]

globals().update(tables(check_body.RULE, REWRITES, NOT_REWRITTEN, NO_CHANGE, alias_of=ALIAS_OF))
