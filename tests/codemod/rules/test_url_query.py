"""Table tests for the `url_query` rule: REWRITES (source -> expected), NOT_REWRITTEN (sites reported, source kept)
and NO_CHANGE (no finding at all). The shared checks (idempotence, the rule fired, messages) are in codemod_tables."""

from __future__ import annotations

import pytest

from codemod_tables import d, tables

from migrate.codemod import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN  # noqa: F401
from migrate.codemod.rules import url_query


REWRITES = [
    pytest.param(
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
        id='ts-forge-route-issue',
    ),
    pytest.param(
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
        id='js-concat-project-encoded-list',
    ),
    pytest.param(
        "javascript",
        'fetch(`/rest/api/3/mypermissions?issueId=${id}&permissions=BROWSE_PROJECTS%2cEDIT_ISSUES`);\n',
        'fetch(`/rest/api/3/mypermissions?issueId=${id}&permissions=VIEW_PROJECTS%2cVIEW_ISSUES%2cEDIT_ISSUES`);\n',
        {"url-query"},
        id='js-encoded-list-issue-keeps-encoding',
    ),
    pytest.param(
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
        id='js-if-condition-no-double-parens',
    ),
    pytest.param(
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
        id='py-fstring-and-subscript-read',
    ),
    pytest.param(
        "python",
        'url = ("/rest/api/3/mypermissions?issueKey=" + key + "&permissions="\n       "BROWSE_PROJECTS")\n',
        'url = ("/rest/api/3/mypermissions?issueKey=" + key + "&permissions="\n       "VIEW_PROJECTS,VIEW_ISSUES")\n',
        {"url-query"},
        id='py-implicit-concatenation-split-literals',
    ),
    pytest.param(
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
        id='java-concat-and-jsonobject-read',
    ),
    pytest.param(
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
        id='java-getter-read-project',
    ),
    pytest.param(
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
        id='kotlin-template-and-index-read',
    ),
    pytest.param(
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
        id='php-concat-and-array-read',
    ),
    pytest.param(
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
        id='php-object-read-issue',
    ),
    pytest.param(
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
        id='groovy-gstring-url-and-subscript-read',
    ),
]

# the deprecated alias BROWSE in the same request and read gives the same result
ALIAS_OF = {'groovy-gstring-url-and-subscript-read', 'java-getter-read-project', 'php-concat-and-array-read', 'kotlin-template-and-index-read', 'java-concat-and-jsonobject-read', 'ts-forge-route-issue', 'js-if-condition-no-double-parens', 'php-object-read-issue', 'js-concat-project-encoded-list', 'py-fstring-and-subscript-read'}

NOT_REWRITTEN = [
    pytest.param(
        "javascript",
        'fetch("/rest/api/3/mypermissions?permissions=BROWSE_PROJECTS");\n',
        [(1, "url-query", NEEDS_REVIEW, "no projectKey/projectId/issueKey/issueId")],
        id='url-without-context',
    ),
    pytest.param(
        "typescript",
        "const u = `/rest/api/3/mypermissions?${param}=${id}&permissions=BROWSE_PROJECTS`;\n",
        [(1, "url-query", NEEDS_REVIEW, "set elsewhere, at run time")],
        id='url-context-in-a-variable',
    ),
    pytest.param(
        "python",
        'u = f"/rest/api/3/mypermissions?projectKey={p}&issueKey={i}&permissions=BROWSE_PROJECTS"\n',
        [(1, "url-query", NEEDS_REVIEW, "both project")],
        id='url-both-contexts',
    ),
    pytest.param(
        "javascript",
        d("""
        async function issuesIfVisible(key) {
          const r = await get(`/rest/api/3/mypermissions?projectKey=${key}&permissions=BROWSE_PROJECTS`);
          if (!r.permissions.BROWSE_PROJECTS.havePermission) return [];
          return get(`/rest/api/3/search/jql?jql=project=${key}`);
        }
        """),
        [
            (2, "url-query", NEEDS_REVIEW, "reads issue data"),
            (3, "response-read", NEEDS_REVIEW, "guards issue data"),
        ],
        id='project-check-guards-issue-data',
    ),
    pytest.param(
        "javascript",
        d("""
        async function both(p, i) {
          const a = await get(`/rest/api/3/mypermissions?projectKey=${p}&permissions=BROWSE_PROJECTS`);
          const b = await get(`/rest/api/3/mypermissions?issueKey=${i}&permissions=BROWSE_PROJECTS`);
          return a.permissions.BROWSE_PROJECTS.havePermission && b.permissions.BROWSE_PROJECTS.havePermission;
        }
        """),
        [
            (2, "url-query", NEEDS_REVIEW, "cannot be rewritten"),
            (3, "url-query", NEEDS_REVIEW, "cannot be rewritten"),
            (4, "response-read", NEEDS_REVIEW, "both project- and issue-context"),
            (4, "response-read", NEEDS_REVIEW, "both project- and issue-context"),
        ],
        id='read-with-mixed-requests',
    ),
    pytest.param(
        "javascript",
        d("""
        async function f(k) {
          const r = await get(`/rest/api/3/mypermissions?issueKey=${k}&permissions=BROWSE_PROJECTS`);
          return r.permissions.BROWSE_PROJECTS;
        }
        """),
        [
            (2, "url-query", NEEDS_REVIEW, "cannot be rewritten"),
            (3, "response-read", NEEDS_REVIEW, "not havePermission"),
        ],
        id='issue-read-of-whole-object',
    ),
    pytest.param(
        "python",
        d("""
        def f(s, k):
            r = s.get(f"/rest/api/3/mypermissions?issueKey={k}&permissions=BROWSE_PROJECTS")
            return r.json()["permissions"]["BROWSE_PROJECTS"]["havePermission"]
        """),
        [
            (2, "url-query", NEEDS_REVIEW, "cannot be rewritten"),
            (3, "response-read", NEEDS_REVIEW, "would repeat `r.json()`"),
        ],
        id='issue-read-repeats-a-call',
    ),
    pytest.param(
        "kotlin",
        d("""
        fun f(k: String): Boolean {
            val p = http.get("/rest/api/3/mypermissions?issueKey=$k&permissions=BROWSE_PROJECTS")
            return p.permissions["BROWSE_PROJECTS"]?.havePermission == true
        }
        """),
        [
            (2, "url-query", NEEDS_REVIEW, "cannot be rewritten"),
            (3, "response-read", NEEDS_REVIEW, "nullable"),
        ],
        id='kotlin-nullable-issue-read',
    ),
    pytest.param(
        "javascript",
        "const u = `/rest/api/3/mypermissions?permissions=BROWSE`;\n",
        [(1, "url-query", NEEDS_REVIEW, "permissions= query parameter with BROWSE: no projectKey")],
        id='alias-url-without-context',
    ),
    pytest.param(
        "javascript",
        d("""
        async function f(k) {
          const j = await (await fetch(`/rest/api/3/mypermissions?issueKey=${k}&permissions=BROWSE`)).json();
          return j.permissions.BROWSE;
        }
        """),
        [
            (2, "url-query", NEEDS_REVIEW, "it changes together with line 3, and line 3 cannot be rewritten"),
            (3, "response-read", NEEDS_REVIEW, "it reads the BROWSE object (not havePermission) in issue context"),
        ],
        id='alias-request-blocked-by-its-object-read',
    ),
]

NO_CHANGE = [
    pytest.param(
        "javascript",
        "fetch(`/rest/api/3/mypermissions?issueKey=${k}&permissions=BROWSE_PROJECTS,VIEW_PROJECTS,VIEW_ISSUES`);\n",
        id='already-migrated-url',
    ),
]

globals().update(tables(url_query.RULE, REWRITES, NOT_REWRITTEN, NO_CHANGE, alias_of=ALIAS_OF))
