"""Table tests: (language, source) -> expected source, per language and pattern family.

Every case is also run a second time on its own output: nothing changes and nothing is rewritten again.
"""

from __future__ import annotations

import textwrap

import pytest

from migrate.codemod import REWRITTEN, rewrite


def d(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


# (id, language or file name, source, expected, expected rules of the rewritten sites)
CASES = [
    # ------------------------------------------------------------------ JavaScript / TypeScript
    (
        "ts-forge-route-issue",
        "typescript",
        d("""
        export async function f(issueKey: string) {
          const res = await api.asUser().requestJira(route`/rest/api/3/mypermissions?issueKey=${issueKey}&permissions=BROWSE_PROJECTS`);
          const perms = await res.json();
          return perms.permissions.BROWSE_PROJECTS.havePermission;
        }
        """),
        d("""
        export async function f(issueKey: string) {
          const res = await api.asUser().requestJira(route`/rest/api/3/mypermissions?issueKey=${issueKey}&permissions=VIEW_PROJECTS,VIEW_ISSUES`);
          const perms = await res.json();
          return (perms.permissions.VIEW_PROJECTS.havePermission && perms.permissions.VIEW_ISSUES.havePermission);
        }
        """),
        {"url-query", "response-read"},
    ),
    (
        "js-concat-project-encoded-list",
        "javascript",
        d("""
        function f(k) {
          const u = "/rest/api/3/mypermissions?projectKey=" + k + "&permissions=" + 'EDIT_ISSUES%2CBROWSE_PROJECTS';
          return get(u).then((p) => p["permissions"]["BROWSE_PROJECTS"]?.havePermission);
        }
        """),
        d("""
        function f(k) {
          const u = "/rest/api/3/mypermissions?projectKey=" + k + "&permissions=" + 'EDIT_ISSUES%2CVIEW_PROJECTS';
          return get(u).then((p) => p["permissions"]["VIEW_PROJECTS"]?.havePermission);
        }
        """),
        {"url-query", "response-read"},
    ),
    (
        "js-encoded-list-issue-keeps-encoding",
        "javascript",
        'fetch(`/rest/api/3/mypermissions?issueId=${id}&permissions=BROWSE_PROJECTS%2cEDIT_ISSUES`);\n',
        'fetch(`/rest/api/3/mypermissions?issueId=${id}&permissions=VIEW_PROJECTS%2cVIEW_ISSUES%2cEDIT_ISSUES`);\n',
        {"url-query"},
    ),
    (
        "js-if-condition-no-double-parens",
        "javascript",
        d("""
        async function f(key) {
          const r = await (await fetch(`/rest/api/3/mypermissions?issueKey=${key}&permissions=BROWSE_PROJECTS`)).json();
          if (r.permissions.BROWSE_PROJECTS.havePermission) show();
        }
        """),
        d("""
        async function f(key) {
          const r = await (await fetch(`/rest/api/3/mypermissions?issueKey=${key}&permissions=VIEW_PROJECTS,VIEW_ISSUES`)).json();
          if (r.permissions.VIEW_PROJECTS.havePermission && r.permissions.VIEW_ISSUES.havePermission) show();
        }
        """),
        {"url-query", "response-read"},
    ),
    (
        "ts-check-body-issues",
        "typescript",
        "const body = {projectPermissions: [{permissions: ['BROWSE_PROJECTS'], issues: [id]}]};\n",
        "const body = {projectPermissions: [{permissions: ['VIEW_PROJECTS', 'VIEW_ISSUES'], issues: [id]}]};\n",
        {"check-body"},
    ),
    (
        "ts-check-body-projects-multiline",
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
    ),
    (
        "ts-check-body-issues-multiline",
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
    ),
    (
        "js-sdk-params-shorthand",
        "javascript",
        "const r = client.permissions.getMyPermissions({ permissions: 'BROWSE_PROJECTS', issueKey });\n",
        "const r = client.permissions.getMyPermissions({ permissions: 'VIEW_PROJECTS,VIEW_ISSUES', issueKey });\n",
        {"check-body"},
    ),
    (
        "js-urlsearchparams-object",
        "javascript",
        "const q = new URLSearchParams({ projectKey: key, permissions: 'BROWSE_PROJECTS,ADMINISTER_PROJECTS' });\n",
        "const q = new URLSearchParams({ projectKey: key, permissions: 'VIEW_PROJECTS,ADMINISTER_PROJECTS' });\n",
        {"check-body"},
    ),
    (
        "js-params-append-setter",
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
    ),
    (
        "ts-permitted-projects-endpoint",
        "typescript",
        "await requestJira(route`/rest/api/3/permissions/project`, { method: 'POST', body: JSON.stringify({ permissions: ['BROWSE_PROJECTS'] }) });\n",
        "await requestJira(route`/rest/api/3/permissions/project`, { method: 'POST', body: JSON.stringify({ permissions: ['VIEW_PROJECTS'] }) });\n",
        {"check-body"},
    ),
    (
        "js-grant-filter",
        "javascript",
        "const browse = scheme.permissions.filter((g) => g.permission === 'BROWSE_PROJECTS');\n",
        "const browse = scheme.permissions.filter((g) => ['BROWSE_PROJECTS', 'VIEW_PROJECTS', 'VIEW_ISSUES'].includes(g.permission));\n",
        {"grant-filter"},
    ),
    (
        "js-grant-filter-negated",
        "javascript",
        "const rest = grants.filter((g) => g.permission !== \"BROWSE_PROJECTS\");\n",
        "const rest = grants.filter((g) => ![\"BROWSE_PROJECTS\", \"VIEW_PROJECTS\", \"VIEW_ISSUES\"].includes(g.permission));\n",
        {"grant-filter"},
    ),
    (
        "js-grant-objects",
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
    ),
    # ------------------------------------------------------------------ Python
    (
        "py-fstring-and-subscript-read",
        "python",
        d("""
        def f(jira, k):
            data = jira.get(f"/rest/api/3/mypermissions?issueKey={k}&permissions=BROWSE_PROJECTS").json()
            return data["permissions"]["BROWSE_PROJECTS"]["havePermission"]
        """),
        d("""
        def f(jira, k):
            data = jira.get(f"/rest/api/3/mypermissions?issueKey={k}&permissions=VIEW_PROJECTS,VIEW_ISSUES").json()
            return (data["permissions"]["VIEW_PROJECTS"]["havePermission"] and data["permissions"]["VIEW_ISSUES"]["havePermission"])
        """),
        {"url-query", "response-read"},
    ),
    (
        "py-params-dict-and-get-chain",
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
    ),
    (
        "py-implicit-concatenation-split-literals",
        "python",
        'url = ("/rest/api/3/mypermissions?issueKey=" + key + "&permissions="\n       "BROWSE_PROJECTS")\n',
        'url = ("/rest/api/3/mypermissions?issueKey=" + key + "&permissions="\n       "VIEW_PROJECTS,VIEW_ISSUES")\n',
        {"url-query"},
    ),
    (
        "py-sdk-keyword-arguments",
        "python",
        "perms = jira.get_permissions(permissions='BROWSE_PROJECTS', issue_key=key)\n",
        "perms = jira.get_permissions(permissions='VIEW_PROJECTS,VIEW_ISSUES', issue_key=key)\n",
        {"check-body"},
    ),
    (
        "py-check-body-projects-and-issues",
        "python",
        'body = {"projectPermissions": [{"permissions": ["BROWSE_PROJECTS"], "projects": [1], "issues": [2]}]}\n',
        'body = {"projectPermissions": [{"permissions": ["VIEW_PROJECTS", "VIEW_ISSUES"], "projects": [1], "issues": [2]}]}\n',
        {"check-body"},
    ),
    (
        "py-grant-filter",
        "python",
        'browse = [g for g in grants if g["permission"] == "BROWSE_PROJECTS"]\n',
        'browse = [g for g in grants if g["permission"] in ("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES")]\n',
        {"grant-filter"},
    ),
    (
        "py-grant-filter-negated-single-quotes",
        "python",
        "rest = [g for g in grants if g.permission != 'BROWSE_PROJECTS']\n",
        "rest = [g for g in grants if g.permission not in ('BROWSE_PROJECTS', 'VIEW_PROJECTS', 'VIEW_ISSUES')]\n",
        {"grant-filter"},
    ),
    (
        "py-grant-dicts-in-list",
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
    ),
    # ------------------------------------------------------------------ Java
    (
        "java-concat-and-jsonobject-read",
        "java",
        d("""
        class C {
          boolean f(String key) {
            JSONObject json = http.get("/rest/api/3/mypermissions?issueKey=" + key + "&permissions=BROWSE_PROJECTS");
            return json.getJSONObject("permissions").getJSONObject("BROWSE_PROJECTS").getBoolean("havePermission");
          }
        }
        """),
        d("""
        class C {
          boolean f(String key) {
            JSONObject json = http.get("/rest/api/3/mypermissions?issueKey=" + key + "&permissions=VIEW_PROJECTS,VIEW_ISSUES");
            return (json.getJSONObject("permissions").getJSONObject("VIEW_PROJECTS").getBoolean("havePermission") && json.getJSONObject("permissions").getJSONObject("VIEW_ISSUES").getBoolean("havePermission"));
          }
        }
        """),
        {"url-query", "response-read"},
    ),
    (
        "java-map-of-check-body",
        "java",
        'class C { Object b = Map.of("permissions", List.of("BROWSE_PROJECTS"), "projects", List.of(10000L)); }\n',
        'class C { Object b = Map.of("permissions", List.of("VIEW_PROJECTS"), "projects", List.of(10000L)); }\n',
        {"check-body"},
    ),
    (
        "java-equals-filter",
        "java",
        'class C { boolean b(Grant g) { return "BROWSE_PROJECTS".equals(g.getPermission()); } }\n',
        'class C { boolean b(Grant g) { return java.util.Arrays.asList("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES").contains(g.getPermission()); } }\n',
        {"grant-filter"},
    ),
    (
        "java-getter-read-project",
        "java",
        d("""
        class C {
          boolean f(String key) {
            Permissions p = client.get("/rest/api/3/mypermissions?projectId=" + id + "&permissions=BROWSE_PROJECTS", Permissions.class);
            return p.getPermissions().get("BROWSE_PROJECTS").getHavePermission();
          }
        }
        """),
        d("""
        class C {
          boolean f(String key) {
            Permissions p = client.get("/rest/api/3/mypermissions?projectId=" + id + "&permissions=VIEW_PROJECTS", Permissions.class);
            return p.getPermissions().get("VIEW_PROJECTS").getHavePermission();
          }
        }
        """),
        {"url-query", "response-read"},
    ),
    # ------------------------------------------------------------------ Kotlin
    (
        "kotlin-template-and-index-read",
        "kotlin",
        d("""
        fun f(key: String): Boolean {
            val perms = http.get("/rest/api/3/mypermissions?issueKey=$key&permissions=BROWSE_PROJECTS")
            return perms.permissions["BROWSE_PROJECTS"]!!.havePermission
        }
        """),
        d("""
        fun f(key: String): Boolean {
            val perms = http.get("/rest/api/3/mypermissions?issueKey=$key&permissions=VIEW_PROJECTS,VIEW_ISSUES")
            return (perms.permissions["VIEW_PROJECTS"]!!.havePermission && perms.permissions["VIEW_ISSUES"]!!.havePermission)
        }
        """),
        {"url-query", "response-read"},
    ),
    (
        "kotlin-mapof-check-body",
        "kotlin",
        'val body = mapOf("projectPermissions" to listOf(mapOf("permissions" to listOf("BROWSE_PROJECTS"), "issues" to ids)))\n',
        'val body = mapOf("projectPermissions" to listOf(mapOf("permissions" to listOf("VIEW_PROJECTS", "VIEW_ISSUES"), "issues" to ids)))\n',
        {"check-body"},
    ),
    (
        "kotlin-filter",
        "kotlin",
        'val browse = grants.filter { it.permission == "BROWSE_PROJECTS" }\n',
        'val browse = grants.filter { it.permission in setOf("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES") }\n',
        {"grant-filter"},
    ),
    # ------------------------------------------------------------------ Go
    (
        "go-setter-and-map-read",
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
    ),
    (
        "go-struct-check-body",
        "go",
        'package p\n\nvar b = CheckReq{Permissions: []string{"BROWSE_PROJECTS"}, Projects: ids}\n',
        'package p\n\nvar b = CheckReq{Permissions: []string{"VIEW_PROJECTS"}, Projects: ids}\n',
        {"check-body"},
    ),
    (
        "go-filter",
        "go",
        'package p\n\nfunc b(g Grant) bool { return g.Permission == "BROWSE_PROJECTS" }\n',
        'package p\n\nfunc b(g Grant) bool { return (g.Permission == "BROWSE_PROJECTS" || g.Permission == "VIEW_PROJECTS" || g.Permission == "VIEW_ISSUES") }\n',
        {"grant-filter"},
    ),
    # ------------------------------------------------------------------ PHP
    (
        "php-concat-and-array-read",
        "php",
        d("""
        <?php
        function f($c, $k) {
            $r = $c->get('/rest/api/3/mypermissions?projectKey=' . urlencode($k) . '&permissions=BROWSE_PROJECTS');
            return $r['permissions']['BROWSE_PROJECTS']['havePermission'];
        }
        """),
        d("""
        <?php
        function f($c, $k) {
            $r = $c->get('/rest/api/3/mypermissions?projectKey=' . urlencode($k) . '&permissions=VIEW_PROJECTS');
            return $r['permissions']['VIEW_PROJECTS']['havePermission'];
        }
        """),
        {"url-query", "response-read"},
    ),
    (
        "php-object-read-issue",
        "php",
        d("""
        <?php
        function f($c, $k) {
            $r = $c->get("/rest/api/3/mypermissions?issueKey={$k}&permissions=BROWSE_PROJECTS");
            return $r->permissions->BROWSE_PROJECTS->havePermission;
        }
        """),
        d("""
        <?php
        function f($c, $k) {
            $r = $c->get("/rest/api/3/mypermissions?issueKey={$k}&permissions=VIEW_PROJECTS,VIEW_ISSUES");
            return ($r->permissions->VIEW_PROJECTS->havePermission && $r->permissions->VIEW_ISSUES->havePermission);
        }
        """),
        {"url-query", "response-read"},
    ),
    (
        "php-check-body-and-filter",
        "php",
        "<?php\n$ok = $g['permission'] === 'BROWSE_PROJECTS';\n",
        "<?php\n$ok = in_array($g['permission'], ['BROWSE_PROJECTS', 'VIEW_PROJECTS', 'VIEW_ISSUES'], true);\n",
        {"grant-filter"},
    ),
    (
        "php-check-body",
        "php",
        "<?php\n$body = ['projectPermissions' => [['permissions' => ['BROWSE_PROJECTS'], 'issues' => [$id]]]];\n",
        "<?php\n$body = ['projectPermissions' => [['permissions' => ['VIEW_PROJECTS', 'VIEW_ISSUES'], 'issues' => [$id]]]];\n",
        {"check-body"},
    ),
    # ------------------------------------------------------------------ Groovy
    (
        "groovy-scriptrunner-cloud",
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
    ),
    (
        "groovy-gstring-url-and-subscript-read",
        "groovy",
        d("""
        def r = get("/rest/api/3/mypermissions?projectKey=${key}&permissions=BROWSE_PROJECTS").asObject(Map)
        def ok = r.body.permissions['BROWSE_PROJECTS'].havePermission
        """),
        d("""
        def r = get("/rest/api/3/mypermissions?projectKey=${key}&permissions=VIEW_PROJECTS").asObject(Map)
        def ok = r.body.permissions['VIEW_PROJECTS'].havePermission
        """),
        {"url-query", "response-read"},
    ),
    (
        "groovy-map-check-body",
        "groovy",
        "def body = [projectPermissions: [[permissions: ['BROWSE_PROJECTS'], issues: [10001]]]]\n",
        "def body = [projectPermissions: [[permissions: ['VIEW_PROJECTS', 'VIEW_ISSUES'], issues: [10001]]]]\n",
        {"check-body"},
    ),
    (
        "groovy-filter",
        "groovy",
        "def browse = scheme.permissions.findAll { it.permission == 'BROWSE_PROJECTS' }\n",
        "def browse = scheme.permissions.findAll { it.permission in ['BROWSE_PROJECTS', 'VIEW_PROJECTS', 'VIEW_ISSUES'] }\n",
        {"grant-filter"},
    ),
    # ------------------------------------------------------------------ JSON: Connect descriptor, grants
    (
        "connect-project-condition",
        "atlassian-connect.json",
        '{"conditions": [{"condition": "has_project_permission", "params": {"permission": "BROWSE_PROJECTS"}}]}\n',
        '{"conditions": [{"condition": "has_project_permission", "params": {"permission": "VIEW_PROJECTS"}}]}\n',
        {"connect-condition"},
    ),
    (
        "connect-issue-condition-inline",
        "atlassian-connect.json",
        '{"conditions": [{"condition": "has_issue_permission", "params": {"permission": "BROWSE"}}]}\n',
        '{"conditions": [{"and": [{"condition": "has_issue_permission", "params": {"permission": "VIEW_PROJECTS"}}, '
        '{"condition": "has_issue_permission", "params": {"permission": "VIEW_ISSUES"}}]}]}\n',
        {"connect-condition"},
    ),
    (
        "connect-issue-condition-multiline",
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
    ),
    (
        "json-grant-array",
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
    ),
    (
        "json-check-body-fixture",
        "request.json",
        '{"projectPermissions": [{"permissions": ["BROWSE_PROJECTS"], "issues": [10001]}]}\n',
        '{"projectPermissions": [{"permissions": ["VIEW_PROJECTS", "VIEW_ISSUES"], "issues": [10001]}]}\n',
        {"check-body"},
    ),
    # ------------------------------------------------------------------ YAML
    (
        "yaml-grant-list",
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
    ),
    (
        "yaml-grant-list-last-item-of-file",  # the item's span includes the file's trailing line breaks
        "grants.yaml",
        "- permission: BROWSE_PROJECTS\n  holder: g\n\n\n",
        "- permission: BROWSE_PROJECTS\n  holder: g\n- permission: VIEW_PROJECTS\n  holder: g\n"
        "- permission: VIEW_ISSUES\n  holder: g\n\n\n",
        {"grant"},
    ),
    # ------------------------------------------------------------------ Terraform
    (
        "tf-grant-resource",
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
    ),
    (
        "tf-nested-grant-block",
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
    ),
    (
        "tf-key-list-in-resource",
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
    ),
    (
        "tf-filter",
        "main.tf",
        'locals {\n  browse = [for g in var.grants : g if g.permission == "BROWSE_PROJECTS"]\n}\n',
        'locals {\n  browse = [for g in var.grants : g if contains(["BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES"], g.permission)]\n}\n',
        {"grant-filter"},
    ),
    # ------------------------------------------------------------------ JSON embedded in a literal
    (
        "java-text-block-json",
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
    ),
    (
        "ts-template-json-with-substitution",
        "typescript",
        "const body = `{\"projectPermissions\": [{\"permissions\": [\"BROWSE_PROJECTS\"], \"projects\": [${pid}]}]}`;\n",
        "const body = `{\"projectPermissions\": [{\"permissions\": [\"VIEW_PROJECTS\"], \"projects\": [${pid}]}]}`;\n",
        {"check-body"},
    ),
]


# The deprecated alias BROWSE in a request (URL, parameter mapping, setter) and in its read: a request for
# BROWSE is answered under BROWSE, so the read must change with it, or the app would look up a key the
# response no longer has. Each of these cases, with BROWSE for BROWSE_PROJECTS, has the same result.
ALIAS_OF = {
    "ts-forge-route-issue",
    "js-concat-project-encoded-list",
    "js-if-condition-no-double-parens",
    "js-sdk-params-shorthand",
    "js-urlsearchparams-object",
    "js-params-append-setter",
    "py-fstring-and-subscript-read",
    "py-params-dict-and-get-chain",
    "py-sdk-keyword-arguments",
    "java-concat-and-jsonobject-read",
    "java-getter-read-project",
    "kotlin-template-and-index-read",
    "go-setter-and-map-read",
    "php-concat-and-array-read",
    "php-object-read-issue",
    "groovy-scriptrunner-cloud",
    "groovy-gstring-url-and-subscript-read",
}
ALIAS_CASES = [(f"alias-{c[0]}", c[1], c[2].replace("BROWSE_PROJECTS", "BROWSE"), *c[3:]) for c in CASES if c[0] in ALIAS_OF]
assert len(ALIAS_CASES) == len(ALIAS_OF)
CASES += ALIAS_CASES


@pytest.mark.parametrize("case_id, lang, source, expected, rules", CASES, ids=[c[0] for c in CASES])
def test_rewrite(case_id, lang, source, expected, rules):
    res = rewrite(lang, source)
    assert res.new_source == expected, "\n" + res.new_source
    rewritten = {f.rule for f in res.findings if f.classification == REWRITTEN}
    assert rewritten == rules, [(f.line, f.rule, f.classification, f.message) for f in res.findings]
    for f in res.findings:
        if f.classification == REWRITTEN:
            assert f.replacement is not None and f.original != f.replacement
            assert f.message


@pytest.mark.parametrize("case_id, lang, source, expected, rules", CASES, ids=[c[0] for c in CASES])
def test_second_run_is_a_no_op(case_id, lang, source, expected, rules):
    again = rewrite(lang, expected)
    assert again.new_source == expected
    assert not [f for f in again.findings if f.classification == REWRITTEN]
    first_other = [(f.rule, f.classification) for f in rewrite(lang, source).findings if f.classification != REWRITTEN]
    assert sorted((f.rule, f.classification) for f in again.findings) == sorted(first_other)
